"""Reading a units sheet: the header matched to the columns, every cell read and checked.

Codes are read as text: an integral float (410902.0) is its digits; a code Excel has already
turned into scientific notation, or into a number too long to keep exactly, is an error that says
how to keep it (format the column as text).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .. import excel, parsing, sheet_columns
from ..excel import ImportFailed, SheetError
from ..models import Unit
from .columns import (
    CODE,
    COLUMNS,
    HEADERS,
    KIND,
    NAME,
    PARENT,
    SHORT,
    SUCCESSOR,
    UNTIL,
    _header_key,
    _kind_key,
    _kind_map,
    _kinds_accepted,
)

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\xa0\u3000"
_SCIENTIFIC = re.compile(r"^[+-]?\d(\.\d+)?[eE][+]?\d+$")


def _text(value) -> str:
    """A cell as trimmed text: integral floats (410902.0) become "410902"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip().strip(_INVISIBLE).strip()
    return excel.unneutralise(text)


def _code(value) -> tuple[str, str | None]:
    """(code, problem). Full-width digits and letters become half-width."""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
        return "", _(
            "代码位数太多，Excel 已按数字保存并丢失了末几位，请把该列设为“文本”格式后重新填写。"
        )
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    if _SCIENTIFIC.match(text):
        return "", _(
            "代码“%(c)s”是科学计数法，原代码已丢失；请把该列设为“文本”格式后重新填写。"
        ) % {"c": text}
    if any(ch.isspace() for ch in text):
        return "", _("代码“%(c)s”中间有空格。") % {"c": text}
    return text, None


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value) -> tuple[dt.date | None, bool]:
    """(date, ok). Empty is (None, True)."""
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value)), True  # Excel's serial days
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None, True
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[T ]", text) else text
    m = _DATE_TEXT.match(text) or (
        re.match(r"^(\d{4})(\d{2})(\d{2})$", text) if len(text) == 8 else None
    )
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), True
        except ValueError:
            return None, False
    return None, False


@dataclass
class Row:
    line: int  # row number as the person sees it in Excel
    code: str = ""
    name: str = ""
    short_name: str | None = None  # None: the column is absent (leave existing values alone)
    kind: str = ""
    parent: str = ""
    valid_until: dt.date | None = None
    successor: str | None = None
    ok: bool = True  # False when a cell of this row has an error


@dataclass
class Sheet:
    header_line: int
    headers: dict[str, str]  # field -> header as written
    rows: list[Row]
    order: dict[str, int] = field(default_factory=dict)  # header as written -> column index
    errors: list[SheetError] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)  # the template's example rows, skipped

    def has(self, name: str) -> bool:
        return name in self.headers

    def col(self, name: str) -> str:
        return self.headers.get(name, HEADERS[name])


def parse(rows: list[list]) -> Sheet:
    """The header and the rows of a units sheet; cell problems collected in `errors`."""
    if not rows or not any(_text(c) for r in rows for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    h, columns, headers = sheet_columns.read_header(
        rows,
        COLUMNS,
        missing=_("缺少必填列：%(cols)s。第一行应为表头：%(all)s（可从“下载模板”获取）。"),
        text=_text,
        key=_header_key,
    )
    header_line = h + 1
    data = rows[h + 1 :]
    sheet = Sheet(
        header_line=header_line,
        headers=headers,
        rows=[],
        order={headers[n]: i for n, i in columns.items()},
    )
    kinds = _kind_map()
    max_code = Unit._meta.get_field("code").max_length
    max_name = Unit._meta.get_field("name").max_length
    max_short = Unit._meta.get_field("short_name").max_length

    def cell(row, name):
        i = columns.get(name)
        return row[i] if i is not None and i < len(row) else None

    for offset, raw in enumerate(data):
        if not any(_text(c) for c in raw):
            continue  # entirely empty rows are skipped
        if excel.is_example(raw):
            sheet.examples.append(header_line + 1 + offset)
            continue
        r = Row(line=header_line + 1 + offset)

        def err(name, message, r=r):
            sheet.errors.append(SheetError(r.line, sheet.col(name), message))
            r.ok = False

        for name in columns:
            try:
                parsing.parse_text(cell(raw, name))
            except parsing.ParseError as e:
                err(name, e.message)
        if not r.ok:
            sheet.rows.append(r)
            continue

        r.code, problem = _code(cell(raw, CODE))
        if problem:
            err(CODE, problem)
        elif not r.code:
            err(CODE, _("单位代码不能为空。"))
        elif len(r.code) > max_code:
            err(CODE, _("单位代码“%(c)s”超过 %(n)s 个字符。") % {"c": r.code, "n": max_code})

        r.name = _text(cell(raw, NAME))
        if not r.name:
            err(NAME, _("名称不能为空。"))
        elif len(r.name) > max_name:
            err(NAME, _("名称超过 %(n)s 个字符。") % {"n": max_name})

        if SHORT in columns:
            r.short_name = _text(cell(raw, SHORT))
            if len(r.short_name) > max_short:
                err(SHORT, _("简称超过 %(n)s 个字符。") % {"n": max_short})

        kind_text = _text(cell(raw, KIND))
        if not kind_text:
            err(KIND, _("类型不能为空。") + _kinds_accepted())
        else:
            r.kind = kinds.get(_kind_key(kind_text), "")
            if not r.kind:
                err(KIND, _("无法识别的单位类型“%(k)s”。") % {"k": kind_text} + _kinds_accepted())

        r.parent, problem = _code(cell(raw, PARENT))
        if problem:
            err(PARENT, problem)

        if UNTIL in columns:
            r.valid_until, ok = _date(cell(raw, UNTIL))
            if not ok:
                err(
                    UNTIL,
                    _("无法识别的日期“%(d)s”，请写成 2025-01-31 这样的格式。")
                    % {"d": _text(cell(raw, UNTIL))},
                )
        if SUCCESSOR in columns:
            r.successor, problem = _code(cell(raw, SUCCESSOR))
            if problem:
                err(SUCCESSOR, problem)
            elif r.successor and UNTIL in columns and r.valid_until is None and r.ok:
                err(SUCCESSOR, _("填写了承继单位，但没有填写撤销日期。"))
        sheet.rows.append(r)
    if not sheet.rows and sheet.examples:
        raise excel.only_examples(sheet.examples)
    if not sheet.rows:
        raise ImportFailed([SheetError(header_line, None, _("表头下面没有任何数据行。"))])
    return sheet
