"""The negative list (负面清单) by spreadsheet: the items' import (序号, 类别, 表现形式, 说明)
and the blank template.

Import is all or nothing, like every importer here: the whole file is read and checked first,
each problem named by its row (as the person sees it in Excel) and column; only a clean file
replaces the draft's items, in one transaction ending with ONE audit entry (file SHA-256, the
stored file). A published list is frozen: the service refuses, and the message says to start a
new version.

Provincial lists usually merge the 类别 cell down over the items of one category. A vertically
merged 类别 is read as that category on every row it covers; any other merged cell whose lower
rows read empty is an error that says so, rather than "empty cell".
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, inputs, parsing, scope, sheet_columns
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.sheet_columns import Column

from . import exams
from .ledger_import import cell_text
from .models import NegativeList, NegativeListItem

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


def _merged(filename: str, data: bytes) -> dict[tuple[int, int], tuple[int, int]]:
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


@dataclass
class Parsed:
    rows: list[dict]  # cleaned rows, in file order, ready for exams.items_replace
    categories: int
    examples: tuple[int, ...] = ()  # the template's example rows, skipped


def parse(filename: str, data: bytes) -> Parsed:
    """The items of a negative-list sheet; ImportFailed naming every problem by row and column."""
    rows = excel.read_rows(filename, data)
    if not rows or not any(cell_text(c) for r in rows[:50] for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    h, found, headers = sheet_columns.read_header(
        rows,
        COLUMNS,
        missing=_("缺少必填列：%(cols)s。表头应为：%(all)s（可从“下载模板”获取）。"),
        text=cell_text,
    )
    merged = _merged(filename, data)
    limits = {NUMBER: _max(NUMBER), CATEGORY: _max(CATEGORY), TITLE: _max(TITLE)}
    labels = {NUMBER: _("序号"), CATEGORY: _("类别"), TITLE: _("表现形式")}
    errors: list[SheetError] = []
    out: list[dict] = []
    seen: dict[str, int] = {}
    examples: list[int] = []
    for index in range(h + 1, len(rows)):
        raw = rows[index]
        if not any(cell_text(c) for c in raw):
            continue  # empty rows are skipped
        line = index + 1
        if excel.is_example(raw):
            examples.append(line)
            continue
        values: dict[str, str] = {}
        ok = True
        for key, col in found.items():
            value = cell_text(raw[col] if col < len(raw) else None)
            origin = merged.get((index, col))
            if not value and origin is not None:
                if key == CATEGORY and origin[1] == col:
                    value = cell_text(rows[origin[0]][col])
                else:
                    errors.append(
                        SheetError(
                            line,
                            headers[key],
                            _("该单元格与第 %(r)s 行合并，请取消合并后逐行填写。")
                            % {"r": origin[0] + 1},
                        )
                    )
                    ok = False
                    continue
            problem = inputs.text_problem(value, multiline=key not in limits)
            if problem:
                errors.append(SheetError(line, headers[key], problem))
                ok = False
                continue
            if key == NUMBER:
                value = parsing.half_width(value).strip()
            limit = limits.get(key)
            if key in limits and not value:
                errors.append(
                    SheetError(line, headers[key], _("%(f)s不能为空。") % {"f": labels[key]})
                )
                ok = False
            elif limit and len(value) > limit:
                errors.append(
                    SheetError(
                        line,
                        headers[key],
                        _("%(f)s不能超过 %(n)s 个字，本格有 %(m)s 个字。")
                        % {"f": labels[key], "n": limit, "m": len(value)},
                    )
                )
                ok = False
            values[key] = value
        number = values.get(NUMBER, "")
        if number:
            if number in seen:
                errors.append(
                    SheetError(
                        line,
                        headers[NUMBER],
                        _("序号“%(n)s”与第 %(r)s 行重复，同一清单的序号不能重复。")
                        % {"n": number, "r": seen[number]},
                    )
                )
                ok = False
            else:
                seen[number] = line
        if ok:
            values.setdefault(EXPLANATION, "")
            out.append(values)
    if not out and not errors and examples:
        raise excel.only_examples(examples)
    if not out and not errors:
        raise ImportFailed([SheetError(h + 1, None, _("表头下面没有任何数据行。"))])
    if errors:
        order = {headers[k]: i for k, i in found.items()}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", -1)))
        raise ImportFailed(errors)
    return Parsed(rows=out, categories=len({r[CATEGORY] for r in out}), examples=tuple(examples))


def import_items(*, by, negative_list: NegativeList, filename: str, data: bytes) -> Parsed:
    """Replace a draft list's items with the file's (all or nothing; one audit entry with the
    file's SHA-256 and where it is kept). A published list: DomainError "published"."""
    scope.require(by, exams.MANAGE)
    # Said before the file is read; the service checks again under the row lock.
    exams.refuse_published(negative_list)
    parsed = parse(filename, data)
    with excel.kept_upload(filename, data) as upload:
        stored_as = upload.store()
        exams.items_replace(
            by=by,
            negative_list=negative_list,
            rows=parsed.rows,
            import_extra={
                "sha256": upload.sha256,
                "file": stored_as,
                "filename": filename[:255],
            },
        )
    return parsed


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
