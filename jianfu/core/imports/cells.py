"""Cell parsers specs build their columns from: each takes a cell as read (text, number, date or
None) and returns the value, or raises parsing.ParseError with the sentence the person sees."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from jianfu.core import excel, inputs, parsing
from jianfu.core.parsing import ParseError


def cell_text(value, *, multiline: bool = False) -> str:
    """The cell as text; a formula our own exports neutralised (a leading ') restored."""
    text = parsing.parse_text(value, multiline=multiline)
    if text[:1] == "'":
        text = excel.unneutralise(text)
    return text


def _plain_texts(cells: list, max_length: int) -> list[str] | None:
    """A whole column of text cells read at once, in C: what cell_text gives each of them when
    every cell is text or empty and none needs more than trimming (no full-width or invisible
    spaces, nothing unprintable, no leading ' of a neutralised formula) and none is longer than
    `max_length`; None otherwise (the column is then read cell by cell, and its problems
    named). A column of 100,000 titles took as long as the rest of the checks cell by cell."""
    kinds = set(map(type, cells))
    if not kinds <= {str, type(None)}:
        return None
    if type(None) in kinds:
        cells = ["" if c is None else c for c in cells]
    # Not one cell with a space or invisible character normalise_text treats its own way (the
    # cells as they are: strip() alone would drop some of them at the ends): each is trimmed.
    if parsing.has_odd_space("".join(cells)):
        return None
    texts = list(map(str.strip, cells))
    joined = " ".join(texts)  # a space is printable: the cells' own characters decide
    if "'" in joined or not joined.isprintable():
        return None
    if texts and max(map(len, texts)) > max_length:
        return None
    return texts


def text(max_length: int, *, multiline: bool = False):
    def parse(value):
        t = cell_text(value, multiline=multiline)
        if len(t) > max_length:
            raise ParseError(
                _("超过 %(n)s 个字（现有 %(m)s 个字）。") % {"n": max_length, "m": len(t)}
            )
        return t

    def many(cells: list) -> list[str] | None:
        return _plain_texts(cells, max_length)

    parse.many = many
    return parse


_FULL_WIDTH_ALNUM_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0d\u3000]")
_FULL_WIDTH_ALNUM = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"\uff0d": "-", "\u3000": " "}
)


def code(max_length: int):
    """A key or number people copy from another system (外部编号, 文号): full-width letters and
    digits made half-width; a long number Excel stored as a float (and so cut) refused."""

    def parse(value):
        if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
            raise ParseError(
                _(
                    "编号位数太多，Excel 已按数字保存并丢失了末几位，"
                    "请把该列设为“文本”格式后重新填写。"
                )
            )
        t = cell_text(value)
        if not t.isascii() and _FULL_WIDTH_ALNUM_RE.search(t):
            t = t.translate(_FULL_WIDTH_ALNUM)
        if len(t) > max_length:
            raise ParseError(_("“%(v)s”超过 %(n)s 个字符。") % {"v": t[:40], "n": max_length})
        return t

    def many(cells: list) -> list[str] | None:
        # Text cells only (a number is read cell by cell): the fast path holds no full-width
        # letters or digits either.
        texts = _plain_texts(cells, max_length)
        if texts is None or _FULL_WIDTH_ALNUM_RE.search(" ".join(texts)):
            return None
        return texts

    parse.many = many
    return parse


def date():
    """A date within the range the platform accepts (inputs.date_range), in the spellings
    parsing.parse_date reads."""
    earliest, latest = inputs.date_range()

    def parse(value):
        return parsing.parse_date(value, earliest=earliest, latest=latest)

    return parse


def count(maximum: int):
    def parse(value):
        return parsing.parse_int(value, minimum=0, maximum=maximum)

    return parse


def record_id(value):
    """系统编号: a record's id as exports write it."""
    return parsing.parse_int(value, minimum=1)


def units_list(units):
    """Several units in one cell (separated by 、 ，; or new lines), each as UnitIndex finds it;
    every unknown one named."""

    def parse(value):
        found, bad = [], []
        for item in parsing.split_list(value, spaces=False):
            try:
                pk = units.resolve(item)
            except ParseError as e:
                bad.append(e.message)
                continue
            if pk not in found:
                found.append(pk)
        if bad:
            raise ParseError(" ".join(bad))
        return found

    return parse
