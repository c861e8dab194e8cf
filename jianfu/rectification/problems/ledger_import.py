"""Importing a rectification ledger a unit kept in Excel (.xlsx, .xls or CSV) into its problem
list: a spec on the import runner (core.imports), which reads the file, keeps it, writes the batch
record, the one audit entry and the event, all or nothing. The ledger's columns are in
ledger_columns.py; its export and blank template are in ledger_export.py.

The header may sit below a title (the first of the top rows naming 问题描述 and 整改措施); columns
are matched by name with the spellings units use (COLUMNS). Every problem of the file is reported
with its row, column and value; only a file without a single problem is written.
Merged cells are refused, not guessed at: a merge hides which rows a value was meant for. A row
whose 问题描述 equals the previous row's, with the same or an empty 序号, is another measure of the
same problem. The measure rules are the page's (measures._check_measure): deadlines as dates or
"N个工作日" from the import date, never before the problem was found; a long-term item's review
date. What the file says is done is submitted for verification, never verified.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from dataclasses import dataclass, field

from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, excel, imports, inputs, parsing, scope, sheet_columns
from jianfu.core.errors import DomainError
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.imports import UnitIndex, Written
from jianfu.core.models import ImportRecord, Unit
from jianfu.core.parsing import Choices, ParseError

from ..models import (
    Measure,
    MeasureKind,
    MeasureStatus,
    Problem,
    ProblemStatus,
    Severity,
    Source,
    StepKind,
)
from . import measures, services
from .forms import LedgerImportForm
from .ledger_columns import (
    BY_KEY,
    COLUMNS,
    COMPLETION,
    CONTENT,
    DEADLINE,
    DESCRIPTION,
    FOUND_ON,
    HEADER_KEYS,
    KIND,
    LEADER,
    MEASURE_CELLS,
    MECHANISM,
    NOTE,
    NUMBER,
    PERSON,
    PROGRESS,
    RESP_UNIT,
    REVIEW_ON,
    SEVERITY,
    cell_text,
    header_key,
    read_completion,
)

audit.describe({"jianfu.rectification.ledger.imported": gettext_lazy("导入整改台账")})

# --- Import: reading ------------------------------------------------------------------------------

# The columns of running text: they keep line breaks and tabs, the others are one line each.
MULTILINE = frozenset({DESCRIPTION, CONTENT, PROGRESS, COMPLETION, MECHANISM, NOTE})
TEXT_MAX = 4000  # the longest running text the problem and measure forms take


@dataclass
class RowError(SheetError):
    """A problem of one cell: SheetError with the value as written, for the page's table."""

    value: str = ""


@dataclass
class MeasureRow:
    line: int
    data: dict  # what measures._check_measure returned
    status: str  # in_progress or submitted
    progress: str = ""
    completion: str = ""
    note: str = ""


@dataclass
class ProblemRow:
    line: int
    number: str
    description: str
    unit_id: int
    found_on: dt.date
    severity: int = Severity.MEDIUM
    measures: list[MeasureRow] = field(default_factory=list)
    cells: dict = field(default_factory=dict)  # problem-level cells as first written


HEADER_SCAN = 10  # rows searched for the header (a title and a date line above it are common)


def _named(row: list) -> set[str]:
    """The columns a row names."""
    keys = (header_key(cell_text(c)) for c in row)
    return {HEADER_KEYS[k].key for k in keys if k in HEADER_KEYS}


def _find_header(rows: list[list]) -> int | None:
    """The first of the top rows naming both 问题描述 and 整改措施."""
    for i, row in enumerate(rows[:HEADER_SCAN]):
        if {DESCRIPTION, CONTENT} <= _named(row):
            return i
    return None


