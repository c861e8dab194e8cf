"""Registry import and export (documents, meetings, inspections; quotas): every bad input of
issue 4 gets a Chinese error naming the row and the column, and nothing of the file is saved; good
files are read in every date format, land idempotently, derive `counted` by the counting rules and
refresh the rollup; exports neutralise formulas and re-import into the same records."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from jianfu.core import events, excel, imports
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry, ImportRecord, Unit
from jianfu.registry import counting, kinds, rollup
from jianfu.registry.models import (
    Document,
    Inspection,
    Meeting,
    MonthlyUsage,
    Quota,
)
from jianfu.registry.quotas import quota_import
from jianfu.registry.records import importers
from jianfu.registry.records.importers import records

DOC_HEADER = [
    "外部编号",
    "文号",
    "标题",
    "发文单位",
    "联合发文单位",
    "发文日期",
    "文件类型",
    "发至层级",
    "是否向基层布置工作",
    "页数",
    "字数",
]
MEETING_HEADER = [
    "外部编号",
    "会议名称",
    "主办单位",
    "会议日期",
    "开始时间",
    "结束时间",
    "会议层级",
    "会议形式",
    "合并到",
    "参会层级",
    "基层参会人数",
]
INSPECTION_HEADER = [
    "外部编号",
    "名称",
    "组织单位",
    "类别",
    "方式",
    "被检查单位",
    "开始日期",
    "结束日期",
    "是否列入年度计划",
    "要求报送表格材料数",
]


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


def state():
    """Everything an import could change."""
    through_doc = Document.co_issuers.through
    through_insp = Inspection.targets.through
    return (
        sorted(Document.objects.values_list("pk", "number", "title", "pages", "counted")),
        sorted(Meeting.objects.values_list("pk", "title", "merged_with_id", "counted")),
        sorted(Inspection.objects.values_list("pk", "title", "ends_on")),
        through_doc.objects.count(),
        through_insp.objects.count(),
        sorted(MonthlyUsage.objects.values_list("unit_id", "year", "month", "category", "total")),
        sorted(Quota.objects.values_list("unit_id", "year", "category", "limit")),
        ImportRecord.objects.count(),
        AuditEntry.objects.count(),
    )


def run(kind, rows, user, *, filename="登记.xlsx", data=None, unit=None):
    data = xlsx(rows) if data is None else data
    return imports.run(f"registry.{kind}", by=user, filename=filename, data=data, unit=unit)


def fails(kind, rows, user, *, filename="登记.xlsx", data=None, unit=None, media=None):
    """Import a bad file: return the error messages, after checking nothing was saved."""
    before = state()
    stored = sorted(Path(media).rglob("*")) if media else None
    with pytest.raises(excel.ImportFailed) as info:
        run(kind, rows, user, filename=filename, data=data, unit=unit)
    assert state() == before
    if media:
        assert sorted(Path(media).rglob("*")) == stored
    assert info.value.errors
    return [str(e) for e in info.value.errors]


def doc(ext="", number="", title="关于做好安全生产工作的通知", unit="甲县", co="", day="2025-03-05",
        kind="白头文件", levels="乡镇（街道）", assigns="是", pages=3, chars=2000):  # fmt: skip
    return [ext, number, title, unit, co, day, kind, levels, assigns, pages, chars]


def last_audit(code):
    return AuditEntry.objects.filter(code=code).order_by("-seq").first()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def office(people):
    return people["office"]


# --- Documents: good files ----------------------------------------------------------------------


@pytest.mark.django_db
def test_documents_import_derives_counting_and_writes_one_audit_entry(office, units, media):
    calls = []
    original = events.data_changed
    events.data_changed = lambda kind, **kw: calls.append((kind, kw))
    try:
        record = run(
            "document",
            [
                DOC_HEADER,
                doc("OA-1", "甲发〔2025〕1号", unit="甲县", co="乙县、TD01", kind="联合发文"),
                doc("OA-2", "", "关于报送材料的通知", unit="TA", kind="白头文件", assigns="是"),
                doc("OA-3", "", "关于学习的通知", unit="甲县", kind="白头文件", assigns="否"),
                doc("", "", "群消息", unit="甲一镇", kind="工作群通知", levels="村", assigns="√"),
            ],
            office,
            filename="发文.xlsx",
        )
    finally:
        events.data_changed = original
    assert (record.kind, record.rows, record.created, record.updated) == (
        "registry.document",
        4,
        4,
        0,
    )
    docs = {d.title: d for d in Document.objects.filter(import_record=record)}
    joint = docs["关于做好安全生产工作的通知"]
    assert joint.counted and joint.reaches_grassroots and joint.number == "甲发〔2025〕1号"
    assert sorted(u.code for u in joint.co_issuers.all()) == ["TB", "TD01"]
    assert docs["关于报送材料的通知"].counted  # white header assigning work counts
    assert not docs["关于学习的通知"].counted  # one that assigns none does not
    assert docs["群消息"].counted and docs["群消息"].unit.code == "TA01"
    assert (joint.addressed_levels, docs["群消息"].addressed_levels) == (["township"], ["village"])
    assert all(d.created_by == office for d in docs.values())
    # Every row derived exactly as a form would (the importer memoises the derivation).
    rules = counting.Rules.current()
    for d in docs.values():
        fresh = Document(**{f: getattr(d, f) for f in ("kind", "assigns_work", "addressed_levels")})
        kinds.DOCUMENT.derive(fresh, rules)
        assert (fresh.counted, fresh.reaches_grassroots) == (d.counted, d.reaches_grassroots)

    entry = last_audit("jianfu.registry.imported")
    assert entry.object_type == "core.importrecord" and entry.object_id == str(record.pk)
    assert entry.actor_id == office.pk
    assert entry.extra["created_ids"] == sorted(d.pk for d in docs.values())
    assert entry.extra["created"] == 4 and entry.extra["updated_ids"] == []
    assert entry.extra["sha256"] == record.sha256 and entry.extra["kind"] == "document"
    assert (Path(media) / entry.extra["file"]).read_bytes()[:2] == b"PK"
    assert record.stored_as == entry.extra["file"].replace("\\", "/")
    assert AuditEntry.objects.filter(code="jianfu.registry.imported").count() == 1
    assert calls == [
        (
            "registry",
            {"unit_ids": sorted([units["TA"].pk, units["TA01"].pk]), "import_id": record.pk},
        )
    ]


@pytest.mark.django_db
def test_every_date_format_and_full_width_digits_are_read(office):
    days = [
        45721,  # Excel serial
        45721.0,
        "45721",
        dt.date(2025, 3, 5),
        dt.datetime(2025, 3, 5, 0, 0),
        "2025-03-05",
        "2025/3/5",
        "2025.3.5",
        "2025年3月5日",
        "２０２５年３月５日",
        " 2025-3-5 ",
        "20250305",
    ]
    rows = [DOC_HEADER] + [
        doc(f"D{i}", title=f"通知{i}", day=day, pages="１２", chars=" 1,234 ")
        for i, day in enumerate(days)
    ]
    record = run("document", rows, office)
    assert record.created == len(days)
    got = set(
        Document.objects.filter(import_record=record).values_list(
            "issued_on", "pages", "characters"
        )
    )
    assert got == {(dt.date(2025, 3, 5), 12, 1234)}


@pytest.mark.django_db
def test_a_gbk_csv_is_read(office):
    rows = [DOC_HEADER, doc("G1", "甲发〔2025〕9号", title="关于做好防汛工作的通知")]
    record = run("document", None, office, filename="发文.csv", data=csv_bytes(rows, "gbk"))
    assert Document.objects.get(import_record=record).title == "关于做好防汛工作的通知"


@pytest.mark.django_db
def test_columns_in_any_order_optional_ones_absent_and_the_title_row_above(office):
    rows = [
        ["2025年发文登记表"],
        ["文件类型", "发文日期", "标题", "发文单位"],
        ["白头文件", "2025-04-01", "关于开展调研的通知", "乙县"],
    ]
    record = run("document", rows, office)
    d = Document.objects.get(import_record=record)
    assert (d.unit.code, d.pages, d.assigns_work, d.counted, d.addressed_levels) == (
        "TB",
        0,
        False,
        False,
        [],
    )


@pytest.mark.django_db
def test_idempotent_reimport_updates_instead_of_duplicating(office):
    rows = [
        DOC_HEADER,
        doc("OA-1", "甲发〔2025〕1号"),
        doc("", "甲发〔2025〕2号", title="第二份"),
        doc("", "", title="没有文号的通知", kind="白头文件"),
        doc("", "", title="没有文号的通知", kind="白头文件"),  # two alike stay two
    ]
    first = run("document", rows, office)
    assert first.created == 4
    second = run("document", rows, office)
    assert (second.created, second.updated) == (0, 0)
    assert Document.objects.count() == 4

    rows[1][9] = 7  # pages of OA-1
    rows[2][2] = "第二份（修订）"  # found again by its 文号
    third = run("document", rows, office)
    assert (third.created, third.updated) == (0, 2)
    assert Document.objects.get(external_id="OA-1").pages == 7
    assert Document.objects.filter(title="第二份（修订）").count() == 1
    assert Document.objects.count() == 4
    entry = last_audit("jianfu.registry.imported")
    assert entry.extra["created_ids"] == [] and len(entry.extra["updated_ids"]) == 2


@pytest.mark.django_db
def test_a_large_file_imported_again_changes_only_what_it_changes(office, units):
    # Over 500 matched records, most of what their units hold: read back by unit, not by id.
    rows = [DOC_HEADER] + [
        doc(f"OA-{i}", title=f"通知{i}", unit=("甲县", "乙县")[i % 2], pages=1) for i in range(600)
    ]
    run("document", rows, office)
    other = run("document", [DOC_HEADER, doc("OA-X", title="文件外", unit="甲县")], office)
    outside = Document.objects.get(import_record=other)
    assert run("document", rows, office).updated == 0

    rows[1][9] = 9  # pages of OA-0
    rows[2][8], rows[2][1] = "否", "乙发〔2025〕1号"  # OA-1 assigns no work: no longer counted
    rows[3][4] = "TD01"  # OA-2 gains a co-issuer
    assert Document.objects.get(external_id="OA-1").counted
    again = run("document", rows, office)
    assert (again.created, again.updated) == (0, 3)
    assert Document.objects.get(external_id="OA-0").pages == 9
    changed = Document.objects.get(external_id="OA-1")
    assert (changed.number, changed.assigns_work, changed.counted) == (
        "乙发〔2025〕1号",
        False,
        False,
    )
    assert [u.code for u in Document.objects.get(external_id="OA-2").co_issuers.all()] == ["TD01"]
    assert Document.objects.filter(external_id__startswith="OA-").count() == 601
    assert Document.objects.get(pk=outside.pk).title == "文件外"
    entry = last_audit("jianfu.registry.imported")
    assert sorted(entry.extra["updated_ids"]) == sorted(
        Document.objects.filter(external_id__in=["OA-0", "OA-1", "OA-2"]).values_list(
            "pk", flat=True
        )
    )
    assert entry.changes[f"{changed.pk}.counted"] == [True, False]


@pytest.mark.django_db
def test_a_number_first_registered_without_external_id_gets_it(office):
    run("document", [DOC_HEADER, doc("", "甲发〔2025〕5号", kind="红头文件")], office)
    record = run("document", [DOC_HEADER, doc("OA-5", "甲发〔2025〕5号")], office)
    assert (record.created, record.updated) == (0, 1)
    assert Document.objects.get(number="甲发〔2025〕5号").external_id == "OA-5"


@pytest.mark.django_db
def test_contact_imports_for_own_unit_without_the_unit_column(people, units):
    contact = people["contact_a"]
    rows = [["标题", "发文日期", "文件类型"], ["关于春耕的通知", "2025/3/9", "白头"]]
    record = run("document", rows, contact, unit=units["TA"])
    d = Document.objects.get(import_record=record)
    assert d.unit == units["TA"] and record.unit == units["TA"]


@pytest.mark.django_db
def test_the_templates_example_rows_are_marked_and_skipped(office):
    data = importers.template("document")
    rows = excel.read_rows("t.xlsx", data)
    assert all(excel.is_example(r) for r in rows[1:3]) and rows[1][0].startswith("【示例】")
    errors = fails("document", None, office, data=data)
    assert errors == [
        "文件中只有模板的示例行（第 2、3 行），没有要导入的数据：请在示例行下面填写。"
    ]
    book = load_workbook(io.BytesIO(data))
    book.active.append(doc())
    out = io.BytesIO()
    book.save(out)
    record = run("document", None, office, data=out.getvalue())
    assert record.created == 1 and record.examples == [2, 3]
    assert last_audit("jianfu.registry.imported").extra["examples_skipped"] == [2, 3]


# --- Documents: bad input -----------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_unit_name_suggests_the_closest(office, media):
    errors = fails("document", [DOC_HEADER, doc(unit="甲一真")], office, media=media)
    assert errors == ["第 2 行，“发文单位”列：找不到单位“甲一真”。您是不是要找：甲一镇、甲一村？"]


@pytest.mark.django_db
def test_an_ambiguous_unit_name_lists_the_candidates_with_their_parents(office, units):
    Unit.objects.add_child(units["TB01"], {"code": "TB0101", "name": "甲一村", "kind": "village"})
    errors = fails("document", [DOC_HEADER, doc(unit="甲一村", kind="白头文件")], office)
    assert len(errors) == 1
    assert errors[0].startswith("第 2 行，“发文单位”列：有 2 个单位都叫“甲一村”")
    assert "上级：甲一镇，代码 TA0101" in errors[0] and "上级：乙一镇，代码 TB0101" in errors[0]
    assert errors[0].endswith("请改填单位代码。")
    record = run("document", [DOC_HEADER, doc(unit="TB0101", kind="白头文件")], office)
    assert Document.objects.get(import_record=record).unit.code == "TB0101"


@pytest.mark.django_db
def test_a_contact_cannot_import_for_a_unit_outside_their_county(people, units, media):
    contact = people["contact_a"]
    # A unit that exists outside the contact's units is said to be so, and nothing more.
    for name in ("乙县", "TB", "乙一镇", "市教育局", "教育局"):
        errors = fails("document", [DOC_HEADER, doc(unit=name)], contact, media=media)
        assert errors == [f"第 2 行，“发文单位”列：“{name}”不在您管理的单位范围内。"], errors
    errors = fails("document", [DOC_HEADER, doc(unit="甲县", co="乙县")], contact)
    assert errors == ["第 2 行，“联合发文单位”列：“乙县”不在您管理的单位范围内。"]
    # One that exists nowhere is not found, with names in scope suggested.
    errors = fails("document", [DOC_HEADER, doc(unit="甲一真")], contact)
    assert errors[0].startswith("第 2 行，“发文单位”列：找不到单位“甲一真”。您是不是要找：")
    with pytest.raises(DomainError):
        run("document", [DOC_HEADER, doc()], contact, unit=units["TB"])
    with pytest.raises(PermissionDenied):
        run("document", [DOC_HEADER, doc()], people["leader"])


@pytest.mark.django_db
def test_duplicate_document_number_within_the_file_names_both_rows(office, media):
    rows = [DOC_HEADER, doc("A", "甲发〔2025〕1号"), doc("B", "甲发〔2025〕1号", title="另一份")]
    errors = fails("document", rows, office, media=media)
    assert errors == [
        "第 3 行，“文号”列：文号“甲发〔2025〕1号”重复：第 2 行和第 3 行是同一单位的同一文号。"
    ]


@pytest.mark.django_db
def test_duplicate_document_number_against_another_record_names_it(office):
    run("document", [DOC_HEADER, doc("A", "甲发〔2025〕1号")], office)
    existing = Document.objects.get()
    errors = fails("document", [DOC_HEADER, doc("B", "甲发〔2025〕1号", title="另一份")], office)
    assert errors == [
        "第 2 行，“文号”列：文号“甲发〔2025〕1号”已被本单位另一条已登记的记录"
        f"（系统编号 {existing.pk}，“关于做好安全生产工作的通知”）使用。"
    ]
    # The same number in another unit is another document.
    assert run("document", [DOC_HEADER, doc("B", "甲发〔2025〕1号", unit="乙县")], office).created


@pytest.mark.django_db
def test_negative_page_count_and_other_bad_cells_are_all_reported(office, media):
    rows = [
        DOC_HEADER,
        doc(pages=-3),
        doc("X", "甲发〔2025〕7号", day="2025-02-30", chars="很多", kind="蓝头文件"),
        doc("Y", "", kind="红头文件"),
        doc("Z", "甲发〔2025〕8号", title="", assigns="可能", levels="省级"),
    ]
    errors = fails("document", rows, office, media=media)
    assert "第 2 行，“页数”列：“-3”不能是负数。" in errors
    assert "第 3 行，“发文日期”列：日期“2025-02-30”不存在。" in errors
    assert (
        "第 3 行，“文件类型”列：无法识别“蓝头文件”。"
        "可填写：红头文件、白头文件、办公室（部门）通知、联合发文、工作群通知。"
    ) in errors
    assert "第 3 行，“字数”列：“很多”不是整数。" in errors
    assert "第 4 行，“文号”列：红头文件须填写文号。" in errors
    assert "第 5 行，“标题”列：必填，不能为空。" in errors
    assert "第 5 行，“是否向基层布置工作”列：无法识别“可能”，请填写“是”或“否”。" in errors
    assert any(e.startswith("第 5 行，“发至层级”列：无法识别“省级”。") for e in errors)
    assert errors == sorted(errors, key=lambda e: int(e.split(" ")[1]))  # in row order


@pytest.mark.django_db
def test_extra_and_missing_columns_are_named(office, media):
    errors = fails("document", [DOC_HEADER + ["备注"], doc() + ["x"]], office, media=media)
    assert len(errors) == 1
    assert errors[0].startswith("第 1 行，“备注”列：无法识别的列“备注”。可用的列：")
    errors = fails("document", [["标题", "页数"], ["关于x的通知", 3]], office)
    assert errors == [
        "第 1 行：缺少必填列：发文单位、发文日期、文件类型。表头应为：外部编号、文号、标题、"
        "发文单位、联合发文单位、发文日期、文件类型、发至层级、是否向基层布置工作、页数、字数"
        "（可从“下载模板”获取）。"
    ]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(office, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    data = xlsx([DOC_HEADER] + [doc(f"E{i}", title="很长的标题" * 20) for i in range(50)])
    assert len(data) > 1024
    errors = fails("document", None, office, data=data)
    assert errors == ["文件超过大小上限 0 MB，请拆分后分批导入。"]


@pytest.mark.django_db
def test_unreadable_files_are_refused_clearly(office):
    assert fails("document", None, office, data=b"\x00\x01garbage", filename="x.xlsx")[
        0
    ].startswith("文件已损坏或不是 Excel 文件")
    assert fails("document", [DOC_HEADER], office) == ["第 1 行：表头下面没有任何数据行。"]


@pytest.mark.django_db
def test_system_id_outside_the_scope_reads_as_missing(people, office):
    run("document", [DOC_HEADER, doc("B1", unit="乙县")], office)
    other = Document.objects.get()
    rows = [["系统编号", *DOC_HEADER], [other.pk, *doc(unit="甲县")]]
    errors = fails("document", rows, people["contact_a"])
    assert errors == [f"第 2 行，“系统编号”列：系统编号 {other.pk} 的记录不存在或不在您的范围内。"]


# --- Meetings -----------------------------------------------------------------------------------


def meeting(ext, title="全县安全生产会议", unit="甲县", day="2025-03-06", start="9:00",
            end="10:30", level="县级", form="现场会议", into="", levels="乡镇",
            attendees=20):  # fmt: skip
    return [ext, title, unit, day, start, end, level, form, into, levels, attendees]


@pytest.mark.django_db
def test_meetings_merged_into_another_count_once(office, units):
    rows = [
        MEETING_HEADER,
        meeting("M2", "防汛部署会", start="10:30", end="11:00", form="两会合一", into="M1"),
        meeting("M1", start="9时", end="10点30分"),
        meeting("M3", "视频调度会", start="下午3:00", end="0.6875", form="视频会议", levels="村"),
    ]
    record = run("meeting", rows, office)
    assert record.created == 3
    m = {x.external_id: x for x in Meeting.objects.filter(import_record=record)}
    assert m["M2"].merged_with == m["M1"] and not m["M2"].counted
    assert m["M1"].counted and m["M1"].merged_with is None
    assert (m["M1"].starts_at, m["M1"].ends_at) == (dt.time(9), dt.time(10, 30))
    assert (m["M3"].starts_at, m["M3"].ends_at) == (dt.time(15), dt.time(16, 30))
    assert m["M3"].counted and m["M3"].grassroots_required
    usage = MonthlyUsage.objects.get(unit=units["TA"], year=2025, month=3, category="meeting")
    assert (usage.total, usage.counted, usage.video, usage.video_grassroots) == (3, 2, 1, 1)
    assert usage.attendees == 60

    # A later file may merge into a meeting registered before.
    later = run(
        "meeting", [MEETING_HEADER, meeting("M4", "补充会", form="合并召开", into="M1")], office
    )
    m4 = Meeting.objects.get(import_record=later)
    assert m4.merged_with == m["M1"] and not m4.counted
    # Re-importing the first file changes nothing.
    again = run("meeting", rows, office)
    assert (again.created, again.updated) == (0, 0)


@pytest.mark.django_db
def test_meeting_end_before_start_and_bad_merges_are_refused(office, media):
    rows = [
        MEETING_HEADER,
        meeting("M1", start="10:00", end="9:30"),
        meeting("M2", form="现场会议", into="M1"),
        meeting("M3", form="两会合一", into="M9"),
        meeting("M4", form="两会合一", into="M5"),
        meeting("M5", form="两会合一", into="M4"),
        meeting("M6", form="两会合一", into="M6"),
        meeting("M7", start="25:00"),
    ]
    errors = fails("meeting", rows, office, media=media)
    assert "第 2 行，“结束时间”列：结束时间 09:30 不晚于开始时间 10:00。" in errors
    assert "第 3 行，“合并到”列：填写了“合并到”，会议形式应为“合并召开（两会合一）”。" in errors
    assert (
        "第 4 行，“合并到”列：找不到外部编号为“M9”的会议：它既不在本文件中，也没有登记过。"
    ) in errors
    assert "第 5 行，“合并到”列：“合并到”形成循环（涉及第 5、6 行）：会议不能互相合并。" in errors
    assert "第 7 行，“合并到”列：会议不能与自身合并。" in errors
    assert "第 8 行，“开始时间”列：时间“25:00”不存在。" in errors


# --- Inspections --------------------------------------------------------------------------------


def inspection(ext, title="春季安全检查", unit="市教育局", kind="检查", method="实地",
               targets="甲县、乙县", start="2025-04-08", end="2025-04-10", plan="是",
               forms=2):  # fmt: skip
    return [ext, title, unit, kind, method, targets, start, end, plan, forms]


@pytest.mark.django_db
def test_inspections_with_targets(office, units):
    rows = [
        INSPECTION_HEADER,
        inspection("I1"),
        inspection("I2", "电话抽查", kind="督查", method="电话", targets="TA01", end="", plan="否"),
    ]
    record = run("inspection", rows, office)
    i = {x.external_id: x for x in Inspection.objects.filter(import_record=record)}
    assert sorted(u.code for u in i["I1"].targets.all()) == ["TA", "TB"]
    assert i["I2"].ends_on == i["I2"].starts_on and not i["I2"].in_plan and i["I2"].counted
    usage = MonthlyUsage.objects.get(unit=units["TD01"], year=2025, month=4, category="inspection")
    assert (usage.total, usage.counted, usage.on_site, usage.remote, usage.out_of_plan) == (
        2,
        2,
        1,
        1,
        1,
    )
    assert usage.forms == 4
    # A re-import adds the targets it names and drops none it leaves out.
    rows[1][5] = "甲县"
    again = run("inspection", rows, office)
    assert (again.created, again.updated) == (0, 0)
    rows[1][5] = "甲一镇"
    again = run("inspection", rows, office)
    assert (again.created, again.updated) == (0, 1)
    codes = sorted(u.code for u in Inspection.objects.get(external_id="I1").targets.all())
    assert codes == ["TA", "TA01", "TB"]


@pytest.mark.django_db
def test_inspection_end_before_start_is_refused(office, media):
    errors = fails(
        "inspection", [INSPECTION_HEADER, inspection("I1", end="2025/4/1")], office, media=media
    )
    assert errors == ["第 2 行，“结束日期”列：结束日期 2025-04-01 早于开始日期 2025-04-08。"]


# --- Rollup -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rollup_is_right_after_an_import_and_a_reimport_that_moves_a_record(office, units):
    rows = [
        DOC_HEADER,
        doc("R1", "甲发〔2025〕1号", kind="红头文件", pages=4, chars=1000),
        doc("R2", "", title="工作群", kind="工作群通知", assigns="是", pages=1, chars=100),
        doc("R3", "", title="白头不布置", kind="白头文件", assigns="否", pages=9, chars=900),
        doc("R4", "甲发〔2025〕2号", day="2025-04-01", co="乙县", kind="联合发文"),
    ]
    run("document", rows, office)
    march = MonthlyUsage.objects.get(unit=units["TA"], year=2025, month=3, category="document")
    assert (march.total, march.counted, march.red_header, march.white_header) == (3, 2, 1, 2)
    assert (march.pages, march.characters, march.grassroots) == (5, 1100, 3)
    april = MonthlyUsage.objects.get(unit=units["TA"], year=2025, month=4, category="document")
    assert (april.total, april.counted) == (1, 1)
    # The joint document counts once, for its lead issuer only.
    assert not MonthlyUsage.objects.filter(unit=units["TB"], category="document").exists()

    rows[1][5] = "2024-12-30"  # R1 moves to last year
    run("document", rows, office)
    march = MonthlyUsage.objects.get(unit=units["TA"], year=2025, month=3, category="document")
    assert (march.total, march.counted) == (2, 1)
    dec = MonthlyUsage.objects.get(unit=units["TA"], year=2024, month=12, category="document")
    assert (dec.total, dec.counted, dec.pages) == (1, 1, 4)


def _rollup_rows():
    return sorted(
        tuple(v for k, v in row.items() if k != "id") for row in MonthlyUsage.objects.values()
    )


@pytest.mark.django_db
def test_new_records_added_to_the_rollup_match_a_rebuild_from_the_records(office, units):
    """New records are added to the rollup from the values written, not read back: every
    figure of every month must be what a rebuild from the records gives, months that already
    held records included, in all three categories."""
    run("document", [DOC_HEADER, doc("A1", "甲发〔2025〕1号", kind="红头文件", pages=4)], office)
    run("meeting", [MEETING_HEADER, meeting("M1")], office)
    run("inspection", [INSPECTION_HEADER, inspection("I1")], office)
    docs = [
        DOC_HEADER,
        doc("A2", "甲发〔2025〕2号", kind="红头文件", pages=2, chars=700),
        doc("A3", "", title="工作群", kind="工作群通知", assigns="否", pages=1, chars=100),
        doc("A4", "", unit="乙县", day="2025-04-02", kind="白头文件", pages=6, chars=300),
        doc("A5", "", day="2024-12-30", kind="白头文件", levels="村（社区）"),
    ]
    run("document", docs, office)
    meetings = [
        MEETING_HEADER,
        meeting("M2", "视频调度会", form="视频会议", attendees=7),
        meeting("M3", "乙县会议", unit="乙县", day="2025-05-06", attendees=3),
    ]
    run("meeting", meetings, office)
    inspections = [
        INSPECTION_HEADER,
        inspection("I2", "电话抽查", kind="督查", method="电话", targets="TA01", end="", plan="否"),
        inspection("I3", "秋季检查", start="2025-09-01", end="2025-09-02", forms=5),
    ]
    run("inspection", inspections, office)
    added = _rollup_rows()
    assert len(added) >= 6
    rollup.refresh_all()
    assert _rollup_rows() == added


# --- Export -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["document", "meeting", "inspection"])
def test_export_reimports_into_the_same_records(kind, office):
    rows = {
        "document": [
            DOC_HEADER,
            doc("E1", "甲发〔2025〕1号", co="乙县、市教育局", kind="联合发文"),
            doc("", "", title="无编号的白头", kind="白头文件", levels="乡镇、村", assigns="否"),
        ],
        "meeting": [
            MEETING_HEADER,
            meeting("M1"),
            meeting("", "并入的会", start="", end="", form="两会合一", into="M1"),
        ],
        "inspection": [INSPECTION_HEADER, inspection("I1"), inspection("", "无编号", targets="")],
    }[kind]
    run(kind, rows, office)
    model = importers.MODELS[kind]
    before = state()
    audits = AuditEntry.objects.count()
    data = importers.export_records(kind, model.objects.all(), by=office)
    entry = last_audit("jianfu.registry.exported")
    assert AuditEntry.objects.count() == audits + 1
    assert entry.extra["rows"] == 2 and entry.actor_id == office.pk
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][0] == "系统编号"

    record = run(kind, None, office, data=data, filename="导出.xlsx")
    assert (record.created, record.updated) == (0, 0)
    after = state()
    assert after[:7] == before[:7]  # the records themselves are unchanged

    # Edited in Excel and re-imported: the records it came from change.
    title_col = [c.value for c in sheet[1]].index(
        {"document": "标题", "meeting": "会议名称", "inspection": "名称"}[kind]
    )
    sheet.cell(row=3, column=title_col + 1, value="改过的标题")
    out = io.BytesIO()
    book.save(out)
    record = run(kind, None, office, data=out.getvalue())
    assert (record.created, record.updated) == (0, 1)
    assert model.objects.filter(title="改过的标题").count() == 1 and model.objects.count() == 2


@pytest.mark.django_db
def test_export_neutralises_formulas_and_reimports_them_unchanged(office):
    titles = ['=HYPERLINK("http://x","点此")', "+1+2", "-3", "@SUM(A1)"]
    rows = [DOC_HEADER] + [doc(f"F{i}", title=t, kind="白头文件") for i, t in enumerate(titles)]
    run("document", None, office, data=csv_bytes(rows), filename="x.csv")  # read literally
    data = importers.export_records("document", Document.objects.all(), by=office)
    cells = [r[3] for r in excel.read_rows("x.xlsx", data)[1:]]
    assert sorted(cells) == sorted("'" + t for t in titles)
    record = run("document", None, office, data=data)
    assert (record.created, record.updated) == (0, 0)
    assert sorted(Document.objects.values_list("title", flat=True)) == sorted(titles)


@pytest.mark.django_db
def test_export_names_a_shared_name_by_its_code(office, units):
    Unit.objects.add_child(units["TB01"], {"code": "TB0101", "name": "甲一村", "kind": "village"})
    run("document", [DOC_HEADER, doc(unit="TA0101", kind="白头文件")], office)
    rows = excel.read_rows("x.xlsx", importers.export_records("document", Document.objects.all()))
    assert rows[1][4] == "TA0101"


# --- Templates ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["document", "meeting", "inspection"])
def test_template_has_examples_drop_downs_and_the_counting_rules(kind):
    book = load_workbook(io.BytesIO(importers.template(kind)))
    sheet, notes = book.worksheets
    assert notes.title == "说明"
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in importers.COLUMNS[kind] if c.in_template]
    assert sheet.max_row == 3
    lists = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    expected = {
        "document": ["红头文件", "乡镇（街道）、村（社区）", "是,否"],
        "meeting": ["市级", "现场会议", "乡镇（街道）"],
        "inspection": ["督查", "实地", "是,否"],
    }[kind]
    for text in expected:
        assert any(text in f for f in lists), (text, lists)
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for rule in counting.FIXED_RULES:
        assert str(rule) in text
    assert "向基层布置工作的白头文件计入发文指标：是" in text
    for header in headers:
        assert header in text


# --- Quotas -------------------------------------------------------------------------------------

QUOTA_HEADER = ["单位", "年度", "类别", "指标"]


@pytest.mark.django_db
def test_quotas_import_sets_and_replaces(office, units):
    Quota.objects.create(unit=units["TB"], year=2026, category="document", limit=50)
    rows = [
        QUOTA_HEADER,
        ["甲县", "2026年", "发文", 120],
        ["TB", 2026, "发文", "４０"],
        ["市教育局", 2026, "督查检查考核", 6],
    ]
    record = imports.run("registry.quota", by=office, filename="指标.xlsx", data=xlsx(rows))
    assert (record.kind, record.created, record.updated) == ("registry.quota", 2, 1)
    got = set(Quota.objects.values_list("unit__code", "year", "category", "limit"))
    assert got == {
        ("TA", 2026, "document", 120),
        ("TB", 2026, "document", 40),
        ("TD01", 2026, "inspection", 6),
    }
    entry = last_audit("jianfu.registry.quota.imported")
    assert entry.object_id == str(record.pk)
    assert entry.changes[f"{units['TB'].pk}:2026:document"] == [50, 40]
    assert len(entry.extra["created_ids"]) == 2 and entry.extra["sha256"] == record.sha256
    again = imports.run("registry.quota", by=office, filename="指标.xlsx", data=xlsx(rows))
    assert (again.created, again.updated) == (0, 0)


@pytest.mark.django_db
def test_bad_quota_files_save_nothing(office, people):
    rows = [
        QUOTA_HEADER,
        ["甲县", 2026, "发文", -5],
        ["甲具", 2026, "会议", 10],
        ["乙县", "明年", "文件数", 10],
        ["甲县", 2026, "文件", 7],
    ]
    before = state()
    with pytest.raises(excel.ImportFailed) as info:
        imports.run("registry.quota", by=office, filename="q.xlsx", data=xlsx(rows))
    assert state() == before
    errors = [str(e) for e in info.value.errors]
    assert errors == [
        "第 2 行，“指标”列：“-5”不能是负数。",
        "第 3 行，“单位”列：找不到单位“甲具”。您是不是要找：甲县？",
        "第 4 行，“年度”列：“明年”不是有效的年度。",
        "第 4 行，“类别”列：无法识别“文件数”。可填写：发文、会议、督查检查考核。",
    ]
    rows = [QUOTA_HEADER, ["甲县", 2026, "发文", 5], ["TA", 2026, "发文", 7]]
    with pytest.raises(excel.ImportFailed) as info:
        imports.run("registry.quota", by=office, filename="q.xlsx", data=xlsx(rows))
    assert [str(e) for e in info.value.errors] == [
        "第 3 行，“单位”列：第 2 行和第 3 行是同一单位、同一年度、同一类别的指标。"
    ]
    with pytest.raises(PermissionDenied):
        imports.run("registry.quota", by=people["contact_a"], filename="q.xlsx", data=xlsx(rows))


@pytest.mark.django_db
def test_quota_template():
    book = load_workbook(io.BytesIO(quota_import.quota_template()))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == QUOTA_HEADER
    assert any("督查检查考核" in dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert book.worksheets[1].title == "说明"


@pytest.mark.django_db
def test_a_unit_index_suggests_nothing_far_off(office):
    index = imports.UnitIndex(office)
    with pytest.raises(Exception) as info:
        index.resolve("完全不同的名字")
    assert "请填写您管理范围内单位的全称或单位代码" in str(info.value)
    assert index.resolve(" 教育局 ") == Unit.objects.get(code="TD01").pk  # unique short name


# --- Updates, merges across units, races --------------------------------------------------------


@pytest.mark.django_db
def test_numbers_swapped_between_two_records_in_one_file(office):
    run("document", [DOC_HEADER, doc("A", "甲发〔2025〕1号"), doc("B", "甲发〔2025〕2号")], office)
    record = run(
        "document", [DOC_HEADER, doc("A", "甲发〔2025〕2号"), doc("B", "甲发〔2025〕1号")], office
    )
    assert record.updated == 2
    assert dict(Document.objects.values_list("external_id", "number")) == {
        "A": "甲发〔2025〕2号",
        "B": "甲发〔2025〕1号",
    }


@pytest.mark.django_db
def test_a_record_moved_to_another_unit_by_its_system_id(office, units):
    run("document", [DOC_HEADER, doc("A", "甲发〔2025〕1号", co="TD01")], office)
    d = Document.objects.get()
    rows = [["系统编号", *DOC_HEADER], [d.pk, *doc("A", "甲发〔2025〕1号", unit="乙县", co="")]]
    record = run("document", rows, office)
    assert (record.created, record.updated) == (0, 1)
    d.refresh_from_db()
    assert d.unit == units["TB"]
    assert [u.code for u in d.co_issuers.all()] == ["TD01"]  # an empty cell drops no co-issuer
    assert not MonthlyUsage.objects.filter(unit=units["TA"], category="document").exists()
    assert MonthlyUsage.objects.get(unit=units["TB"], category="document").total == 1


@pytest.mark.django_db
def test_a_meeting_merged_into_another_units_meeting_exports_its_system_id(office):
    run("meeting", [MEETING_HEADER, meeting("C1", "全市大会", unit="测试市", level="市级")], office)
    host = Meeting.objects.get()
    run(
        "meeting",
        [MEETING_HEADER, meeting("", "县里合并召开", form="两会合一", into=host.pk)],
        office,
    )
    merged = Meeting.objects.get(title="县里合并召开")
    assert merged.merged_with == host and not merged.counted
    data = importers.export_records("meeting", Meeting.objects.all(), by=office)
    rows = excel.read_rows("x.xlsx", data)
    into = {r[2]: r[rows[0].index("合并到")] for r in rows[1:]}
    assert into == {"全市大会": "", "县里合并召开": str(host.pk)}
    record = run("meeting", None, office, data=data)
    assert (record.created, record.updated) == (0, 0)


@pytest.mark.django_db
def test_a_write_that_races_with_another_saves_nothing(office, monkeypatch, units):
    original = records.plan

    def plan_then_someone_else_registers(kind, sheet, index):
        p = original(kind, sheet, index)
        Document.objects.create(
            unit=units["TA"],
            number="甲发〔2025〕1号",
            title="抢先登记",
            issued_on=dt.date(2025, 1, 2),
            kind="red_header",
        )
        return p

    monkeypatch.setattr(records, "plan", plan_then_someone_else_registers)
    errors = fails("document", [DOC_HEADER, doc("A", "甲发〔2025〕1号")], office)
    assert errors == ["导入时数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。"]
