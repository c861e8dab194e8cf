"""Targets from Excel through the one import runner: all or nothing, each problem with its row and
column in Chinese; one audit entry for the batch; a target already registered is refused."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from jianfu.core import clock, imports
from jianfu.core.excel import ImportFailed
from jianfu.core.models import AuditEntry, User
from jianfu.supervision.review.models import Target

from . import review_factory as f

pytestmark = pytest.mark.django_db

HEADER = [
    "责任单位",
    "类别",
    "名称",
    "年度",
    "年度目标值",
    "计量单位",
    "累计完成值",
    "完成进度（%）",
]


def book(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows):
    with clock.frozen(f.AS_OF):
        return imports.run(
            "supervision.review",
            by=User.objects.get(username="office"),
            filename="targets.xlsx",
            data=book(rows),
        )


def test_a_good_file_creates_every_target():
    run(
        [
            ["甲县", "经济指标", "地区生产总值", 2025, 100, "亿元", 45, None],
            ["乙县", "民生实事", "新建幼儿园", None, None, None, None, 60],
            ["乙县", "重点工作", "乡村振兴示范村", "2025年", None, None, None, None],
        ]
    )
    assert Target.objects.count() == 3
    gdp = Target.objects.get(name="地区生产总值")
    assert gdp.review.year == 2025 and gdp.done_value == 45 and gdp.measure == "亿元"
    assert Target.objects.get(name="新建幼儿园").kind == "livelihood"
    assert AuditEntry.objects.filter(code="jianfu.supervision.review.imported").count() == 1


def test_one_bad_row_saves_nothing_and_names_row_and_column():
    with pytest.raises(ImportFailed) as e:
        run(
            [
                ["甲县", "经济指标", "地区生产总值", 2025, 100, "亿元", 45, None],
                ["乙县", "民生", "新建幼儿园", None, None, None, None, 120],
                ["乙县", "经济指标", "财政收入", None, 50, "亿元", -3, None],
                ["乙县", "其他", "招商引资", None, None, None, None, None],
                ["甲县", "重点工作", "地区生产总值", 2025, None, None, None, None],
            ]
        )
    errors = {(x.row, x.column): x.message for x in e.value.errors}
    assert "不能超过 100" in errors[(3, "完成进度（%）")]
    assert "不能为负数" in errors[(4, "累计完成值")]
    assert "不是可选的值" in errors[(5, "类别")]
    assert "同一单位同一年度" in errors[(6, "名称")]
    assert not Target.objects.exists()


def test_a_target_already_registered_is_not_imported_again(units):
    f.target(units["TA"], "地区生产总值", target_value=100, done=20)
    with pytest.raises(ImportFailed) as e:
        run([["甲县", "经济指标", "地区生产总值", 2025, 100, "亿元", 45, None]])
    assert "已登记过" in e.value.errors[0].message
    assert Target.objects.count() == 1


def test_the_import_page_is_the_offices(login):
    assert login("office").get(reverse("review_import")).status_code == 200
    assert login("contact_a").get(reverse("review_import")).status_code == 403
