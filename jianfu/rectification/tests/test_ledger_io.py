"""The ledger in Excel: the export in the usual 整改台账 layout (title, merged problem cells, real
dates, print setup), the template, and the all-or-nothing import of a ledger a unit kept in
Excel — every bad input named by row and column in Chinese with nothing saved."""

import contextlib
import csv
import datetime as dt
import io
from pathlib import Path

import chinese_calendar
import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.core import clock, excel
from jianfu.core.models import AuditEntry, ImportRecord
from jianfu.rectification.models import (
    Measure,
    MeasureKind,
    MeasureStatus,
    Problem,
    Source,
    Step,
)
from jianfu.rectification.problems import (
    ledger_columns,
    ledger_export,
    ledger_import,
    measures,
    services,
)

TODAY = dt.date(2026, 9, 28)  # the Monday before National Day 2026
HEADER = ["序号", "问题描述", "整改措施", "责任单位", "责任人", "完成时限", "整改进展", "完成情况"]


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def office(people):
    return people["office"]


@pytest.fixture
def contact_a(people):
    return people["contact_a"]


# --- Helpers --------------------------------------------------------------------------------------


def xlsx(rows, merges=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start`, straight from chinese-calendar."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def state():
    return (
        Problem.objects.count(),
        Measure.objects.count(),
        Step.objects.count(),
        ImportRecord.objects.count(),
        AuditEntry.objects.count(),
    )


def run(user, unit, data, *, filename="台账.xlsx", source=Source.SELF_EXAM):
    return ledger_import.import_ledger(
        by=user, unit=unit, source=source, filename=filename, data=data
    )


def fails(user, unit, data, media, *, filename="台账.xlsx") -> list[excel.SheetError]:
    """Import a bad file: the errors, after checking nothing was saved or kept."""
    before = state()
    kept = sorted(Path(media).rglob("*"))
    with pytest.raises(excel.ImportFailed) as info:
        run(user, unit, data, filename=filename)
    assert state() == before
    assert sorted(Path(media).rglob("*")) == kept
    assert info.value.errors
    return info.value.errors


def make_problem(by, unit, description, found_on=None, source=Source.OFFICE):
    return services.problem_create(
        by=by, unit_id=unit.pk, source=source, description=description, found_on=found_on
    )


def make_measure(by, problem, content, unit, deadline, **extra):
    data = {
        "content": content,
        "kind": MeasureKind.IMMEDIATE,
        "responsible_unit_id": unit.pk,
        "responsible_person": "王五",
        "deadline": deadline,
    } | extra
    return measures.measure_create(by=by, problem=problem, data=data)


def act(by, measure, action, note=""):
    measure.refresh_from_db()
    return measures.measure_act(
        by=by, measure_id=measure.pk, version=measure.version, action=action, note=note
    )


@pytest.fixture
def ledger(office, units):
    """甲县's ledger: a problem with two measures (one in progress with a report, one submitted),
    and a second problem with one draft measure."""
    ta = units["TA"]
    with clock.frozen(dt.date(2026, 9, 1)):
        first = make_problem(office, ta, '=HYPERLINK("http://x") 重复要求乡镇报送材料')
        m1 = make_measure(office, first, "清理报送材料清单", ta, dt.date(2026, 10, 16))
        m2 = make_measure(office, first, "合并同类报送", units["TA01"], dt.date(2026, 9, 30))
        second = make_problem(office, ta, "会议过多，一周开会 5 次")
        m3 = make_measure(office, second, "精简会议", ta, dt.date(2026, 11, 30))
    act(office, m1, "start")
    act(office, m1, "progress", "已梳理 12 项")
    act(office, m2, "start")
    act(office, m2, "submit", "已合并 5 项报送")
    return {"problems": [first, second], "measures": [m1, m2, m3]}


# --- Export ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_in_the_usual_layout(login, units, ledger):
    response = login("office").get(reverse("ledger_export", args=[units["TA"].pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "UTF-8''" in disposition and "2026-09-28.xlsx" in disposition
    assert "%E7%94%B2%E5%8E%BF" in disposition  # 甲县, URL-encoded
    ws = load_workbook(io.BytesIO(response.content)).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    last = ws.max_column
    assert ws["A1"].value == "甲县整改台账" and ws["A1"].font.b
    assert ws["A1"].alignment.horizontal == "center"
    # The title spans, and the page prints, the usual eight columns; the rest are for the screen.
    assert "A1:H1" in merged
    assert ws.print_area == "'整改台账'!$A$1:$H$6"
    assert "2026-09-28" in ws["A2"].value
    assert [ws.cell(3, i).value for i in range(1, 9)] == HEADER
    headers = [ws.cell(3, i).value for i in range(1, last + 1)]
    assert "类型（立行立改/长效机制）" in headers and "状态" in headers and "问题来源" in headers
    # One row per measure; the first problem's 序号 and 问题描述 merged down its two rows.
    assert {"A4:A5", "B4:B5"} <= merged
    assert ws["A4"].value == "1" and ws["A6"].value == "2"
    assert ws["B4"].value.startswith("'=HYPERLINK")  # formula neutralised
    assert ws["B6"].value == "会议过多，一周开会 5 次"
    rows = {ws.cell(r, 3).value: r for r in range(4, 7)}
    r1, r2, r3 = rows["清理报送材料清单"], rows["合并同类报送"], rows["精简会议"]
    assert ws.cell(r2, 4).value == "甲一镇" and ws.cell(r2, 5).value == "王五"
    assert ws.cell(r1, 6).value == dt.datetime(2026, 10, 16)
    assert ws.cell(r1, 6).number_format == "yyyy-mm-dd"
    assert ws.cell(r1, 7).value == "已梳理 12 项" and ws.cell(r1, 8).value == "整改中"
    assert ws.cell(r2, 8).value == "已合并 5 项报送\n待核验"
    assert ws.cell(r3, 8).value == "未开始整改"
    assert ws.cell(r1, headers.index("类型（立行立改/长效机制）") + 1).value == "立行立改"
    assert ws.freeze_panes == "C4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.cell(4, 2).alignment.wrap_text and ws.cell(4, 2).border.left.style == "thin"
    # Rows are as tall as their wrapped text (no reader fits them for a file it did not write).
    assert all(ws.row_dimensions[r].height >= 19 for r in range(4, 7))
    assert AuditEntry.objects.filter(code="jianfu.rectification.ledger.exported").count() == 1


@pytest.mark.django_db
def test_a_verified_measure_says_so_with_its_date(office, people, units, ledger):
    m2 = ledger["measures"][1]
    with clock.frozen(dt.date(2026, 10, 12)):
        m2.refresh_from_db()
        # Verified by another office account: the submitter never verifies.
        from jianfu.core.models import RoleGrant, User

        other = User.objects.create(username="office2", home_unit=units["T"])
        RoleGrant.objects.create(user=other, role="office")
        measures.measure_act(by=other, measure_id=m2.pk, version=m2.version, action="verify")
    m2.refresh_from_db()
    assert ledger_export.completion_text(m2) == "已合并 5 项报送\n已核验销号（2026-10-12）"


@pytest.mark.django_db
def test_export_outside_the_scope_is_404(login, units, ledger):
    ta, tb = (reverse("ledger_export", args=[units[c].pk]) for c in ("TA", "TB"))
    assert login("contact_b").get(ta).status_code == 404
    assert login("contact_a").get(tb).status_code == 404
    assert login("contact_a").get(ta).status_code == 200
    assert AuditEntry.objects.filter(code="jianfu.rectification.ledger.exported").count() == 1


@pytest.mark.django_db
def test_a_problem_without_measures_gets_one_row(office, units):
    make_problem(office, units["TB"], "检查考核过多")
    ws = load_workbook(io.BytesIO(ledger_export.export_ledger(units["TB"], by=office))).active
    assert ws["A4"].value == "1" and ws["B4"].value == "检查考核过多"
    assert ws["C4"].value is None and ws["F4"].value is None
    assert ws.max_row == 4


# --- Template -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_has_marked_examples_and_notes_and_skips_them(login, contact_a, units, media):
    response = login("contact_a").get(reverse("ledger_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet, notes = book.worksheets
    assert [sheet.cell(1, i).value for i in range(1, 9)] == HEADER
    assert sheet.max_row == 3 and sheet["B2"].value == sheet["B3"].value
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "立行立改、长效机制" in text and "合并单元格" in text and "个工作日" in text
    assert sheet["A2"].value == "【示例】1" and sheet["A2"].font.color.rgb.endswith("808080")
    # The examples alone import nothing, and say so; rows filled in below them import.
    (error,) = fails(contact_a, units["TA"], response.content, media, filename="模板.xlsx")
    assert error.message == (
        "文件中只有模板的示例行（第 2、3 行），没有要导入的数据：请在示例行下面填写。"
    )
    sheet.append(["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""])
    out = io.BytesIO()
    book.save(out)
    record = run(contact_a, units["TA"], out.getvalue(), filename="模板.xlsx")
    assert record.created == 1 and record.examples == [2, 3]
    problem = Problem.objects.get(evidence__import=record.pk)
    assert problem.description == "会议过多"


# --- Import: good files ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_with_a_title_row_and_working_days_across_national_day(contact_a, units, media):
    rows = [
        ["甲县整改台账", None, None, None, None, None, None, None],
        ["填报日期：2026年9月28日"],
        ["序 号", "存在问题", "整改措施", "责任单位", "责任领导", "完成时间", "进展情况",
         "完成情况", "类型（立行立改/长效机制）", "回头看日期", "备注"],
        ["1", "向乡镇重复要求报送材料", "清理报送清单", "甲县", "张三", "10个工作日",
         "已梳理 12 项", "", "立行立改", None, "分管副县长督办"],
        ["1", "向乡镇重复要求报送材料", "建立统筹审核机制", "甲一镇", "李四", "2026年12月31日",
         "", "", "长效机制", "2027/6/30", None],
        ["", "会议过多", "精简会议", "TA01", "王五", "2026/10/12", "", "已完成，会议减少一半",
         None, None, None],
        [None] * 8,
    ]  # fmt: skip
    data = xlsx(rows, merges=["A1:H1"])  # a merged title above the header is fine
    record = run(contact_a, units["TA"], data)
    assert record.created == 2 and record.rows == 3 and record.kind == "rectification.ledger"
    first, second = Problem.objects.filter(evidence__import=record.pk).order_by("pk")
    assert first.unit == units["TA"] and first.source == Source.SELF_EXAM
    assert first.found_on == TODAY
    m1, m2 = first.measures.order_by("pk")
    # 10 working days from Mon 28 Sep 2026, across National Day (1–7 Oct) and Sat 10 Oct.
    assert m1.deadline == add_workdays(TODAY, 10) == dt.date(2026, 10, 16)
    assert (m1.working_days, m1.deadline_from) == (10, TODAY)
    assert m1.status == MeasureStatus.IN_PROGRESS and m1.progress == "已梳理 12 项"
    assert m1.responsible_person == "张三" and m1.responsible_unit == units["TA"]
    assert m2.kind == MeasureKind.LONG_TERM and m2.review_on == dt.date(2027, 6, 30)
    assert m2.deadline == dt.date(2026, 12, 31) and m2.responsible_unit == units["TA01"]
    (m3,) = second.measures.all()
    # Done in the file: submitted for verification, never verified by the importing unit.
    assert m3.status == MeasureStatus.SUBMITTED and m3.completion == "已完成，会议减少一半"
    assert m3.submitted_by == contact_a
    steps = list(Step.objects.filter(measure=m1).values_list("kind", "note"))
    assert steps == [("created", "分管副县长督办"), ("progress", "已梳理 12 项")]
    entries = AuditEntry.objects.filter(code="jianfu.rectification.ledger.imported")
    assert entries.count() == 1
    extra = entries.get().extra
    assert extra["sha256"] == record.sha256 and (Path(media) / extra["file"]).exists()
    assert sorted(extra["problem_ids"]) == [first.pk, second.pk]
    assert sorted(extra["measure_ids"]) == sorted([m1.pk, m2.pk, m3.pk])
    # One entry for the batch, not one per problem or measure.
    assert not AuditEntry.objects.filter(code__startswith="jianfu.rectification.problem").exists()


@pytest.mark.django_db
def test_a_gbk_csv_with_found_dates_is_read(contact_a, units):
    out = io.StringIO(newline="")
    csv.writer(out).writerows(
        [
            [*HEADER, "发现日期"],
            ["1", "督查检查过多", "合并检查", "甲县", "张三", "2026-09-30", "", "", "2026-08-01"],
        ]
    )
    record = run(contact_a, units["TA"], out.getvalue().encode("gbk"), filename="台账.csv")
    problem = Problem.objects.get(evidence__import=record.pk)
    assert problem.found_on == dt.date(2026, 8, 1)


@pytest.mark.django_db
def test_export_then_import_into_a_fresh_unit(office, units, ledger):
    data = ledger_export.export_ledger(units["TA"], by=office, merged=False)
    ws = load_workbook(io.BytesIO(data)).active
    assert not ws.merged_cells.ranges - {r for r in ws.merged_cells.ranges if r.max_row < 3}
    record = run(office, units["TB"], data, filename="甲县整改台账.xlsx")
    assert record.created == 2

    def ledger_of(unit):
        out = []
        for p in Problem.objects.filter(unit=unit).order_by("found_on", "pk"):
            measures = sorted(
                (m.content, m.responsible_unit_id, m.responsible_person, m.deadline, m.kind,
                 m.progress, m.completion)
                for m in p.measures.all()
            )  # fmt: skip
            out.append((p.description, p.found_on, p.severity, measures))
        return out

    assert ledger_of(units["TB"]) == ledger_of(units["TA"])
    imported = Measure.objects.filter(problem__unit=units["TB"])
    statuses = dict(imported.values_list("content", "status"))
    assert statuses == {
        "清理报送材料清单": MeasureStatus.IN_PROGRESS,
        "合并同类报送": MeasureStatus.SUBMITTED,
        "精简会议": MeasureStatus.IN_PROGRESS,
    }


@pytest.mark.django_db
def test_the_usual_merged_export_is_refused_naming_the_merges(office, units, ledger, media):
    data = ledger_export.export_ledger(units["TA"], by=office)
    errors = fails(office, units["TB"], data, media)
    assert any("第 4–5 行“序号”列" in e.message for e in errors)
    assert any("第 4–5 行“问题描述”列" in e.message for e in errors)


# --- Import: bad files, nothing saved -------------------------------------------------------------


@pytest.mark.django_db
def test_merged_cells_are_refused_naming_rows_and_column(contact_a, units, media):
    rows = [
        ["甲县整改台账"],
        ["导出日期：2026-09-28"],
        HEADER,
        ["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""],
        ["2", "材料过多", "清理材料", "甲县", "张三", "2026-10-30", "", ""],
        [None, None, "合并报送", "甲县", "李四", "2026-11-30", "", ""],
        [None, None, "减少频次", "甲县", "李四", "2026-11-30", "", ""],
    ]
    data = xlsx(rows, merges=["A1:H1", "A2:H2", "A5:A7", "B5:B7"])
    errors = fails(contact_a, units["TA"], data, media)
    messages = [e.message for e in errors]
    assert "第 5–7 行“问题描述”列是合并单元格，请取消合并并在每一行填写完整后再导入。" in messages
    assert any("第 5–7 行“序号”列" in m for m in messages)
    assert {e.value for e in errors} == {"A5:A7", "B5:B7"}  # the title merges are not reported


@pytest.mark.django_db
def test_missing_columns_are_named(contact_a, units, media):
    rows = [
        ["序号", "问题描述", "整改措施", "责任人", "整改进展"],
        ["1", "会议过多", "精简", "张三", ""],
    ]
    (error,) = fails(contact_a, units["TA"], xlsx(rows), media)
    assert "责任单位" in error.message and "完成时限" in error.message
    assert error.row == 1


@pytest.mark.django_db
def test_bad_cells_are_all_reported_with_row_column_and_value(contact_a, units, media):
    rows = [
        HEADER + ["类型"],
        ["1", "会议过多", "精简会议", "甲县", "张三", "下月底", "", "", ""],
        ["2", "材料过多", "清理材料", "丙县", "张三", "2026-10-30", "", "", ""],
        ["3", "检查过多", "合并检查", "乙县", "张三", "2026-10-30", "", "", ""],
        ["4", "填表过多", "精简报表", "甲县", "张三", "2026-10-30", "", "", "马上改"],
        ["5", "留痕过多", "", "甲县", "", "", "", "", ""],
        ["6", "", "", "", "", "", "", "", ""],
    ]
    errors = fails(contact_a, units["TA"], xlsx(rows), media)
    found = {(e.row, e.column): e for e in errors}
    assert found[(2, "完成时限")].value == "下月底"
    assert "无法识别的完成时限" in found[(2, "完成时限")].message
    assert "找不到单位“丙县”" in found[(3, "责任单位")].message
    assert found[(4, "责任单位")].message == "“乙县”不在您管理的单位范围内。"
    assert "马上改" in found[(5, "类型")].message
    assert "整改措施为空" in found[(6, "整改措施")].message
    assert "问题描述不能为空" in found[(7, "问题描述")].message
    assert len(errors) == 6


@pytest.mark.django_db
def test_a_deadline_before_the_found_date_is_refused(contact_a, units, media):
    rows = [
        HEADER + ["发现日期"],
        ["1", "会议过多", "精简会议", "甲县", "张三", "2026-09-10", "", "", "2026-09-20"],
    ]
    (error,) = fails(contact_a, units["TA"], xlsx(rows), media)
    assert (error.row, error.column) == (2, "完成时限")
    assert "早于问题发现日期 2026-09-20" in error.message
    # Without a 发现日期 column the problem is found on the import date, and the message says so.
    rows = [HEADER, ["1", "会议过多", "精简会议", "甲县", "张三", "2026-09-10", "", ""]]
    (error,) = fails(contact_a, units["TA"], xlsx(rows), media)
    assert "早于问题发现日期 2026-09-28" in error.message and "发现日期" in error.message


@pytest.mark.django_db
def test_a_duplicate_of_an_open_problem_is_refused(contact_a, office, units, media):
    existing = make_problem(contact_a, units["TA"], "会议过多")
    rows = [
        HEADER,
        ["1", "材料过多", "清理材料", "甲县", "张三", "2026-10-30", "", ""],
        ["2", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""],
    ]
    (error,) = fails(contact_a, units["TA"], xlsx(rows), media)
    assert (error.row, error.column) == (3, "问题描述")
    assert f"编号 {existing.pk}" in error.message
    # The same description in another unit is not a duplicate.
    assert run(office, units["TB"], xlsx([HEADER, rows[2][:3] + ["乙县"] + rows[2][4:]]))


@pytest.mark.django_db
def test_the_same_file_imported_twice_at_once_is_saved_once(
    contact_a, office, units, media, monkeypatch
):
    """Two clicks at the same instant: both files are read and checked before either is written.
    The second to write must still find the first's problems (the check is repeated inside the
    write transaction, under the unit's lock) and save nothing."""
    rows = [
        HEADER,
        ["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""],
        ["2", "材料过多", "清理材料", "甲县", "张三", "2026-10-30", "", ""],
    ]
    data = xlsx(rows)
    kept_upload, calls = excel.kept_upload, []

    @contextlib.contextmanager
    def colleague_first(filename, content):
        # This import has read and checked its file; the colleague's import of the same file
        # now runs start to finish and commits before this one writes.
        calls.append(filename)
        if len(calls) == 1:
            calls.append(run(office, units["TA"], data))
        with kept_upload(filename, content) as upload:
            yield upload

    monkeypatch.setattr(excel, "kept_upload", colleague_first)
    before = state()
    with pytest.raises(excel.ImportFailed) as info:
        run(contact_a, units["TA"], data)
    first = calls[-1]
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "问题描述"), (3, "问题描述")]
    ids = sorted(Problem.objects.filter(unit=units["TA"]).values_list("pk", flat=True))
    assert f"编号 {ids[0]}" in info.value.errors[0].message
    assert "可能已经导入过" in info.value.errors[0].message
    # Only the colleague's import is saved: one record, two problems, two measures.
    assert ImportRecord.objects.get() == first
    assert Problem.objects.count() - before[0] == 2 and Measure.objects.count() - before[1] == 2


@pytest.mark.django_db
def test_a_problem_repeated_away_from_its_rows_is_refused(contact_a, units, media):
    rows = [
        HEADER,
        ["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""],
        ["2", "材料过多", "清理材料", "甲县", "张三", "2026-10-30", "", ""],
        ["3", "会议过多", "合并会议", "甲县", "张三", "2026-10-30", "", ""],
    ]
    (error,) = fails(contact_a, units["TA"], xlsx(rows), media)
    assert error.row == 4 and "第 2 行" in error.message


@pytest.mark.django_db
def test_read_completion():
    assert ledger_columns.read_completion("已完成清理") == ("已完成清理", True)
    assert ledger_columns.read_completion("尚未完成") == ("尚未完成", False)
    assert ledger_columns.read_completion("正在推进") == ("正在推进", False)
    assert ledger_columns.read_completion("合并 5 项\n待核验") == ("合并 5 项", True)
    assert ledger_columns.read_completion("合并 5 项\n已核验销号（2026-10-12）") == (
        "合并 5 项",
        True,
    )
    assert ledger_columns.read_completion("整改中") == ("", False)


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_shows_errors_and_keeps_the_source(login, units, media):
    client = login("contact_a")
    url = reverse("ledger_import", args=[units["TA"].pk])
    page = client.get(url)
    assert page.status_code == 200 and "不接受合并单元格" in page.content.decode()
    bad = xlsx([HEADER, ["1", "会议过多", "精简会议", "甲县", "张三", "下月底", "", ""]])
    upload = io.BytesIO(bad)
    upload.name = "台账.xlsx"
    response = client.post(url, {"source": Source.COMPLAINT, "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "下月底" in html and "完成时限" in html
    assert f'value="{Source.COMPLAINT}" selected' in html
    good = io.BytesIO(xlsx([HEADER, ["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30"]]))
    good.name = "台账.xlsx"
    response = client.post(url, {"source": Source.COMPLAINT, "file": good})
    assert response.status_code == 302
    assert Problem.objects.get(description="会议过多").source == Source.COMPLAINT


@pytest.mark.django_db
def test_import_page_outside_scope_is_404_and_a_reader_gets_403(login, units):
    url = reverse("ledger_import", args=[units["TA"].pk])
    assert login("contact_b").get(url).status_code == 404
    assert login("leader").get(url).status_code == 403


@pytest.mark.django_db
def test_the_import_page_shows_it_is_working_and_answers_its_script_with_a_redirect(
    login, units, media
):
    client = login("contact_a")
    url = reverse("ledger_import", args=[units["TA"].pk])
    page = client.get(url).content.decode()
    assert "data-import-upload" in page and "data-upload-bar" in page
    template = client.get(reverse("ledger_template")).content
    book = load_workbook(io.BytesIO(template))
    book.worksheets[0].append(["1", "会议过多", "精简会议", "甲县", "张三", "2026-10-30", "", ""])
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "台账.xlsx"
    response = client.post(
        url, {"source": Source.SELF_EXAM, "file": upload}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response["HX-Redirect"]
    landed = client.get(response["HX-Redirect"]).content.decode()
    assert "导入完成：登记问题 1 个、整改措施 1 条。已跳过模板中的示例行（第 2、3 行）。" in landed
