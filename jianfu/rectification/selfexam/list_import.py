"""The negative list (负面清单) by spreadsheet: a spec on the import runner (core.imports) for
the items (序号, 类别, 表现形式, 说明), and the blank template.

The runner reads and checks the whole file first, each problem named by its row (as the person
sees it in Excel) and column; only a clean file replaces the draft's items, in one transaction
with ONE audit entry on the list (file SHA-256, the stored file). A published list is frozen: the
service refuses, and the message says to start a new version.

Provincial lists usually merge the 类别 cell down over the items of one category. A vertically
merged 类别 is read as that category on every row it covers; any other merged cell whose lower
rows read empty is an error that says so, rather than "empty cell".
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jianfu.core import excel, imports, inputs, parsing, scope
from jianfu.core.excel import SheetError
from jianfu.core.imports import Written
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column

from ..models import NegativeList, NegativeListItem
from . import queries, services

NUMBER, CATEGORY, TITLE, EXPLANATION = "number", "category", "title", "explanation"

# The headers are data (what files carry): the same in every language.
COLUMNS = (
    Column(
        NUMBER,
        "序号",
        ("编号", "序", "事项编号", "条目编号", "no", "number"),
        required=True,
        note=gettext_lazy("必填，本清单内不能重复，如 1、2、3 或 1.1、1.2。"),
    ),
    Column(
        CATEGORY,
        "类别",
        ("分类", "问题类别", "类型", "方面", "category"),
        required=True,
        note=gettext_lazy(
            "必填，如“学风方面”“文风会风”。同一类别的多行可以合并单元格，会按每一行读取。"
        ),
    ),
    Column(
        TITLE,
        "表现形式",
        (
            "具体表现",
            "主要表现",
            "表现",
            "问题表现",
            "事项",
            "负面清单事项",
            "内容",
            "title",
        ),
        required=True,
        note=gettext_lazy("必填，该项形式主义、官僚主义问题的具体表现，不超过 300 个字。"),
    ),
    Column(
        EXPLANATION,
        "说明",
        ("备注", "释义", "解释", "情况说明", "explanation", "note"),
        note=gettext_lazy("选填，认定口径、典型情形等补充说明。"),
    ),
)
HEADERS = {c.key: c.header for c in COLUMNS}


def _max(name: str) -> int | None:
    return NegativeListItem._meta.get_field(name).max_length


def cell_text(value) -> str:
    return excel.unneutralise(parsing.normalise_text(value))


# --- Merged cells ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Merged:
    """A cell a merge covers that reads empty (what the runner's merged hook leaves in it)."""

    first_row: int  # the row of the merge's first cell, as the person sees it


def _merged(data: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of every cell a merge covers below or right of its first cell -> that first
    cell (0-based, as read_rows counts). Empty for CSV or when the file does not say."""
    if data[:4] != b"PK\x03\x04" and data[:8] != excel.OLE_MAGIC:
        return {}
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # read_rows has already read this file; the merges are a bonus
        return {}
    covered = {}
    for (r0, c0), (r1, c1) in ranges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)
    return covered


def fill_merged(data: bytes, rows: list[list], header_index: int, columns, headers) -> list[list]:
    """The runner's merged-cell hook: below the header, an empty cell a vertical merge of 类别
    covers takes the merge's value; any other empty cell a merge covers becomes _Merged (which
    the parsers report). Blank rows stay blank (skipped)."""
    covered = _merged(data)
    if not covered:
        return rows
    read = set(columns.values())
    category = columns.get(CATEGORY)
    out = list(rows)
    for (r, c), (r0, c0) in sorted(covered.items()):
        if r <= header_index or r >= len(out) or c not in read:
            continue
        row = out[r]
        if cell_text(row[c] if c < len(row) else None) or not any(map(cell_text, row)):
            continue
        row = out[r] = [*row, *[None] * (c + 1 - len(row))]
        origin = rows[r0]
        if c == category and c0 == c:
            row[c] = origin[c] if c < len(origin) else None
        else:
            row[c] = _Merged(r0 + 1)
    return out


# --- Cells and rows -------------------------------------------------------------------------------

# The columns that must be filled, with their names in messages, and their length limits.
_LABELS = {
    NUMBER: gettext_lazy("序号"),
    CATEGORY: gettext_lazy("类别"),
    TITLE: gettext_lazy("表现形式"),
}


def _parser(key: str):
    def parse(value) -> str:
        if type(value) is _Merged:
            raise ParseError(
                _("该单元格与第 %(r)s 行合并，请取消合并后逐行填写。") % {"r": value.first_row}
            )
        text = cell_text(value)
        problem = inputs.text_problem(text, multiline=key not in _LABELS)
        if problem:
            raise ParseError(problem)
        if key == NUMBER:
            text = parsing.half_width(text).strip()
        if key in _LABELS and not text:
            raise ParseError(_("%(f)s不能为空。") % {"f": _LABELS[key]})
        return text

    return parse


@dataclass
class Parsed:
    rows: list[dict]  # cleaned rows, in file order
    categories: int
    examples: tuple[int, ...] = ()  # the template's example rows, skipped


def check(sheet, units) -> Parsed:
    """Lengths, and each 序号 once; every problem of the file reported at once."""
    seen: dict[str, int] = {}
    for r in sheet.rows:
        v = r.values
        for key in (NUMBER, CATEGORY, TITLE):
            value, limit = v.get(key), _max(key)
            if value and limit and len(value) > limit:
                sheet.error(
                    r,
                    key,
                    _("%(f)s不能超过 %(n)s 个字，本格有 %(m)s 个字。")
                    % {"f": _LABELS[key], "n": limit, "m": len(value)},
                )
        number = v.get(NUMBER)
        if not number:
            continue
        if number in seen:
            sheet.error(
                r,
                NUMBER,
                _("序号“%(n)s”与第 %(r)s 行重复，同一清单的序号不能重复。")
                % {"n": number, "r": seen[number]},
            )
        else:
            seen[number] = r.line
    if sheet.errors:
        sheet.fail()
    rows = [{EXPLANATION: ""} | r.values for r in sheet.rows]
    return Parsed(rows, len({row[CATEGORY] for row in rows}), tuple(sheet.examples))


def write(sheet, plan: Parsed, changes, record, by, now) -> Written:
    nl = sheet.options["negative_list"]
    items = services.items_write(by=by, negative_list=nl, rows=plan.rows)
    record.parsed = plan  # what import_items returns and the page tells
    return Written([item.pk for item in items], [])


# --- The spec and its page ------------------------------------------------------------------------


def _audit_object(sheet, plan, record) -> tuple[str, int]:
    nl = sheet.options["negative_list"]
    return nl._meta.label_lower, nl.pk  # the list's history shows its imports


def _page(request, pk: int) -> dict:
    nl = queries.negative_list_for(request.user, pk)
    scope.require(request.user, services.MANAGE)
    detail = reverse("negative_list_detail", args=[nl.pk])
    page = {
        "title": _("导入负面清单事项"),
        "head_title": _("导入负面清单事项") + " · " + nl.title,
        "crumbs": [
            (reverse("negative_list_list"), _("负面清单")),
            (detail, f"{nl.year} · v{nl.version}"),
        ],
        "back_url": detail,
        "template_url": reverse("negative_list_template"),
        "columns": [(c.header, c.note) for c in COLUMNS],
        "notes": [_("第一行为表头，列的顺序不限；表头上方可以有标题行。空行会跳过。")],
        "options": {"negative_list": nl},
    }
    if nl.is_published:
        page["refused"] = [SheetError(None, None, _("该清单已发布，不能再导入；请新建版本。"))]
    elif n := nl.items.count():
        page["warning"] = ngettext(
            "本清单现有 %(n)s 项。导入成功后，这些事项将全部被文件中的事项替换。",
            "本清单现有 %(n)s 项。导入成功后，这些事项将全部被文件中的事项替换。",
            n,
        ) % {"n": n}
    return page


def _done(record) -> str:
    parsed = record.parsed
    return _("导入完成：共 %(n)s 项，%(c)s 个类别。") % {
        "n": len(parsed.rows),
        "c": parsed.categories,
    } + excel.skipped_examples(list(parsed.examples))


SPEC = imports.Spec(
    kind="rectification.negative_list",
    columns=COLUMNS,
    parsers=lambda units: {c.key: _parser(c.key) for c in COLUMNS},
    check=check,
    write=write,
    permission=services.MANAGE,
    audit_action="jianfu.rectification.list.imported",
    event="",
    distinct=frozenset({TITLE, EXPLANATION}),
    required_cells=False,  # an empty cell is named with its column ("类别不能为空。")
    merged=fill_merged,
    audit_object=_audit_object,
    inline=True,
    page=_page,
    done=_done,
)


def import_items(*, by, negative_list: NegativeList, filename: str, data: bytes) -> Parsed:
    """Replace a draft list's items with the file's (all or nothing; one audit entry with the
    file's SHA-256 and where it is kept). A published list: DomainError "published"."""
    scope.require(by, services.MANAGE)
    # Said before the file is read; the service checks again under the row lock.
    services.refuse_published(negative_list)
    record = imports.run(
        SPEC, by=by, filename=filename, data=data, options={"negative_list": negative_list}
    )
    return record.parsed


def template() -> bytes:
    """The blank import template: header, three example rows and a sheet "说明"."""
    columns = [c.header for c in COLUMNS]
    examples = [
        [
            "1",
            _("学风方面"),
            _("学习教育搞形式、走过场，以考试、笔记、心得的数量代替学习成效"),
            _("如要求基层手抄笔记、限定心得体会字数"),
        ],
        [
            "2",
            _("文风会风"),
            _("以文件落实文件，照抄照搬上级文件"),
            "",
        ],
        [
            "3",
            _("督查检查考核"),
            _("督查检查考核过多过频，重留痕轻实绩"),
            _("如要求基层提供大量照片、台账作为工作依据"),
        ],
    ]
    notes = [[c.header, _("必填") if c.required else _("选填"), str(c.note)] for c in COLUMNS]
    notes += [
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "第一行是表头，列的顺序不限；空行会跳过。导入会用文件中的事项替换本清单（草稿）"
                "现有的全部事项。导入时先检查整个文件，只要有一处错误，就一条也不保存，并列出每处"
                "错误所在的行和列。支持 .xlsx、.xls 和 CSV（UTF-8 或 GBK 编码）。"
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
    ]
    return excel.write_workbook(
        [
            (_("负面清单"), columns, excel.mark_examples(examples)),
            (_("说明"), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        widths={
            (0, "A"): 8,
            (0, "B"): 18,
            (0, "C"): 60,
            (0, "D"): 50,
            (1, "A"): 14,
            (1, "B"): 10,
            (1, "C"): 90,
        },
        examples={0: len(examples)},
    )
