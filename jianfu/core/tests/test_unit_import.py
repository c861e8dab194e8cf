"""Units tree import and export: every bad input of issue 3 gets a Chinese error naming the row and
the column, and nothing is saved; good files land in the right places; export re-imports
unchanged."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.core import excel, services, units_import
from jianfu.core.models import AuditEntry, ImportRecord, RoleGrant, Unit, User
from jianfu.core.units_import.columns import kinds_accepted

HEADER = ["单位代码", "名称", "简称", "类型", "上级单位代码"]


# --- Helpers ------------------------------------------------------------------------------------


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xls(rows) -> bytes:
    import xlwt  # test-only dependency (writes real BIFF8 .xls files)

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("单位")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def state():
    """Everything an import could change."""
    return (
        sorted(
            Unit.objects.values_list(
                "code",
                "name",
                "short_name",
                "kind",
                "path",
                "depth",
                "numchild",
                "valid_until",
                "successor_id",
            )
        ),
        ImportRecord.objects.count(),
        AuditEntry.objects.count(),
    )


def tree_ok():
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def run(rows, user="sysadmin", filename="units.xlsx", data=None):
    data = xlsx(rows) if data is None else data
    return units_import.import_units(
        by=User.objects.get(username=user), filename=filename, data=data
    )


def fails(rows=None, *, user="sysadmin", filename="units.xlsx", data=None) -> list[str]:
    """Import a bad file: return the error messages, after checking nothing was saved."""
    before = state()
    with pytest.raises(excel.ImportFailed) as info:
        run(rows, user=user, filename=filename, data=data)
    assert state() == before
    assert info.value.errors
    return [str(e) for e in info.value.errors]


def parent_code(code):
    unit = Unit.objects.get(code=code)
    parent = Unit.objects.get_parent(unit, update=True)
    return parent.code if parent else None


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def county_admin(db):
    """A system administrator whose home unit is county A (甲县)."""
    user = User.objects.create(username="sysadmin_a", home_unit=Unit.objects.get(code="TA"))
    RoleGrant.objects.create(user=user, role="sysadmin")
    return user


# --- Good files ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_import_creates_children_under_parents_and_updates(media):
    before_audit = AuditEntry.objects.count()
    rows = [
        ["类型", "上级单位代码", "单位代码", "名称", "简称"],  # any column order
        ["村", "TA02", "TA0201", "甲二村", ""],  # the child comes before its parent
        ["乡镇（街道）", "TA", "TA02", "甲二镇", "甲二"],
        ["社区", "TA01", "ＴＡ０１０２", "　甲一社区　", ""],  # full-width code and spaces
        [],
        ["乡镇", "TB", "TB01", "乙一镇（新）", "乙一"],  # existing: updated in place
        ["县", "T", 410902.0, "丙区", ""],  # a code Excel stored as a number
        ["街道", 410902.0, "410902001", "丙一街道", ""],
        ["township", "410902001", "410902001001", "丙一社区", ""],
    ]
    data = xlsx(rows)
    record = run(rows, data=data)

    assert (record.created, record.updated, record.rows) == (6, 1, 7)
    assert parent_code("TA0201") == "TA02" and parent_code("TA02") == "TA"
    assert parent_code("TA0102") == "TA01"
    assert parent_code("410902") == "T" and parent_code("410902001") == "410902"
    assert parent_code("410902001001") == "410902001"
    assert Unit.objects.get(code="TA0102").name == "甲一社区"
    village = Unit.objects.get(code="TA0201")
    assert village.kind == "village" and village.depth == 4
    assert village.path.startswith(Unit.objects.get(code="TA02").path)
    assert Unit.objects.get(code="410902001001").kind == "township"
    assert Unit.objects.get(code="410902").kind == "county"
    tb01 = Unit.objects.get(code="TB01")
    assert (tb01.name, tb01.short_name, tb01.kind) == ("乙一镇（新）", "乙一", "township")
    tree_ok()

    assert AuditEntry.objects.count() == before_audit + 1
    entry = AuditEntry.objects.latest("seq")
    digest = hashlib.sha256(data).hexdigest()
    assert entry.code == "jianfu.core.unit.imported"
    assert (entry.object_type, entry.object_id) == ("core.importrecord", str(record.pk))
    assert entry.extra["sha256"] == digest == record.sha256
    assert entry.extra["file"] == record.stored_as == f"imports/{digest}.xlsx"
    created = set(
        Unit.objects.filter(
            code__in=["TA0201", "TA02", "TA0102", "410902", "410902001", "410902001001"]
        ).values_list("pk", flat=True)
    )
    assert set(entry.extra["created_ids"]) == created
    assert entry.extra["updated_ids"] == [tb01.pk]
    assert (Path(media) / record.stored_as).read_bytes() == data
    assert record.kind == "units" and record.by.username == "sysadmin"


@pytest.mark.django_db
def test_import_moves_an_existing_unit_with_its_subtree():
    rows = [HEADER, ["TA01", "甲一镇", "", "乡镇（街道）", "TB"]]
    record = run(rows)
    assert record.updated == 1 and record.created == 0
    assert parent_code("TA01") == "TB" and parent_code("TA0101") == "TA01"
    assert Unit.objects.get(code="TA").numchild == 0
    assert Unit.objects.get(code="TB").numchild == 2
    tree_ok()


@pytest.mark.django_db
def test_new_units_and_a_move_under_a_new_unit_in_one_file():
    rows = [
        HEADER,
        ["TA01", "甲一镇", "", "乡镇（街道）", "TN"],  # existing, moved under a new county
        ["TN", "新县", "", "县（市、区）", "T"],
        ["TN01", "新一镇", "", "乡镇", "TN"],
        ["TA0102", "甲一新村", "", "村", "TA01"],
    ]
    record = run(rows)
    assert (record.created, record.updated) == (3, 1)
    assert parent_code("TA01") == "TN" and parent_code("TN01") == "TN"
    assert parent_code("TA0102") == "TA01" and parent_code("TA0101") == "TA01"
    assert Unit.objects.get(code="TN").numchild == 2
    tree_ok()


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("乡镇（街道）", "township"),
        ("乡镇(街道)", "township"),
        ("乡镇", "township"),
        ("街道", "township"),
        ("村", "village"),
        ("社区", "village"),
        ("村（社区）", "village"),
        ("县", "county"),
        ("区", "county"),
        ("市直单位", "department"),
        ("部门", "department"),
        ("县直部门", "county_department"),
        ("学校", "school"),
        ("企业", "enterprise"),
        ("township", "township"),
        ("School", "school"),
    ],
)
@pytest.mark.django_db
def test_kind_accepts_labels_short_forms_and_values(written, kind):
    run([HEADER, ["TX1", "某单位", "", written, "TA"]])
    assert Unit.objects.get(code="TX1").kind == kind


@pytest.mark.django_db
def test_a_title_row_above_the_header_is_skipped_and_rows_are_numbered_as_in_excel():
    messages = fails([["某市单位名录（2025 年）"], HEADER, ["TX1", "某单位", "", "乡镇", "NOPE"]])
    assert messages == [
        "第 3 行，“上级单位代码”列：找不到代码为“NOPE”的上级单位：它既不在本文件中，"
        "也不在您管理的单位里。"
    ]


@pytest.mark.django_db
def test_close_date_and_successor_are_imported():
    rows = [
        HEADER + ["撤销日期", "承继单位代码"],
        ["TB01", "乙一镇", "", "乡镇", "TB", "2025/3/1", "TB02"],
        ["TB02", "乙二镇", "", "乡镇", "TB", "", ""],
    ]
    run(rows)
    tb01 = Unit.objects.get(code="TB01")
    assert str(tb01.valid_until) == "2025-03-01"
    assert tb01.successor == Unit.objects.get(code="TB02")
    tree_ok()


# --- Files people send --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
@pytest.mark.django_db
def test_csv_in_gbk_and_utf8_with_or_without_bom_is_read(encoding):
    rows = [HEADER, ["TA02", "甲二镇", "甲二", "乡镇（街道）", "TA"]]
    record = run(None, filename="单位.csv", data=csv_bytes(rows, encoding))
    assert record.created == 1
    unit = Unit.objects.get(code="TA02")
    assert (unit.name, unit.short_name, unit.kind) == ("甲二镇", "甲二", "township")
    assert record.stored_as.endswith(".csv")


@pytest.mark.django_db
def test_gbk_csv_with_a_bad_row_names_row_and_column_in_readable_chinese():
    rows = [HEADER, ["TA02", "甲二镇", "", "乡政府", "TA"]]
    messages = fails(filename="单位.csv", data=csv_bytes(rows, "gbk"))
    assert len(messages) == 1
    assert messages[0].startswith("第 2 行，“类型”列：无法识别的单位类型“乡政府”。")


@pytest.mark.django_db
def test_xls_is_read():
    record = run(
        None,
        filename="单位.xls",
        data=xls(
            [HEADER, [410902, "丙区", "", "县", "T"], ["410902001", "丙一街道", "", "街道", 410902]]
        ),
    )
    assert record.created == 2
    assert parent_code("410902001") == "410902"
    tree_ok()


@pytest.mark.django_db
def test_xls_with_a_bad_row_names_row_and_column():
    messages = fails(filename="单位.xls", data=xls([HEADER, ["TA02", "", "", "乡镇", "TA"]]))
    assert messages == ["第 2 行，“名称”列：名称不能为空。"]


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("units.xlsx", bytes(range(256)) * 8),  # random bytes named .xlsx
        ("units.xlsx", xlsx([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]])[:900]),  # truncated
        ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),  # broken OLE file
        ("units.xlsx", b"PK\x03\x04" + b"\x00" * 100),  # a broken zip
    ],
)
@pytest.mark.django_db
def test_a_corrupt_file_gets_a_clear_chinese_error(filename, data):
    messages = fails(filename=filename, data=data)
    assert messages == [
        "文件已损坏或不是 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认后重新保存。"
    ]


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "你好")
    assert "无法读取" in fails(filename="units.xlsx", data=out.getvalue())[0]


@pytest.mark.django_db
def test_a_web_page_named_xls_is_explained():
    data = "<html><body><table><tr><td>单位代码</td></tr></table></body></html>".encode()
    assert "网页（HTML）格式" in fails(filename="units.xls", data=data)[0]


@pytest.mark.django_db
def test_an_empty_file_is_refused():
    assert fails(filename="units.csv", data=b"") == ["文件是空的。"]
    assert fails(filename="units.csv", data=csv_bytes([HEADER])) == [
        "第 1 行：表头下面没有任何数据行。"
    ]


# --- Bad input: each names the row and the column, and nothing is saved ---------------------------


@pytest.mark.django_db
def test_duplicate_codes_name_both_rows():
    messages = fails(
        [
            HEADER,
            ["TA02", "甲二镇", "", "乡镇", "TA"],
            ["TA03", "甲三镇", "", "乡镇", "TA"],
            ["TA02", "甲二镇（重）", "", "乡镇", "TA"],
        ]
    )
    assert messages == ["第 4 行，“单位代码”列：单位代码“TA02”重复：第 2 行和第 4 行都是这个代码。"]


@pytest.mark.django_db
def test_a_parent_that_does_not_exist():
    messages = fails(
        [HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"], ["TA0201", "村", "", "村", "TZ"]]
    )
    assert messages == [
        "第 3 行，“上级单位代码”列：找不到代码为“TZ”的上级单位：它既不在本文件中，"
        "也不在您管理的单位里。"
    ]


@pytest.mark.django_db
def test_a_cycle_among_rows_names_the_rows():
    messages = fails(
        [
            HEADER,
            ["X1", "甲", "", "乡镇", "X2"],
            ["X2", "乙", "", "乡镇", "X3"],
            ["X3", "丙", "", "乡镇", "X1"],
            ["X4", "丁", "", "村", "X3"],
        ]
    )
    assert messages == [
        "第 2 行，“上级单位代码”列：上级单位代码形成循环（第 2 行“X1” → 第 3 行“X2” → "
        "第 4 行“X3” → 第 2 行“X1”）：上级单位不能是自己的下级单位。"
    ]


@pytest.mark.django_db
def test_a_unit_cannot_be_its_own_parent():
    assert fails([HEADER, ["X1", "甲", "", "乡镇", "X1"]]) == [
        "第 2 行，“上级单位代码”列：单位不能是它自己的上级单位。"
    ]


@pytest.mark.django_db
def test_moving_a_unit_under_its_own_descendant_is_refused():
    messages = fails([HEADER, ["TA", "甲县", "", "县", "TA0101"]])
    assert len(messages) == 1
    assert messages[0].startswith("第 2 行，“上级单位代码”列：不能把单位移到它自己的下级单位之下")
    assert "TA0101" in messages[0]


@pytest.mark.django_db
def test_parent_and_child_may_swap_places_in_one_file():
    # TA01 moves out from under TA first, so TA under TA01 is no cycle.
    record = run([HEADER, ["TA", "甲县", "", "县", "TA01"], ["TA01", "甲一镇", "", "乡镇", "T"]])
    assert record.updated == 2
    assert parent_code("TA01") == "T" and parent_code("TA") == "TA01"
    assert parent_code("TA0101") == "TA01"
    tree_ok()


@pytest.mark.django_db
def test_moves_that_close_a_loop_through_existing_units_are_a_cycle():
    # TA0101 under TB01, and TB under TA0101's township TA01 -> TB under TA01 is fine, but
    # TA under TB01 while TB01's county TB moves under TA0101 (below TA) is a loop.
    messages = fails([HEADER, ["TA", "甲县", "", "县", "TB01"], ["TB", "乙县", "", "县", "TA0101"]])
    assert len(messages) == 1
    assert messages[0].startswith("第 2 行，“上级单位代码”列：不能把单位移到它自己的下级单位之下")
    assert "第 2 行“TA”" in messages[0] and "第 3 行“TB”" in messages[0]


@pytest.mark.django_db
def test_an_unknown_kind_names_row_column_and_lists_the_accepted_values():
    (message,) = fails([HEADER, ["TA02", "甲二镇", "", "乡政府", "TA"]])
    assert message.startswith("第 2 行，“类型”列：无法识别的单位类型“乡政府”。可填写：")
    for label in ("县（市、区）", "乡镇（街道）", "村（社区）", "市直单位", "学校", "企业"):
        assert label in message


@pytest.mark.django_db
def test_empty_required_cells_each_get_row_and_column():
    messages = fails(
        [
            HEADER,
            ["", "甲二镇", "", "乡镇", "TA"],
            ["TA03", "", "", "乡镇", "TA"],
            ["TA04", "甲四镇", "", "", "TA"],
            ["TA05", "甲五镇", "", "乡镇", ""],
        ]
    )
    assert messages[0] == "第 2 行，“单位代码”列：单位代码不能为空。"
    assert messages[1] == "第 3 行，“名称”列：名称不能为空。"
    assert messages[2].startswith("第 4 行，“类型”列：类型不能为空。")
    assert (
        messages[3] == "第 5 行，“上级单位代码”列：上级单位代码不能为空：每个新单位都要有上级单位。"
    )
    assert len(messages) == 4


@pytest.mark.django_db
def test_all_errors_across_the_file_are_reported_together():
    messages = fails(
        [
            HEADER,
            ["TA02", "甲二镇", "", "乡政府", "TZ"],
            ["TA03", "甲三镇", "", "乡镇", "TA"],
            ["A" * 40, "长代码", "", "乡镇", "TA"],
            ["TA02", "", "", "乡镇", "TA"],
        ]
    )
    assert messages == [
        "第 2 行，“类型”列：无法识别的单位类型“乡政府”。" + kinds_accepted(),
        "第 2 行，“上级单位代码”列：找不到代码为“TZ”的上级单位："
        "它既不在本文件中，也不在您管理的单位里。",
        "第 4 行，“单位代码”列：单位代码“" + "A" * 40 + "”超过 32 个字符。",
        "第 5 行，“单位代码”列：单位代码“TA02”重复：第 2 行和第 5 行都是这个代码。",
        "第 5 行，“名称”列：名称不能为空。",
    ]


@pytest.mark.django_db
def test_unknown_and_missing_columns_are_named():
    messages = fails([["单位代码", "名称", "备注"], ["TA02", "甲二镇", "x"]])
    assert messages[0].startswith("第 1 行，“备注”列：无法识别的列“备注”。")
    assert messages[1].startswith("第 1 行：缺少必填列：类型、上级单位代码。")


@pytest.mark.django_db
def test_a_column_with_content_but_no_header_is_named_by_its_letter():
    assert fails([HEADER + [""], ["TA02", "甲二镇", "", "乡镇", "TA", "备注"]]) == [
        "第 2 行，“F”列：该列有内容但没有表头，请填写表头或删除该列。"
    ]


@pytest.mark.django_db
def test_bad_close_date_and_unknown_successor_are_named():
    messages = fails(
        [
            HEADER + ["撤销日期", "承继单位代码"],
            ["TB01", "乙一镇", "", "乡镇", "TB", "明年", ""],
            ["TA01", "甲一镇", "", "乡镇", "TA", "2025-01-31", "NOPE"],
        ]
    )
    assert messages == [
        "第 2 行，“撤销日期”列：无法识别的日期“明年”，请写成 2025-01-31 这样的格式。",
        "第 3 行，“承继单位代码”列：找不到代码为“NOPE”的承继单位：它既不在本文件中，"
        "也不在您管理的单位里。",
    ]


@pytest.mark.django_db
def test_unicode_text_from_excel_is_read():
    # Excel's "Unicode 文本": UTF-16 with a byte order mark, tab-separated.
    text = "\r\n".join("\t".join(r) for r in [HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]])
    record = run(None, filename="单位.txt", data=text.encode("utf-16"))
    assert record.created == 1 and parent_code("TA02") == "TA"


@pytest.mark.django_db
def test_a_code_in_scientific_notation_is_explained():
    (message,) = fails(
        filename="u.csv", data=csv_bytes([HEADER, ["4.10902E+11", "甲", "", "乡镇", "TA"]])
    )
    assert message.startswith("第 2 行，“单位代码”列：代码“4.10902E+11”是科学计数法")


@pytest.mark.django_db
def test_a_code_used_outside_the_importers_scope_cannot_be_taken(county_admin):
    (message,) = fails([HEADER, ["TB01", "乙一镇", "", "乡镇", "TA"]], user="sysadmin_a")
    assert message == "第 2 行，“单位代码”列：单位代码“TB01”已被其他单位使用，不能用于新单位。"


@pytest.mark.django_db
def test_a_failure_while_writing_saves_nothing(monkeypatch, media):
    from jianfu.core import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    before = state()
    with pytest.raises(RuntimeError):
        run([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"], ["TA0201", "甲二村", "", "村", "TA02"]])
    assert state() == before
    assert not list(Path(media).glob("imports/*.xlsx"))


# --- Permission and scope -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contact_may_not_import():
    before = state()
    with pytest.raises(PermissionDenied):
        run([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]], user="contact_a")
    assert state() == before


@pytest.mark.django_db
def test_a_county_admin_cannot_attach_units_under_another_county(county_admin):
    out_of_scope = fails([HEADER, ["TB02", "乙二镇", "", "乡镇", "TB"]], user="sysadmin_a")
    missing = fails([HEADER, ["TB02", "乙二镇", "", "乡镇", "NOPE"]], user="sysadmin_a")
    # A unit that exists outside the admin's units is said to be out of scope, and nothing more.
    assert out_of_scope == ["第 2 行，“上级单位代码”列：上级单位“TB”不在您管理的单位范围内。"]
    assert missing == [
        "第 2 行，“上级单位代码”列：找不到代码为“NOPE”的上级单位：它既不在本文件中，"
        "也不在您管理的单位里。"
    ]
    record = run([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]], user="sysadmin_a")
    assert record.created == 1 and parent_code("TA02") == "TA"
    tree_ok()


# --- Export and round trip ----------------------------------------------------------------------


@pytest.mark.django_db
def test_export_reimports_without_any_change(people, units):
    services.unit_close(
        by=people["sysadmin"],
        unit=units["TB01"],
        valid_until=__import__("datetime").date(2025, 6, 30),
        successor=units["TA01"],
    )
    data = units_import.export_units(people["sysadmin"])
    rows = excel.read_rows("u.xlsx", data)
    assert rows[0] == [
        "单位代码",
        "名称",
        "简称",
        "类型",
        "上级单位代码",
        "撤销日期",
        "承继单位代码",
    ]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["T"][4] == "" and by_code["TA0101"][4] == "TA01"
    assert by_code["TA"][3] == "县（市、区）"
    assert by_code["TB01"][5:] == [__import__("datetime").date(2025, 6, 30), "TA01"]
    assert [r[0] for r in rows[1:]] == list(
        Unit.objects.order_by("path").values_list("code", flat=True)
    )

    before = state()[0]
    record = units_import.import_units(by=people["sysadmin"], filename="单位.xlsx", data=data)
    assert (record.created, record.updated) == (0, 0)
    assert state()[0] == before


@pytest.mark.django_db
def test_county_admin_export_reimports_cleanly(county_admin):
    data = units_import.export_units(county_admin)
    rows = excel.read_rows("u.xlsx", data)
    assert [r[0] for r in rows[1:]] == ["TA", "TA01", "TA0101"]
    assert rows[1][4] == ""  # the parent above the scope is not revealed; empty keeps TA in place
    before = state()[0]
    record = units_import.import_units(by=county_admin, filename="u.xlsx", data=data)
    assert (record.created, record.updated) == (0, 0) and state()[0] == before


@pytest.mark.django_db
def test_export_writes_one_audit_entry(people):
    before = AuditEntry.objects.count()
    units_import.export_units(people["office"])
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.code == "jianfu.core.unit.exported" and entry.actor_name == "office"
    assert entry.extra["rows"] == Unit.objects.count()


@pytest.mark.django_db
def test_formula_injection_is_neutralised_on_export_and_round_trips(people, units):
    services.unit_update(
        by=people["sysadmin"], unit=units["TA01"], name="=1+1", short_name="@SUM(A1)"
    )
    data = units_import.export_units(people["sysadmin"])
    sheet = load_workbook(io.BytesIO(data)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "TA01")
    assert row[1].value == "'=1+1" and row[1].data_type == "s"
    assert row[2].value == "'@SUM(A1)"
    record = units_import.import_units(by=people["sysadmin"], filename="u.xlsx", data=data)
    assert record.updated == 0
    assert Unit.objects.get(code="TA01").name == "=1+1"


@pytest.mark.django_db
def test_template_has_header_examples_dropdown_and_explanations():
    book = load_workbook(io.BytesIO(units_import.units_template()))
    assert book.sheetnames == ["单位", "说明"]
    sheet = book["单位"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == HEADER and len(rows) == 3
    (validation,) = sheet.data_validations.dataValidation
    assert "D2" in str(validation.sqref)
    for label in units_import.kind_labels().values():
        assert label in validation.formula1
    notes = [[c.value for c in r] for r in book["说明"].iter_rows()]
    assert {r[0] for r in notes} >= set(HEADER)


# --- Speed: no per-row queries ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_large_file_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    rows = [HEADER]
    for t in range(20):
        rows.append([f"Q{t:02d}", f"镇{t}", "", "乡镇", "TA" if t % 2 else "TB"])
        rows.extend([f"Q{t:02d}{v:03d}", f"村{v}", "", "村", f"Q{t:02d}"] for v in range(100))
    with django_assert_max_num_queries(80):
        record = run(rows, filename="u.csv", data=csv_bytes(rows))
    assert record.created == 2020
    assert (
        Unit.objects.get(code="TA").numchild == 11 and Unit.objects.get(code="Q01").numchild == 100
    )
    tree_ok()


# --- Through the pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_page_saves_and_redirects(login):
    client = login("sysadmin")
    upload = SimpleUploadedFile("单位.xlsx", xlsx([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]]))
    response = client.post(reverse("unit_import"), {"file": upload})
    assert response.status_code == 302 and response.url == reverse("unit_list")
    assert parent_code("TA02") == "TA"
    assert ImportRecord.objects.filter(filename="单位.xlsx").count() == 1


@pytest.mark.django_db
def test_import_page_shows_the_errors(login):
    client = login("sysadmin")
    before = state()
    upload = SimpleUploadedFile(
        "单位.csv", csv_bytes([HEADER, ["TA02", "甲二镇", "", "乡镇", "TZ"]], "gbk")
    )
    response = client.post(reverse("unit_import"), {"file": upload})
    assert response.status_code == 200
    (error,) = response.context["errors"]
    assert (error.row, error.column) == (2, "上级单位代码")
    assert "找不到代码为“TZ”的上级单位" in response.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_import_page_is_forbidden_to_a_contact(login):
    client = login("contact_a")
    upload = SimpleUploadedFile("u.xlsx", xlsx([HEADER, ["TA02", "甲二镇", "", "乡镇", "TA"]]))
    assert client.post(reverse("unit_import"), {"file": upload}).status_code == 403
    assert not Unit.objects.filter(code="TA02").exists()


@pytest.mark.django_db
def test_export_and_template_downloads(login):
    client = login("sysadmin")
    response = client.get(reverse("unit_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = excel.read_rows("u.xlsx", response.content)
    assert len(rows) == Unit.objects.count() + 1
    response = client.get(reverse("unit_template"))
    assert response.status_code == 200
    assert excel.read_rows("t.xlsx", response.content)[0] == HEADER
