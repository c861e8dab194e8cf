"""The rectification ledger (整改台账) in Excel: the export in the usual layout and the blank import
template. The ledger's columns are in ledger_columns.py, the import of a ledger a unit kept in
Excel in ledger_import.py (a spec on the import runner).

Export: a title row, the export date, the header 序号 问题描述 整改措施 责任单位 责任人 完成时限
整改进展 完成情况 and, to the right, what the platform knows besides (类型, 长效机制, dates,
问题单位, 来源, 状态); one row per measure, 序号 numbering the problems. In the usual layout the
problem's cells are merged down its measures (for printing and filing); `merged=False` writes every
row complete, which is what the import reads back (it refuses merged cells).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, excel, scope
from jianfu.core.imports.units import unit_labels
from jianfu.core.models import Unit

from ..models import Measure, MeasureKind, MeasureStatus, Problem, Severity, Source
from . import services
from .ledger_columns import (
    COLUMNS,
    COMPLETION,
    CONTENT,
    DEADLINE,
    DESCRIPTION,
    FOUND_ON,
    KIND,
    MECHANISM,
    NOTE,
    NUMBER,
    PERSON,
    PROBLEM_UNIT,
    PROGRESS,
    RESP_UNIT,
    REVIEW_ON,
    SEVERITY,
    SOURCE,
    STATUS,
)
from .ledger_columns import status_words as _status_words

if TYPE_CHECKING:
    from openpyxl.styles.cell_style import StyleArray

audit.describe({"jianfu.rectification.ledger.exported": gettext_lazy("导出整改台账")})

# --- Columns (the import's: ledger_columns.COLUMNS) ----------------------------------------------

EXPORT = [c for c in COLUMNS if c.in_export]
# 序号, 问题描述, 整改措施, 责任单位, 责任人, 完成时限, 整改进展, 完成情况: the layout units keep.
USUAL_COLUMNS = 8
TEMPLATE = [c for c in COLUMNS if c.in_template]
WIDTHS = {NUMBER: 6, DESCRIPTION: 36, CONTENT: 40, RESP_UNIT: 16, PERSON: 10, DEADLINE: 12}
WIDTHS |= {PROGRESS: 30, COMPLETION: 30, KIND: 12, MECHANISM: 24, REVIEW_ON: 12, FOUND_ON: 12}
WIDTHS |= {SEVERITY: 9, PROBLEM_UNIT: 16, NOTE: 20, SOURCE: 16, STATUS: 11}


# --- Status words in 完成情况 ---------------------------------------------------------------------


def completion_text(m: Measure, status_words: dict[str, str] | None = None) -> str:
    """完成情况: what the unit wrote, then the status in words ("已核验销号（2026-10-12）").
    `status_words`: _status_words(), from a caller writing many (translating them is not free)."""
    words = (status_words or _status_words())[m.status]
    if m.status == MeasureStatus.VERIFIED and m.verified_at:
        words = _("%(s)s（%(d)s）") % {"s": words, "d": timezone.localdate(m.verified_at)}
    return f"{m.completion}\n{words}" if m.completion else words


# --- Export ---------------------------------------------------------------------------------------


def ledger_problems(unit: Unit, by):
    """The problems of `unit`'s subtree that `by` may see, with their measures, in ledger order."""
    measures = Measure.objects.select_related("responsible_unit").order_by("deadline", "pk")
    return (
        scope.visible(Problem.objects.select_related("unit"), by, perm=services.VIEW)
        .filter(unit__path__startswith=unit.path)
        .prefetch_related(Prefetch("measures", queryset=measures))
        .order_by("found_on", "pk")
    )


