"""Reading a units sheet: its header, and the parser of every column (the runner reads the
sheet with them, core.imports.sheet).

Codes are read as text: an integral float (410902.0) is its digits; a code Excel has already
turned into scientific notation, or into a number too long to keep exactly, is an error that says
how to keep it (format the column as text).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

from .. import excel, sheet_columns
from ..excel import ImportFailed, SheetError
from ..imports import Row, Sheet
from ..models import Unit
from ..parsing import ParseError
from .checks import MAX_CODE
from .columns import (
    CODE,
    KIND,
    NAME,
    PARENT,
    SHORT,
    SUCCESSOR,
    UNTIL,
    _header_key,
    _kind_key,
    _kind_map,
    kinds_accepted,
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


def read_header(rows: list[list], columns, *, missing: str, optional: frozenset[str]):
    """The header as sheet_columns.read_header finds it, cells read as `_text` and headers
    keyed by `_header_key` (brackets count)."""
    if not rows or not any(_text(c) for r in rows for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    return sheet_columns.read_header(
        rows, columns, missing=missing, optional=optional, text=_text, key=_header_key
    )


def parsers(units) -> dict:
    """key -> function(cell) -> value, raising ParseError with the sentence the person sees; an
    empty cell of a column that must be filled says so in that column's own words."""
    kinds = _kind_map()
    max_name = Unit._meta.get_field("name").max_length
    max_short = Unit._meta.get_field("short_name").max_length

    def code(value) -> str:
        text = _code_of(value)
        if not text:
            raise ParseError(_("单位代码不能为空。"))
        return text  # a code too long is kept for the checks across rows (checks.plan)

    def name(value) -> str:
        text = _text(value)
        if not text:
            raise ParseError(_("名称不能为空。"))
        if len(text) > max_name:
            raise ParseError(_("名称超过 %(n)s 个字符。") % {"n": max_name})
        return text

    def short_name(value) -> str:
        text = _text(value)
        if len(text) > max_short:
            raise ParseError(_("简称超过 %(n)s 个字符。") % {"n": max_short})
        return text

    def kind(value) -> str:
        text = _text(value)
        if not text:
            raise ParseError(_("类型不能为空。") + kinds_accepted())
        found = kinds.get(_kind_key(text), "")
        if not found:
            raise ParseError(_("无法识别的单位类型“%(k)s”。") % {"k": text} + kinds_accepted())
        return found

    def valid_until(value) -> dt.date | None:
        day, ok = _date(value)
        if not ok:
            raise ParseError(
                _("无法识别的日期“%(d)s”，请写成 2025-01-31 这样的格式。") % {"d": _text(value)}
            )
        return day

    return {
        CODE: code,
        NAME: name,
        SHORT: short_name,
        KIND: kind,
        PARENT: _code_of,
        UNTIL: valid_until,
        SUCCESSOR: _code_of,
    }


def _code_of(value) -> str:
    code, problem = _code(value)
    if problem:
        raise ParseError(problem)
    return code


def row_check(sheet: Sheet, r: Row) -> None:
    """A successor needs the date the unit closed. Not said of a row whose code is too long:
    that is its problem (checks.plan reports it), as for any other cell that cannot be used."""
    v = r.values
    if v.get(SUCCESSOR) and sheet.has(UNTIL) and v.get(UNTIL) is None and len(v[CODE]) <= MAX_CODE:
        sheet.error(r, SUCCESSOR, _("填写了承继单位，但没有填写撤销日期。"))