def read_header(rows: list[list]) -> tuple[int, dict[str, int], dict[str, str]]:
    """(header index, column key -> index, column key -> header as written); ImportFailed naming
    every missing, unknown or repeated column."""
    if not any(cell_text(c) for r in rows for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    h = _find_header(rows)
    # Rows above the header are blanked so the shared reader cannot take a title row for it.
    # Without both columns, the shared reader's guess (a row naming two known columns) is used,
    # so that the error names what is missing.
    scanned = rows if h is None else [[]] * h + rows[h:]
    guess = sheet_columns.find_header(scanned, HEADER_KEYS, text=cell_text, key=header_key)
    present = _named(scanned[guess]) if guess < len(scanned) else set()
    return sheet_columns.read_header(
        scanned,
        COLUMNS,
        missing=_(
            "缺少必填列：%(cols)s。表头（可在标题行下面）应包含：%(all)s（可从“下载导入模板”获取）。"
        ),
        optional=frozenset({PERSON}) if LEADER in present else frozenset(),
        text=cell_text,
        key=header_key,
    )


def merged_errors(data: bytes, header_line: int, headers: dict[int, str]) -> list[RowError]:
    """Merged ranges at or below the header row, each named by its rows and columns.

    Only for .xlsx: calamine (core.excel.read_rows) does not report merged ranges, so they are
    read with openpyxl. An .xls cannot be checked this way; there a merged cell reads as empty
    cells below its first, which the row checks then report (问题描述 empty). CSV has no merges.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # read_rows already read the file; nothing to add when openpyxl cannot
        return []
    errors = []
    ranges = sorted(book.worksheets[0].merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    for r in ranges:
        if r.max_row < header_line:
            continue  # a title above the header
        rows = (
            _("第 %(a)s 行") % {"a": r.min_row}
            if r.min_row == r.max_row
            else _("第 %(a)s–%(b)s 行") % {"a": r.min_row, "b": r.max_row}
        )
        first = headers.get(r.min_col - 1) or get_column_letter(r.min_col)
        last = headers.get(r.max_col - 1) or get_column_letter(r.max_col)
        cols = (
            _("“%(c)s”列") % {"c": first}
            if r.min_col == r.max_col
            else _("“%(a)s”至“%(b)s”列") % {"a": first, "b": last}
        )
        message = _("%(rows)s%(cols)s是合并单元格，请取消合并并在每一行填写完整后再导入。") % {
            "rows": rows,
            "cols": cols,
        }
        errors.append(RowError(r.min_row, first, message, value=r.coord))
    return errors


_WORKDAYS = re.compile(r"^(\d+)个?工作日(内|以内|之内)?$")
_LONG = ("长期", "长期坚持", "持续推进", "常态化", "长期坚持、持续推进")


def parse_deadline(value) -> tuple[dt.date | None, int | None]:
    """(a date, None) or (None, N) for "N个工作日"; (None, None) when empty."""
    if isinstance(value, str):
        text = parsing.half_width(parsing.normalise_text(value)).replace(" ", "")
        m = _WORKDAYS.match(text)
        if m:
            return None, int(m[1])
        if text in _LONG:
            raise ParseError(
                _(
                    "“%(v)s”不是完成时限。长效机制类措施也请填写阶段性完成日期，"
                    "并在“回头看日期”列填写回头看的日期。"
                )
                % {"v": text}
            )
    try:
        return parsing.parse_date(value), None
    except ParseError:
        raise ParseError(
            _(
                "无法识别的完成时限“%(v)s”，请写成 2026-10-12、2026/10/12、2026年10月12日，"
                "或“10个工作日”（从导入当天起算）。"
            )
            % {"v": cell_text(value)[:40]}
        ) from None


class _Reader:
    """Reads the data rows of a ledger sheet into problems and measures, collecting errors."""

    def __init__(self, units: UnitIndex, columns: dict[str, int], headers: dict[str, str]):
        self.columns, self.headers = columns, headers
        self.units = units
        self.today = clock.today()
        self.earliest = inputs.date_range(self.today)[0]
        self.kinds = Choices(
            MeasureKind,
            {"立行立改类": "immediate", "立即整改": "immediate", "长效": "long_term",
             "长期": "long_term", "长效机制类": "long_term", "久久为功": "long_term"},
        )  # fmt: skip
        self.severities = Choices([(str(v), label) for v, label in Severity.choices])
        self.errors: list[RowError] = []
        self.problems: list[ProblemRow] = []
        self.seen: dict[tuple[int, str], int] = {}  # (unit, description) -> line

    def col(self, key: str) -> str:
        return self.headers.get(key) or BY_KEY[key].header

    def err(self, line: int, key: str, value, message: str) -> None:
        self.errors.append(RowError(line, self.col(key), message, value=cell_text(value)[:80]))

    def read(self, sheet) -> None:
        """The runner's rows (blank rows and the template's examples already left out), each
        with its cells as written: the spec's parsers keep them as they are."""
        for r in sheet.rows:
            self.row(r.line, r.values, r.unit_id)

    def row(self, line: int, cells: dict, unit_id: int) -> None:
        clean = True
        for key, value in cells.items():
            if isinstance(value, str) and not value.isprintable():
                try:
                    parsing.parse_text(value, multiline=key in MULTILINE)
                except ParseError as e:
                    self.err(line, key, value, e.message)
                    clean = False
        for key in MULTILINE:
            # The problem and measure forms take no more (their max_length); a longer cell
            # would be a record no one can edit and save again.
            text = cell_text(cells.get(key))
            if len(text) > TEXT_MAX:
                self.err(
                    line, key, text[:80],
                    _("超过 %(n)s 个字（现有 %(m)s 个字）。") % {"n": TEXT_MAX, "m": len(text)},
                )  # fmt: skip
                clean = False
        if not clean:
            return
        number, description = cell_text(cells.get(NUMBER)), cell_text(cells.get(DESCRIPTION))
        if not description:
            self.err(
                line,
                DESCRIPTION,
                "",
                _(
                    "问题描述不能为空。每一行都要填写问题描述；同一问题的几条措施，各行填写相同的"
                    "序号和问题描述（不要合并单元格）。"
                ),
            )
            return
        current = self.problems[-1] if self.problems else None
        if (
            current is not None
            and description == current.description
            and (not number or number == current.number)
        ):
            self.same_problem(current, line, cells)
            if not cell_text(cells.get(CONTENT)) and not self.measure_cells(cells):
                self.err(
                    line,
                    CONTENT,
                    "",
                    _("与上一行是同一问题，但没有填写整改措施。请填写措施或删除该行。"),
                )
                return
        else:
            current = self.new_problem(line, number, description, cells, unit_id)
        self.measure(current, line, cells)

    def measure_cells(self, cells: dict) -> list[str]:
        return [k for k in MEASURE_CELLS if cell_text(cells.get(k))]

    def new_problem(self, line, number, description, cells, unit_id) -> ProblemRow:
        found_on = self.today
        try:
            found_on = parsing.parse_date(cells.get(FOUND_ON), earliest=self.earliest) or self.today
            if found_on > self.today:
                raise ParseError(
                    _("发现日期 %(d)s 晚于今天，请核对。") % {"d": found_on.isoformat()}
                )
        except ParseError as e:
            self.err(line, FOUND_ON, cells.get(FOUND_ON), e.message)
        severity = Severity.MEDIUM
        try:
            severity = int(self.severities(cells.get(SEVERITY)) or Severity.MEDIUM)
        except ParseError as e:
            self.err(line, SEVERITY, cells.get(SEVERITY), e.message)
        earlier = self.seen.get((unit_id, description))
        if earlier is not None:
            self.err(
                line,
                DESCRIPTION,
                description,
                _(
                    "与第 %(r)s 行的问题相同。同一问题的几条措施请写在相邻的行，"
                    "并填写相同的序号和问题描述。"
                )
                % {"r": earlier},
            )
        self.seen.setdefault((unit_id, description), line)
        problem = ProblemRow(line, number, description, unit_id, found_on, severity)
        problem.cells = {k: cell_text(cells.get(k)) for k in (FOUND_ON, SEVERITY)}
        self.problems.append(problem)
        return problem

    def same_problem(self, problem: ProblemRow, line: int, cells: dict) -> None:
        """A later row of the same problem: the problem's own cells, where filled, must agree."""
        for key in (FOUND_ON, SEVERITY):
            text = cell_text(cells.get(key))
            if text and problem.cells.get(key) and text != problem.cells[key]:
                self.err(
                    line,
                    key,
                    text,
                    _("与第 %(r)s 行同一问题所填的“%(v)s”不一致。")
                    % {"r": problem.line, "v": problem.cells[key]},
                )

    def measure(self, problem: ProblemRow, line: int, cells: dict) -> None:
        content = cell_text(cells.get(CONTENT))
        if not content:
            filled = self.measure_cells(cells)
            if filled:
                self.err(
                    line,
                    CONTENT,
                    "",
                    _("填写了“%(c)s”，但整改措施为空。")
                    % {"c": "”“".join(self.col(k) for k in filled)},
                )
            return  # a problem without measures yet
        errors = len(self.errors)
        unit_id = None
        try:
            unit_id = self.units.resolve(cells.get(RESP_UNIT))
            if unit_id is None:
                raise ParseError(_("责任单位不能为空。"))
        except ParseError as e:
            self.err(line, RESP_UNIT, cells.get(RESP_UNIT), e.message)
        person = cell_text(cells.get(PERSON)) or cell_text(cells.get(LEADER))
        person_col = PERSON if PERSON in self.columns else LEADER
        max_person = Measure._meta.get_field("responsible_person").max_length
        if not person:
            self.err(line, person_col, "", _("责任人不能为空。"))
        elif len(person) > max_person:
            self.err(
                line,
                person_col,
                person,
                _("责任人超过 %(n)s 个字，请只填写姓名（职务可写在备注）。") % {"n": max_person},
            )
        note = cell_text(cells.get(NOTE))
        leader = cell_text(cells.get(LEADER))
        if leader and cell_text(cells.get(PERSON)) and leader != person:
            note = "\n".join(x for x in (_("责任领导：%(p)s") % {"p": leader}, note) if x)
        deadline, working_days = None, None
        try:
            deadline, working_days = parse_deadline(cells.get(DEADLINE))
        except ParseError as e:
            self.err(line, DEADLINE, cells.get(DEADLINE), e.message)
        kind = MeasureKind.IMMEDIATE
        try:
            kind = self.kinds(cells.get(KIND)) or MeasureKind.IMMEDIATE
        except ParseError as e:
            self.err(line, KIND, cells.get(KIND), e.message)
        review_on = None
        try:
            review_on = parsing.parse_date(cells.get(REVIEW_ON))
        except ParseError as e:
            self.err(line, REVIEW_ON, cells.get(REVIEW_ON), e.message)
        completion, done = read_completion(cell_text(cells.get(COMPLETION)))
        mechanism = cell_text(cells.get(MECHANISM))
        if len(self.errors) > errors:
            return
        data = {
            "content": content,
            "kind": kind,
            "responsible_unit_id": unit_id,
            "responsible_person": person,
            "deadline": deadline,
            "working_days": working_days,
            "deadline_from": self.today if working_days else None,
            "mechanism": mechanism,
            "review_on": review_on,
            "verifier_id": None,
        }
        try:
            # The ledger's own rules (deadline not before the problem was found, working days,
            # a long-term item's review date), the same as on the page.
            data = measures._check_measure(data, Problem(found_on=problem.found_on))
        except DomainError as e:
            self.domain_error(line, cells, e)
            return
        if done and kind == MeasureKind.LONG_TERM and not mechanism:
            self.err(
                line,
                MECHANISM,
                "",
                _("已完成的长效机制类措施须写明建立的制度机制（名称、文号或主要内容）。"),
            )
            return
        status = MeasureStatus.SUBMITTED if done else MeasureStatus.IN_PROGRESS
        measure = MeasureRow(line, data, status, cell_text(cells.get(PROGRESS)), completion, note)
        problem.measures.append(measure)

    def domain_error(self, line: int, cells: dict, e: DomainError) -> None:
        key = {
            "content": CONTENT,
            "responsible_person": PERSON if PERSON in self.columns else LEADER,
            "kind": KIND,
            "deadline": DEADLINE,
            "working_days": DEADLINE,
            "review_on": REVIEW_ON,
        }.get(e.field or "", DEADLINE)
        message = str(e.message)
        if e.field == "review_on" and REVIEW_ON not in self.columns:
            message += _("（请在表中增加“回头看日期”列。）")
        if e.code == "deadline_before_found" and FOUND_ON not in self.columns:
            message += _(
                "（没有“发现日期”列时，问题发现日期按导入当天计；问题此前已发现的，"
                "请增加“发现日期”列填写。）"
            )
        self.err(line, key, cells.get(key), message)

    def refuse_errors(self) -> None:
        """ImportFailed naming, by row, every problem found, those of duplicates() included."""
        self.duplicates()
        if self.errors:
            raise ImportFailed(sorted(self.errors, key=lambda e: e.row or 0))

    def duplicates(self) -> None:
        """A problem the same unit already has open: the file was most likely imported before."""
        descriptions = {p.description for p in self.problems}
        units = {p.unit_id for p in self.problems}
        existing = {
            (u, d): (pk, found)
            for pk, u, d, found in Problem.objects.filter(
                unit_id__in=units, status=ProblemStatus.OPEN, description__in=descriptions
            ).values_list("pk", "unit_id", "description", "found_on")
        }
        for p in self.problems:
            hit = existing.get((p.unit_id, p.description))
            if hit:
                self.err(
                    p.line,
                    DESCRIPTION,
                    p.description,
                    _(
                        "与本单位尚未销号的问题（编号 %(id)s，%(d)s 发现）完全相同，"
                        "可能已经导入过。请核对后删除该问题的各行再导入。"
                    )
                    % {"id": hit[0], "d": hit[1].isoformat()},
                )


