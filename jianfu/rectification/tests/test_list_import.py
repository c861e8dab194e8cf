"""The negative list's Excel import: a good file replaces the draft's items with one audit entry
carrying the file's SHA-256; every bad file (a missing column, a repeated 序号, an empty or
too-long cell, an unmerged cell) is refused with the row and column named and nothing saved; a
published list refuses any import and says to start a new version."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.core import excel
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.rectification.selfexam import list_import
from jianfu.rectification.selfexam import services as exams

pytestmark = pytest.mark.django_db

HEADER = ["序号", "类别", "表现形式", "说明"]


def xlsx(rows, merges=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def items(nl):
    return list(nl.items.order_by("position").values_list("number", "category", "title"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def office(people):
    return people["office"]


@pytest.fixture
def draft(office):
    nl = exams.list_create(by=office, title="形式主义、官僚主义问题负面清单", year=2026)
    exams.item_save(
        by=office, negative_list=nl, data={"number": "99", "category": "旧", "title": "手工录入"}
    )
    return nl


def fails(nl, data, filename="清单.xlsx", media=None) -> list[str]:
    """Import a bad file: the messages, after checking nothing changed and no file was kept."""
    before = items(nl), AuditEntry.objects.count()
    kept = sorted(Path(media).rglob("*")) if media else None
    with pytest.raises(excel.ImportFailed) as info:
        list_import.import_items(by=nl.created_by, negative_list=nl, filename=filename, data=data)
    assert (items(nl), AuditEntry.objects.count()) == before
    if media:
        assert sorted(Path(media).rglob("*")) == kept
    return [str(e) for e in info.value.errors]


def test_a_good_file_replaces_the_items_with_one_audit_entry(draft, office, media):
    data = xlsx(
        [
            ["某省形式主义、官僚主义问题负面清单"],  # a title row above the header
            ["序 号", "类别（必填）", "表现形式", "说　明"],  # spaces, a note, a full-width space
            [1, "学风方面", "学习搞形式", "如手抄笔记"],
            ["２", "学风方面", "以考代学", None],
            [None, None, None, None],  # skipped
            ["3", "文风会风", "以文件落实文件", ""],
        ]
    )
    parsed = list_import.import_items(
        by=office, negative_list=draft, filename="清单.xlsx", data=data
    )
    assert parsed.categories == 2
    assert items(draft) == [
        ("1", "学风方面", "学习搞形式"),
        ("2", "学风方面", "以考代学"),
        ("3", "文风会风", "以文件落实文件"),
    ]
    assert draft.items.get(number="1").explanation == "如手抄笔记"
    entry = AuditEntry.objects.filter(code="jianfu.rectification.list.imported").get()
    digest = hashlib.sha256(data).hexdigest()
    assert entry.extra["sha256"] == digest
    assert entry.extra["rows"] == 3
    assert (Path(media) / entry.extra["file"]).read_bytes() == data


def test_a_merged_category_cell_counts_for_every_row_it_covers(draft, office):
    data = xlsx(
        [HEADER, [1, "学风方面", "一", ""], [2, None, "二", ""], [3, "文风", "三", ""]],
        merges=["B2:B3"],
    )
    list_import.import_items(by=office, negative_list=draft, filename="清单.xlsx", data=data)
    assert [c for _n, c, _t in items(draft)] == ["学风方面", "学风方面", "文风"]


def test_another_merged_cell_is_named(draft, media):
    data = xlsx([HEADER, [1, "学风", "一", ""], [2, "学风", None, ""]], merges=["C2:C3"])
    assert fails(draft, data, media=media) == [
        "第 3 行，“表现形式”列：该单元格与第 2 行合并，请取消合并后逐行填写。"
    ]


def test_a_gbk_csv_is_read(draft, office):
    text = "序号,类别,表现形式,说明\r\n1,学风方面,学习搞形式,\r\n"
    list_import.import_items(
        by=office, negative_list=draft, filename="清单.csv", data=text.encode("gbk")
    )
    assert items(draft) == [("1", "学风方面", "学习搞形式")]


def test_a_missing_column_is_named(draft, media):
    errors = fails(draft, xlsx([["序号", "类别", "说明"], [1, "学风", ""]]), media=media)
    assert len(errors) == 1
    assert "缺少必填列：表现形式" in errors[0]
    assert errors[0].startswith("第 1 行")


def test_a_repeated_number_names_both_rows(draft, media):
    data = xlsx([HEADER, [1, "学风", "一", ""], [2, "学风", "二", ""], ["1", "文风", "三", ""]])
    assert fails(draft, data, media=media) == [
        "第 4 行，“序号”列：序号“1”与第 2 行重复，同一清单的序号不能重复。"
    ]


def test_empty_and_too_long_cells_are_all_named(draft, media):
    data = xlsx(
        [
            HEADER,
            [1, None, "一", ""],
            [None, "学风", "二", ""],
            [3, "学风", "长" * 301, ""],
            ["1234567890123", "学风", "四", ""],
        ]
    )
    assert fails(draft, data, media=media) == [
        "第 2 行，“类别”列：类别不能为空。",
        "第 3 行，“序号”列：序号不能为空。",
        "第 4 行，“表现形式”列：表现形式不能超过 300 个字，本格有 301 个字。",
        "第 5 行，“序号”列：序号不能超过 12 个字，本格有 13 个字。",
    ]


def test_a_header_without_rows_and_an_unknown_column_are_refused(draft):
    assert fails(draft, xlsx([HEADER])) == ["第 1 行：表头下面没有任何数据行。"]
    errors = fails(draft, xlsx([[*HEADER, "责任单位"], [1, "学风", "一", "", "甲县"]]))
    assert "无法识别的列“责任单位”" in errors[0]


def test_a_published_list_refuses_an_import(draft, office, media):
    exams.list_publish(by=office, negative_list=draft)
    draft.refresh_from_db()
    with pytest.raises(DomainError) as info:
        list_import.import_items(
            by=office,
            negative_list=draft,
            filename="清单.xlsx",
            data=xlsx([HEADER, [1, "学风", "一", ""]]),
        )
    assert info.value.code == "published"
    assert "新建版本" in str(info.value.message)
    assert items(draft) == [("99", "旧", "手工录入")]
    assert not list(Path(media).rglob("*.xlsx"))


def test_the_templates_examples_are_skipped(draft, office):
    data = list_import.template()
    book = load_workbook(io.BytesIO(data))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    with pytest.raises(excel.ImportFailed) as info:
        list_import.import_items(by=office, negative_list=draft, filename="模板.xlsx", data=data)
    assert str(info.value) == (
        "文件中只有模板的示例行（第 2、3、4 行），没有要导入的数据：请在示例行下面填写。"
    )
    book.worksheets[0].append(["7", "文风会风", "照抄照搬", ""])
    out = io.BytesIO()
    book.save(out)
    parsed = list_import.import_items(
        by=office, negative_list=draft, filename="模板.xlsx", data=out.getvalue()
    )
    assert [n for n, _c, _t in items(draft)] == ["7"] and parsed.examples == (2, 3, 4)


# --- The page -------------------------------------------------------------------------------------


def post(client, nl, data, name="清单.xlsx"):
    return client.post(
        reverse("negative_list_import", args=[nl.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def test_the_import_page_lists_errors_and_imports_a_good_file(draft, login):
    client = login("office")
    assert client.get(reverse("negative_list_import", args=[draft.pk])).status_code == 200
    bad = post(client, draft, xlsx([HEADER, [1, "学风", "一", ""], [1, "学风", "二", ""]]))
    assert bad.status_code == 400
    assert "序号“1”与第 2 行重复" in bad.content.decode()
    good = post(client, draft, xlsx([HEADER, [1, "学风", "一", ""], [2, "学风", "二", ""]]))
    assert good.status_code == 302
    assert items(draft) == [("1", "学风", "一"), ("2", "学风", "二")]


def test_the_import_page_of_a_published_list_says_to_start_a_new_version(draft, office, login):
    exams.list_publish(by=office, negative_list=draft)
    client = login("office")
    page = client.get(reverse("negative_list_import", args=[draft.pk])).content.decode()
    assert "请新建版本" in page
    response = post(client, draft, xlsx([HEADER, [1, "学风", "一", ""]]))
    assert "请新建版本" in response.content.decode()
    assert items(draft) == [("99", "旧", "手工录入")]


def test_only_the_office_imports_or_downloads_the_template(draft, login):
    for who in ("leader", "contact_a"):
        client = login(who)
        assert client.get(reverse("negative_list_import", args=[draft.pk])).status_code == 403
        assert client.get(reverse("negative_list_template")).status_code == 403
    response = login("office").get(reverse("negative_list_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxml")
