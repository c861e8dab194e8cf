"""12345 hotline work orders and petition records from Excel through the one import runner: all
or nothing with row and column named, the informant sealed, a re-import of the same numbers adds
nothing, templates downloadable, the page for the commission only."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.accountability.clues.models import Clue
from jianfu.core import crypto, imports
from jianfu.core.excel import ImportFailed
from jianfu.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

HEADER = [
    "编号",
    "收到时间",
    "被反映单位",
    "问题类别",
    "反映内容",
    "被反映人",
    "反映人姓名",
    "联系电话",
]
ROWS = [
    [
        "GD001",
        "2026-03-01",
        "甲县",
        "会海",
        "甲县每周召开两次调度会，要求乡镇书记到场陪会。",
        "",
        "张三",
        "13800000000",
    ],
    [
        "GD002",
        "2026-03-02",
        "TB",
        "文山：发文过多、以文件落实文件",
        "乙县一个月发文四十件。",
        "",
        "",
        "",
    ],
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


def run(rows, kind="accountability.clues_hotline"):
    return imports.run(
        kind, by=User.objects.get(username="discipline"), filename="gd.xlsx", data=book(rows)
    )


def test_a_good_file_creates_every_clue_with_the_informant_sealed():
    run(ROWS)
    a, b = Clue.objects.order_by("external_ref")
    assert (a.channel, a.external_ref, a.category, a.subject_unit.code) == (
        "hotline",
        "GD001",
        "meetings",
        "TA",
    )
    assert crypto.unseal(a.informant_sealed) == {
        "name": "张三",
        "phone": "13800000000",
        "id_number": "",
        "address": "",
        "contact": "",
    }
    assert a.real_name and b.informant_sealed is None and b.category == "documents"
    assert AuditEntry.objects.filter(code="jianfu.accountability.clue.imported").count() == 1
    batch = AuditEntry.objects.get(code="jianfu.accountability.clue.imported")
    assert "张三" not in repr(batch.extra) + repr(batch.changes)


def test_the_same_numbers_imported_again_add_nothing():
    run(ROWS)
    run(ROWS + [["GD003", "2026-03-03", "甲县", "过度留痕", "拍照留痕太多。", "", "", ""]])
    assert Clue.objects.count() == 3
    run(ROWS, kind="accountability.clues_petition")  # another channel's numbers are its own
    assert Clue.objects.count() == 5


def test_one_bad_row_saves_nothing_and_names_row_and_column():
    with pytest.raises(ImportFailed) as e:
        run(
            [
                ROWS[0],
                ["GD009", "不是日期", "没有这个单位", "不存在的类别", "", "", "", "abc"],
                ["GD001", "2026-03-01", "甲县", "会海", "重复的编号", "", "", ""],
            ]
        )
    errors = {(x.row, x.column) for x in e.value.errors}
    assert {(3, "收到时间"), (3, "被反映单位"), (3, "问题类别"), (3, "反映内容")} <= errors
    assert (4, "编号") in errors
    text = " ".join(x.message for x in e.value.errors)
    assert "不存在的类别" in text
    assert not Clue.objects.exists()


def test_templates_download_and_page_is_the_commissions(login):
    client = login("discipline")
    for name in ("clue_template_hotline", "clue_template_petition"):
        answer = client.get(reverse(name))
        assert answer.status_code == 200
        ws = load_workbook(io.BytesIO(answer.content)).worksheets[0]
        assert [c.value for c in ws[1]] == HEADER
    page = client.get(reverse("clue_import_hotline"))
    assert page.status_code == 200 and "导入12345热线工单" in page.content.decode()
    assert login("office").get(reverse("clue_import_hotline")).status_code == 403
    assert login("office").get(reverse("clue_template_hotline")).status_code == 403


def test_upload_through_the_page(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login("discipline")
    f = SimpleUploadedFile("gd.xlsx", book(ROWS))
    answer = client.post(reverse("clue_import_hotline"), {"file": f})
    assert answer.status_code in (200, 302)
    assert Clue.objects.count() == 2