# --- Merged cells ---------------------------------------------------------------------------------


def refuse_merged(data: bytes, rows, header_index: int, columns, headers):
    """The runner's merged-cell hook: an .xlsx with merged cells at or below the header is
    refused, naming each merge (merged_errors)."""
    if data[:4] == b"PK\x03\x04":
        merged = merged_errors(data, header_index + 1, {i: headers[k] for k, i in columns.items()})
        if merged:
            raise ImportFailed(merged)
    return rows


def _as_written(value):
    """Every cell is read as written: what a cell means depends on its row (the problem it
    belongs to, its found date), so the rows are read in order by _Reader."""
    return value


# --- Check and write ------------------------------------------------------------------------------


@dataclass
class Plan:
    unit_id: int
    problems: list[ProblemRow]
    measure_ids: list[int] = field(default_factory=list)


def check(sheet, units: UnitIndex) -> Plan:
    """The rows as problems and measures, every problem of the file reported at once, the
    problems the unit already has open among them. Runs inside the write's transaction."""
    unit_id = sheet.rows[0].unit_id
    if connection.in_atomic_block:
        # Imports into one unit take turns on the unit's row (on SQLite the IMMEDIATE
        # transaction already makes writers take turns), so the same file sent twice at once
        # finds the first one's problems here instead of both passing.
        Unit.objects.select_for_update().get(pk=unit_id)
    reader = _Reader(units, sheet.columns, sheet.headers)
    reader.read(sheet)
    reader.refuse_errors()
    return Plan(unit_id, reader.problems)