def export_rows(problems) -> tuple[list[list], list[tuple[int, int]]]:
    """(rows in EXPORT's columns, one per measure; the (first, last) row index of each problem)."""
    problems = list(problems)
    unit_ids = {p.unit_id for p in problems}
    unit_ids |= {m.responsible_unit_id for p in problems for m in p.measures.all()}
    labels = unit_labels(unit_ids)
    sources, severities = dict(Source.choices), dict(Severity.choices)
    kinds = dict(MeasureKind.choices)
    statuses, words = {k: str(v) for k, v in MeasureStatus.choices}, _status_words()
    rows, spans = [], []
    for number, p in enumerate(problems, start=1):
        first = len(rows)
        shared = {
            NUMBER: str(number),
            DESCRIPTION: p.description,
            FOUND_ON: p.found_on,
            SEVERITY: str(severities.get(p.severity, "")),
            PROBLEM_UNIT: labels.get(p.unit_id, ""),
            SOURCE: str(sources.get(p.source, p.source)),
        }
        measures = list(p.measures.all())
        if not measures:
            bare = shared | {STATUS: _("尚未制定措施")}
            rows.append([bare.get(c.key, "") for c in EXPORT])
        for m in measures:
            own = {
                CONTENT: m.content,
                RESP_UNIT: labels.get(m.responsible_unit_id, ""),
                PERSON: m.responsible_person,
                DEADLINE: m.deadline,
                PROGRESS: m.progress,
                COMPLETION: completion_text(m, words),
                KIND: str(kinds.get(m.kind, m.kind)),
                MECHANISM: m.mechanism,
                REVIEW_ON: m.review_on,
                STATUS: statuses.get(m.status, m.status),
            }
            rows.append([(shared | own).get(c.key, "") for c in EXPORT])
        spans.append((first, len(rows) - 1))
    return rows, spans


def export_ledger(unit: Unit, *, by, merged: bool = True) -> bytes:
    """The unit's ledger as .xlsx (the caller checked `unit` is in `by`'s scope). Audited once."""
    problems = list(ledger_problems(unit, by))
    rows, spans = export_rows(problems)
    data = _ledger_workbook(unit, rows, spans, merged=merged)
    with transaction.atomic():
        audit.record(
            "jianfu.rectification.ledger.exported",
            actor=by,
            obj=unit,
            extra={
                "problems": len(problems),
                "rows": len(rows),
                "merged": merged,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return data


def export_filename(unit: Unit) -> str:
    return _("%(u)s整改台账-%(d)s.xlsx") % {
        "u": unit.short_name or unit.name,
        "d": clock.today().isoformat(),
    }


def _ledger_workbook(unit: Unit, rows, spans, *, merged: bool) -> bytes:
    # Not core.excel.write_workbook: its write-only sheets cannot merge cells or set print setup.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = _("整改台账")
    # The usual 整改台账 is eight columns wide: the title spans them and the page prints them; the
    # columns after them are there to sort and filter by on screen.
    last = get_column_letter(USUAL_COLUMNS)
    ws["A1"] = excel.neutralise(_("%(u)s整改台账") % {"u": unit.name})
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 32
    ws["A2"] = _("导出日期：%(d)s") % {"d": clock.today().isoformat()}
    ws["A2"].alignment = Alignment(horizontal="right")
    ws.merge_cells(f"A2:{last}2")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="F2E6E6")
    for i, c in enumerate(EXPORT, start=1):
        cell = ws.cell(row=3, column=i, value=c.header)
        cell.font, cell.fill, cell.border = Font(bold=True), head_fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c.key, 12)
    _write_rows(ws, rows, border)
    _row_heights(ws, rows, spans if merged else [(i, i) for i in range(len(rows))])
    if merged:
        _merge_problems(ws, spans, border)
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.print_area = f"A1:{last}{max(3, len(rows) + 3)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = _("第 &P 页，共 &N 页")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_PROBLEM_CELLS = (NUMBER, DESCRIPTION, FOUND_ON, SEVERITY, PROBLEM_UNIT, SOURCE)


# The data rows are made as ws.cell and ws.merge_cells would make them, directly: those took
# seconds for a county. Assigning a Border or Alignment hashes it into the workbook's style lists,
# so one prototype cell is styled per kind and the others get a copy of its style array;
# merge_cells checks each range against every earlier one (quadratic) and merges borders cell by
# cell, while problems' ranges never overlap and their borders are known.


def _style(proto, **attrs) -> StyleArray:
    for name, value in attrs.items():
        setattr(proto, name, value)
    return proto._style


