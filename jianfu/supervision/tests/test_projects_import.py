"""Key projects from Excel through the one import runner: all or nothing, each problem with its
row and column; one audit entry for the batch."""

import io

import pytest
from openpyxl import Workbook

from jianfu.core import clock, imports
from jianfu.core.excel import ImportFailed
from jianfu.core.models import AuditEntry, User
from jianfu.supervision.projects.models import Deal, Project

from . import projects_factory as f

pytestmark = pytest.mark.django_db

HEADER = [
    "责任单位",
    "项目名称",
    "类别",
    "建设地点",
    "计划总投资（万元）",
    "签约日期",
    "签约金额（万元）",
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
            "supervision.projects",
            by=User.objects.get(username="office"),
            filename="projects.xlsx",
            data=book(rows),
        )


def test_a_good_file_creates_every_project():
    record = run(
        [
            ["甲县", "新能源电池项目", "产业项目", "甲县开发区", 50000, "2025-03-01", 50000],
            ["乙县", "农村公路提升", "基础设施", "乙一镇", 1200, None, None],
        ]
    )
    assert Project.objects.count() == 2
    deal = Deal.objects.get()
    assert deal.project.name == "新能源电池项目" and deal.amount_signed == 50000
    assert AuditEntry.objects.filter(code="jianfu.supervision.project.imported").count() == 1
    assert record.pk


def test_one_bad_row_saves_nothing_and_names_row_and_column():
    with pytest.raises(ImportFailed) as e:
        run(
            [
                ["甲县", "新能源电池项目", "产业项目", "甲县开发区", 50000, "2025-03-01", 50000],
                ["乙县", "农村公路提升", "不存在的类别", "乙一镇", -5, None, None],
                ["乙县", "冷链物流", "产业项目", "物流园", 100, "2025-03-01", None],
            ]
        )
    errors = {(x.row, x.column) for x in e.value.errors}
    assert (3, "类别") in errors and (3, "计划总投资（万元）") in errors
    assert (4, "签约金额（万元）") in errors
    text = " ".join(x.message for x in e.value.errors)
    assert "不存在的类别" in text and "负数" in text
    assert not Project.objects.exists()


def test_a_project_already_registered_is_not_imported_again(units):
    f.project(units["TA"], "新能源电池项目", location="甲县开发区")
    with pytest.raises(ImportFailed) as e:
        run([["甲县", "新能源电池 项目", "产业项目", "甲县开发区", 100, None, None]])
    assert "已登记过" in e.value.errors[0].message
    assert Project.objects.count() == 1