def write(sheet, plan: Plan, changes, record: ImportRecord, by, now) -> Written:
    """The checked problems, each with its measures; imported measures are in progress, or
    submitted where the file says they are done: never verified, for a unit does not verify
    itself."""
    problems = plan.problems
    wanted = {plan.unit_id} | {p.unit_id for p in problems}
    wanted |= {m.data["responsible_unit_id"] for p in problems for m in p.measures}
    in_scope = set(
        Unit.objects.filter(scope.scope_of(by).units_q(), pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if wanted - in_scope:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field="unit")
    actor = by if getattr(by, "pk", None) else None
    note = _("从整改台账导入（%(f)s）") % {"f": record.filename[:100]}
    problem_ids = []
    for p in problems:
        problem = Problem.objects.create(
            unit_id=p.unit_id,
            source=sheet.options["source"],
            description=p.description,
            severity=p.severity,
            found_on=p.found_on,
            evidence={"import": record.pk, "row": p.line},
            created_by=actor,
            created_at=now,
            updated_by=actor,
            updated_at=now,
        )
        problem_ids.append(problem.pk)
        services._step(
            problem, actor, StepKind.CREATED, after=ProblemStatus.OPEN, note=note, at=now
        )
        for m in p.measures:
            plan.measure_ids.append(_imported_measure(problem, m, actor, now).pk)
    record.measures_created = len(plan.measure_ids)  # for the page's message
    # The ledger's events name no units: its rules read every unfinished item.
    return Written(problem_ids, [])


def _imported_measure(problem: Problem, m: MeasureRow, actor, now) -> Measure:
    submitted = m.status == MeasureStatus.SUBMITTED
    measure = Measure.objects.create(
        problem=problem,
        **{f: m.data.get(f) for f in measures.MEASURE_FIELDS},
        status=m.status,
        progress=m.progress,
        completion=m.completion,
        submitted_by=actor if submitted else None,
        submitted_at=now if submitted else None,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    step = {"measure": measure, "at": now}
    created, progress = MeasureStatus.IN_PROGRESS, MeasureStatus.IN_PROGRESS
    services._step(problem, actor, StepKind.CREATED, after=created, note=m.note, **step)
    if m.progress:
        services._step(
            problem, actor, StepKind.PROGRESS, before=progress, after=progress, note=m.progress,
            **step,
        )  # fmt: skip
    if submitted:
        services._step(
            problem, actor, StepKind.SUBMITTED, before=progress, after=MeasureStatus.SUBMITTED,
            note=m.completion, **step,
        )  # fmt: skip
    return measure


def _audit_extra(sheet, plan: Plan, written: Written) -> dict:
    return {
        "unit": plan.unit_id,
        "source": sheet.options["source"],
        "problem_ids": written.created_ids,
        "measure_ids": plan.measure_ids,
    }


# --- The spec and its page ------------------------------------------------------------------------


def _allowed(by, unit) -> None:
    scope.require(by, services.EDIT)
    services._in_scope_unit(by, unit.pk, "unit", services.CREATE)


def ledger_url(unit: Unit) -> str:
    try:
        return reverse("rect_ledger", args=[unit.pk])
    except NoReverseMatch:  # the ledger page is another module's; keep the import usable alone
        return reverse("ledger_import", args=[unit.pk])


def _page(request, unit_id: int) -> dict:
    unit = scope.get_for(Unit, request.user, unit_id, perm=services.CREATE, unit_field=None)
    scope.require(request.user, services.EDIT)
    flat_export_url = reverse("ledger_export", args=[unit.pk]) + "?merge=0"
    return {
        "title": _("导入%(u)s的整改台账") % {"u": unit.name},
        "head_title": _("导入整改台账") + " · " + unit.name,
        "back_url": ledger_url(unit),
        "back_title": _("%(u)s整改台账") % {"u": unit.name},
        "template_url": reverse("ledger_template"),
        "notes": [
            _(
                "必须有的列：问题描述、整改措施、责任单位、责任人、完成时限；可以有：序号、整改进展、"
                "完成情况、类型（立行立改/长效机制）、长效机制、回头看日期、发现日期、备注。"
                "表头上面可以有标题行，常见的列名叫法（如“完成时间”“整改时限”“责任领导”）也能识别。"
            ),
            _(
                "一行一条措施。同一问题有几条措施的，写在相邻的几行，每一行都填写相同的序号和问题描述。"
            ),
            format_html(
                "<strong>{}</strong>{}",
                _("不接受合并单元格"),
                _("：请取消合并，并在每一行把内容填写完整。"),
            ),
            _(
                "完成时限写日期（2026-10-12、2026/10/12、2026年10月12日），或写“10个工作日”，"
                "从导入当天起按工作日推算（扣除法定节假日，计入调休上班日）。完成时限不得早于问题"
                "发现日期；没有“发现日期”列时按导入当天计。"
            ),
            _("问题登记到%(u)s；责任单位写单位名称或代码，须在您的管理范围内。") % {"u": unit.name},
            _(
                "填写了整改进展的记为“整改中”；完成情况写明已完成的记为“待核验”，"
                "由市委办或其指定的核验人核验销号。"
            ),
            _("与本单位尚未销号的问题描述完全相同的行会被拒绝，以免重复导入。"),
        ],
        "footnote": format_html(
            '{} <a href="{}">{}</a>。',
            _(
                "从本系统导出的台账默认合并了同一问题的“序号”“问题描述”等单元格，便于打印。"
                "要修改后重新导入，请使用"
            ),
            flat_export_url,
            _("不合并单元格的导出"),
        ),
        "error_values": True,
        "unit": unit,
    }


def _done(record: ImportRecord) -> str:
    return _("导入完成：登记问题 %(p)s 个、整改措施 %(m)s 条。") % {
        "p": record.created,
        "m": record.measures_created,
    } + excel.skipped_examples(getattr(record, "examples", []))


SPEC = imports.Spec(
    kind="rectification.ledger",
    columns=COLUMNS,
    parsers=lambda units: dict.fromkeys(BY_KEY, _as_written),
    check=check,
    write=write,
    permission=services.CREATE,
    allowed=_allowed,
    audit_action="jianfu.rectification.ledger.imported",
    event="rectification",
    distinct=frozenset(BY_KEY),  # kept as written, cell by cell (equal numbers stay apart)
    required_cells=False,  # a problem may have no measures yet: its measure cells stay empty
    header=lambda rows, columns, **_: read_header(rows),
    merged=refuse_merged,
    audit_extra=_audit_extra,
    form=LedgerImportForm,
    inline=True,
    page=_page,
    done=_done,
)


def import_ledger(*, by, unit: Unit, source: str, filename: str, data: bytes) -> ImportRecord:
    """Import a ledger kept in Excel (.xlsx, .xls or CSV) into `unit`'s problem list; all or
    nothing. Raises ImportFailed listing every problem (row, column, value), PermissionDenied
    without the codes, or DomainError for a unit outside the scope or an unknown source."""
    scope.require(by, services.CREATE)
    _allowed(by, unit)
    if source not in Source.values or source == Source.SIGNAL:
        raise DomainError("source", _("问题来源无效。"), field="source")
    return imports.run(
        SPEC, by=by, filename=filename, data=data, unit=unit, options={"source": source}
    )