def _write_rows(ws, rows, border) -> None:
    """The ledger's rows, from row 4."""
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment

    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = _style(Cell(ws), border=border, alignment=Alignment(vertical="center", wrap_text=True))
    centre = _style(Cell(ws), border=border, alignment=centred)
    date = _style(Cell(ws), border=border, alignment=centred, number_format="yyyy-mm-dd")
    columns = list(enumerate(EXPORT, start=1))
    dates = {i for i, c in columns if c.key in (DEADLINE, REVIEW_ON, FOUND_ON)}
    narrow = dates | {i for i, c in columns if c.key in (NUMBER, KIND)}
    kinds = {i: centre if i in narrow else wrap for i, _c in columns}
    cells = ws._cells  # {(row, column): cell}, what ws.cell fills
    for r, values in enumerate(rows, start=4):
        for i, value in enumerate(values, start=1):
            kind = date if i in dates and value else kinds[i]
            cells[r, i] = Cell(ws, r, i, excel.neutralise(value), style_array=kind)


def _lines(value, width: float) -> int:
    """How many lines a wrapped cell takes: a Chinese character is about two units of a column's
    width, a Latin one about one."""
    if value is None or value == "":
        return 1
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    usable = max(width - 1.5, 1)
    lines = 0
    for part in text.split("\n"):
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
        lines += max(1, -(-units // usable))
    return int(lines)


def _row_heights(ws, rows, spans) -> None:
    """Rows tall enough for their wrapped text. Neither Excel nor WPS nor LibreOffice reliably
    fits a row to wrapped text in a file it did not write itself, so the heights are set here. A
    problem's merged cells (number, description) share its measures' rows: the last row takes
    whatever the description needs beyond them."""
    widths = [WIDTHS.get(c.key, 12) for c in EXPORT]
    shared = {i for i, c in enumerate(EXPORT) if c.key in _PROBLEM_CELLS}
    line = 15  # points, one line at the default 11-point font
    for first, end in spans:
        own, need = [], 1
        for r in range(first, end + 1):
            values = rows[r]
            own.append(
                max(_lines(values[i], widths[i]) for i in range(len(values)) if i not in shared)
            )
            need = max(
                need,
                *(_lines(values[i], widths[i]) for i in shared),
            )
        own[-1] += max(0, need - sum(own))
        for offset, lines in enumerate(own):
            ws.row_dimensions[first + offset + 4].height = lines * line + 4


def _merge_problems(ws, spans, border) -> None:
    """Each problem's cells merged down its measures (`spans`: first and last row index)."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.styles import Border
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.merge import MergedCellRange

    # What merge_cells leaves below a range's top cell: the sides of the outline, no alignment.
    inner = _style(MergedCell(ws), border=Border(left=border.left, right=border.right))
    foot = Border(left=border.left, right=border.right, bottom=border.bottom)
    foot = _style(MergedCell(ws), border=foot)
    shared = [(i, get_column_letter(i)) for i, c in enumerate(EXPORT, 1) if c.key in _PROBLEM_CELLS]
    cells = ws._cells
    for first, end in spans:
        top, bottom = first + 4, end + 4
        for i, letter in shared if end > first else ():
            for r in range(top + 1, bottom + 1):
                del cells[r, i]
            # Made while its lower cells are missing, the range leaves the top cell's border as
            # it is (it would add the bottom cell's bottom and right sides, hashing: it has them).
            ws.merged_cells.ranges.add(MergedCellRange(ws, f"{letter}{top}:{letter}{bottom}"))
            for r in range(top + 1, bottom + 1):
                cells[r, i] = MergedCell(ws, r, i)
                cells[r, i]._style = StyleArray(foot if r == bottom else inner)


# --- Template -------------------------------------------------------------------------------------


def template(unit_name: str = "") -> bytes:
    """The import template: the ledger's columns, two example rows (one problem, two measures:
    each row complete) naming `unit_name` (the downloader's unit), marked as examples (importers
    skip them), a drop-down for 类型, and a sheet "填写说明"."""
    from openpyxl.utils import get_column_letter

    today = clock.today()
    kinds = dict(MeasureKind.choices)
    example = {
        NUMBER: "1",
        DESCRIPTION: _("向乡镇重复要求报送同类材料，一季度要求报送安全生产台账 3 次"),
        FOUND_ON: today,
    }
    examples = [
        example
        | {
            CONTENT: _("清理本单位要求乡镇报送的材料清单，同类材料合并为一次报送"),
            RESP_UNIT: unit_name or _("县委办公室"),
            PERSON: _("张三"),
            DEADLINE: today + dt.timedelta(days=30),
            PROGRESS: _("已梳理材料清单 12 项，拟合并 5 项"),
            KIND: str(kinds[MeasureKind.IMMEDIATE]),
        },
        example
        | {
            CONTENT: _("建立报送材料统筹审核机制，新增报送要求须经县委办审核"),
            RESP_UNIT: unit_name or _("县委办公室"),
            PERSON: _("李四"),
            DEADLINE: _("20个工作日"),
            KIND: str(kinds[MeasureKind.LONG_TERM]),
            MECHANISM: _("《报送材料统筹审核办法》"),
            REVIEW_ON: today + dt.timedelta(days=180),
        },
    ]
    rows = [[e.get(c.key, "") for c in TEMPLATE] for e in examples]
    letter = {c.key: get_column_letter(i) for i, c in enumerate(TEMPLATE, start=1)}
    widths = {(0, letter[c.key]): WIDTHS.get(c.key, 12) + 2 for c in TEMPLATE}
    widths |= {(1, "A"): 24, (1, "B"): 10, (1, "C"): 100}
    return excel.write_workbook(
        [
            (_("整改台账"), [c.header for c in TEMPLATE], excel.mark_examples(rows)),
            (_("填写说明"), [_("列名"), _("是否必填"), _("填写说明")], _template_notes()),
        ],
        dropdowns={(0, letter[KIND]): [str(kinds[v]) for v in MeasureKind.values]},
        widths=widths,
        examples={0: len(rows)},
    )


def _template_notes() -> list[list[str]]:
    kinds = "、".join(str(label) for _v, label in MeasureKind.choices)
    notes = {
        NUMBER: _(
            "选填。问题的序号；同一问题的几条措施写在相邻的几行，序号和问题描述都填写相同的内容。"
        ),
        DESCRIPTION: _(
            "必填。每一行都要填写，不要合并单元格。与本单位尚未销号的问题完全相同的，"
            "视为重复导入，不予导入。"
        ),
        CONTENT: _("必填。一行一条措施。问题暂未制定措施的，措施各列可留空。"),
        RESP_UNIT: _(
            "必填。填写单位全称、简称或单位代码，须在您的管理范围内；同名单位请填写代码。"
        ),
        PERSON: _("必填。也可写作“责任领导”列。"),
        DEADLINE: _(
            "必填。日期，可写作 2026-10-12、2026/10/12 或 2026年10月12日；或写“N个工作日”，"
            "从导入当天起按工作日（扣除法定节假日、计入调休上班日）推算。不得早于问题发现日期。"
        ),
        PROGRESS: _("选填。填写后该措施记为“整改中”，进展记入整改记录。"),
        COMPLETION: _(
            "选填。写明已完成（如“已完成”“已整改”）的，导入后为“待核验”，由市委办或其指定的"
            "核验人核验销号，本单位不能自行销号；其余均为“整改中”。"
        ),
        KIND: _("选填，默认立行立改。可填：%(k)s。") % {"k": kinds},
        MECHANISM: _(
            "长效机制类措施写明建立的制度机制（名称、文号或主要内容）；已完成的长效机制须填写。"
        ),
        REVIEW_ON: _("长效机制类措施必填：回头看的日期，不早于完成时限。"),
        FOUND_ON: _("选填。不填按导入当天计；问题此前已发现、完成时限已过的，请填写。"),
        NOTE: _("选填。记入该措施的整改记录。"),
    }
    out = [
        [c.header, _("必填") if c.required else _("选填"), str(notes.get(c.key, ""))]
        for c in TEMPLATE
    ]
    out += [
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "表头可以在第 1 至 10 行（上面可有标题行），列的顺序不限，选填的列可以删除，列名"
                "也可写作常见的叫法（如“完成时间”“整改时限”）。不接受合并单元格：同一问题的几条"
                "措施，每一行都要把序号、问题描述填写完整。导入前先检查整个文件，只要有一处错误，"
                "就一条也不保存，并列出每处错误所在的行和列。支持 .xlsx、.xls 和 CSV"
                "（UTF-8 或 GBK 编码）。"
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
    ]
    return out
