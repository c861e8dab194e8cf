"""Reading a registry sheet: the header matched to the columns, every cell parsed and checked.

Column by column: a column whose values repeat (units, kinds, dates, levels, yes/no, counts) is
parsed once per distinct value, the others cell by cell; then the rules within one row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jianfu.core import excel, inputs, parsing, sheet_columns
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.imports.units import UnitIndex
from jianfu.core.parsing import Choices, ParseError

from ..models import MAX_ATTENDEES, MAX_CHARACTERS, MAX_FORMS, MAX_PAGES, DocumentKind, MeetingForm
from .columns import CO_UNITS, COLUMNS, COUNTED, DEFAULTS, MERGED, PK, UNIT, Col, _Choices


class Row:
    __slots__ = ("line", "values", "unit_id", "co_units", "merged", "pk", "ok", "match", "obj")

    def __init__(self, line: int, values=None, pk=None, unit_id=None, co_units=None, merged=""):
        self.line = line
        self.values: dict = {} if values is None else values
        self.unit_id: int | None = unit_id
        self.co_units: list[int] | None = co_units  # None: column absent
        self.merged: str = merged  # what 合并到 names
        self.pk: int | None = pk  # 系统编号
        self.ok = True
        self.match: int | None = None  # the existing record this row updates
        self.obj = None


@dataclass
class Sheet:
    kind: str
    header_line: int
    columns: dict[str, int]  # key -> column index
    headers: dict[str, str]  # key -> header as written
    rows: list[Row]
    errors: list[SheetError]
    examples: list[int] = field(default_factory=list)  # the template's example rows, skipped

    def has(self, key: str) -> bool:
        return key in self.columns

    def col(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        return next(c.header for c in COLUMNS[self.kind] if c.key == key)


def _text(value, *, multiline: bool = False) -> str:
    text = parsing.parse_text(value, multiline=multiline)
    if text[:1] == "'":
        text = excel.unneutralise(text)
    return text


def read_header(
    rows: list[list], columns: tuple[Col, ...], *, optional: frozenset[str] = frozenset()
) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index of the header row, key -> column index, key -> header as written); ImportFailed
    naming every unknown, repeated or missing column. `optional`: required keys that may be
    absent this time."""
    if not rows or not any(parsing.normalise_text(c) for r in rows[:50] for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    return sheet_columns.read_header(
        rows,
        columns,
        optional=optional,
        missing=_("缺少必填列：%(cols)s。表头应为：%(all)s（可从“下载模板”获取）。"),
    )


def _date_bounds() -> tuple[dt.date, dt.date]:
    return inputs.date_range()


def _cell_parsers(kind: str, units: UnitIndex, ch: _Choices) -> dict:
    """key -> function(cell) -> value, raising ParseError."""
    earliest, latest = _date_bounds()

    def text(max_length, multiline=False):
        def parse(value):
            t = _text(value, multiline=multiline)
            if len(t) > max_length:
                raise ParseError(
                    _("超过 %(n)s 个字（现有 %(m)s 个字）。") % {"n": max_length, "m": len(t)}
                )
            return t

        return parse

    def code(max_length):
        def parse(value):
            if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
                raise ParseError(
                    _(
                        "编号位数太多，Excel 已按数字保存并丢失了末几位，"
                        "请把该列设为“文本”格式后重新填写。"
                    )
                )
            t = _text(value)
            if not t.isascii() and _FULL_WIDTH_ALNUM_RE.search(t):
                t = t.translate(_FULL_WIDTH_ALNUM)
            if len(t) > max_length:
                raise ParseError(_("“%(v)s”超过 %(n)s 个字符。") % {"v": t[:40], "n": max_length})
            return t

        return parse

    def date(value):
        return parsing.parse_date(value, earliest=earliest, latest=latest)

    def count(maximum):
        def parse(value):
            return parsing.parse_int(value, minimum=0, maximum=maximum)

        return parse

    def levels(value):
        return parsing.parse_levels(value, ch.levels)

    def units_list(value):
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

    def pk(value):
        return parsing.parse_int(value, minimum=1)

    parsers = {
        PK: pk,
        "external_id": code(80),
        "title": text(300),
        UNIT: units.resolve,
        CO_UNITS: units_list,
        COUNTED: lambda value: None,
    }
    if kind == "document":
        parsers |= {
            "number": code(80),
            "issued_on": date,
            "kind": ch.document_kind,
            "addressed_levels": levels,
            "assigns_work": parsing.parse_bool,
            "pages": count(MAX_PAGES),
            "characters": count(MAX_CHARACTERS),
            "full_text": text(1_000_000, multiline=True),
        }
    elif kind == "meeting":
        parsers |= {
            "held_on": date,
            "starts_at": parsing.parse_time,
            "ends_at": parsing.parse_time,
            "level": ch.meeting_level,
            "form": ch.meeting_form,
            MERGED: code(80),
            "attend_levels": levels,
            "grassroots_attendees": count(MAX_ATTENDEES),
        }
    else:
        parsers |= {
            "kind": ch.inspection_kind,
            "method": ch.inspection_method,
            "starts_on": date,
            "ends_on": date,
            "in_plan": parsing.parse_bool,
            "forms_demanded": count(MAX_FORMS),
        }
    return parsers


# Columns whose values are mostly distinct: parsed cell by cell. The others repeat (units, kinds,
# dates, levels, yes/no, counts) and are parsed once per distinct value.
_DISTINCT = frozenset({PK, "external_id", "number", "title", "full_text", COUNTED})


_FULL_WIDTH_ALNUM_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0d\u3000]")
_FULL_WIDTH_ALNUM = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"\uff0d": "-", "\u3000": " "}
)


def _blank(raw: list) -> bool:
    """No cell with anything but spaces in it (the first filled cell ends the look)."""
    for c in raw:
        if c is None or c == "":
            continue
        if type(c) is str and not parsing.normalise_text(c):
            continue
        return False
    return True


def parse(kind: str, rows: list[list], units: UnitIndex, *, default_unit: int | None) -> Sheet:
    """Every cell parsed and checked; problems collected in `sheet.errors` (not raised here, so
    the checks against the database can add theirs).

    Column by column: a column whose values repeat (units, kinds, dates, levels, yes/no,
    counts) is parsed once per distinct value, then mapped; the others cell by cell."""
    columns = COLUMNS[kind]
    h, found, headers = read_header(
        rows, columns, optional=frozenset({UNIT}) if default_unit else frozenset()
    )
    parsers = _cell_parsers(kind, units, _Choices())
    sheet = Sheet(kind, h + 1, found, headers, [], [])
    errors = sheet.errors
    kept = [(h + 2 + i, raw) for i, raw in enumerate(rows[h + 1 :]) if not _blank(raw)]
    sheet.examples = [line for line, raw in kept if excel.is_example(raw)]
    if sheet.examples:
        kept = [(line, raw) for line, raw in kept if not excel.is_example(raw)]
        if not kept:
            raise excel.only_examples(sheet.examples)
    if not kept:
        raise ImportFailed([SheetError(h + 1, None, _("表头下面没有任何数据行。"))])
    lines = [line for line, _raw in kept]
    n = len(kept)
    # The sheet as columns (CSV rows may be ragged: padded first).
    width = max(found.values()) + 1
    raws = [raw if len(raw) >= width else [*raw, *[None] * (width - len(raw))] for _l, raw in kept]
    cells_of = list(zip(*raws, strict=False))
    bad: dict[int, set[str]] = {}  # row index -> keys whose cell could not be read

    def err(i: int, key: str, message: str) -> None:
        errors.append(SheetError(lines[i], headers[key], message))
        bad.setdefault(i, set()).add(key)

    parsed: dict[str, list] = {}
    for key, index in found.items():
        if key == COUNTED:
            continue
        fn = parsers[key]
        cells = cells_of[index]
        if key in _DISTINCT:
            out = []
            for i, value in enumerate(cells):
                try:
                    out.append(fn(value))
                except ParseError as e:
                    err(i, key, e.message)
                    out.append(None)
        else:
            distinct = {value: _apply(fn, value) for value in set(cells)}
            out = list(map(distinct.__getitem__, cells))
            if any(type(v) is ParseError for v in distinct.values()):
                for i, v in enumerate(out):
                    if type(v) is ParseError:
                        err(i, key, v.message)
                        out[i] = None
        parsed[key] = out
    for c in columns:
        if not c.required or c.key not in parsed or (c.key == UNIT and default_unit):
            continue
        for i, v in enumerate(parsed[c.key]):
            if (v is None or v == "") and c.key not in bad.get(i, ()):
                err(i, c.key, _("必填，不能为空。"))
    for key, default in DEFAULTS[kind].items():
        if key in parsed:
            parsed[key] = [default if v is None else v for v in parsed[key]]

    none = [None] * n
    pks = parsed.pop(PK, none)
    unit_ids = parsed.pop(UNIT, none)
    co_units = parsed.pop(CO_UNITS, None)
    merged = parsed.pop(MERGED, none)
    keys = list(parsed)
    dicts = (
        list(map(dict, map(functools.partial(zip, keys), zip(*parsed.values(), strict=True))))
        if keys
        else [{} for _i in range(n)]
    )
    check = _ROW_CHECKS[kind]
    rows_out = sheet.rows
    for i in range(n):
        failed = bad.get(i)
        r = Row(
            lines[i],
            dicts[i],
            pks[i],
            None if failed and UNIT in failed else (unit_ids[i] or default_unit),
            None if co_units is None else (co_units[i] or []),
            merged[i] or "",
        )
        if failed:
            r.ok = False
        elif check(r):
            _check_row(kind, sheet, r)
        rows_out.append(r)
    return sheet


# Which rows _check_row has anything to look at (most have not).
_ROW_CHECKS = {
    "document": lambda r: r.co_units or r.values.get("kind") == DocumentKind.RED_HEADER,
    "meeting": lambda r: r.merged or r.values.get("ends_at") is not None,
    "inspection": lambda r: True,
}


def _apply(fn, value):
    """fn(value), or the ParseError it raised."""
    try:
        return fn(value)
    except ParseError as e:
        return e


def _check_row(kind: str, sheet: Sheet, r: Row) -> None:
    """Rules within one row (the ones services._validate applies to a form)."""
    v = r.values

    def err(key, message):
        sheet.errors.append(SheetError(r.line, sheet.col(key), message))
        r.ok = False

    if kind == "document":
        if v.get("kind") == DocumentKind.RED_HEADER and not v.get("number"):
            err("number" if sheet.has("number") else "kind", _("红头文件须填写文号。"))
        if r.co_units and r.unit_id in r.co_units:
            r.co_units = [u for u in r.co_units if u != r.unit_id]
    elif kind == "meeting":
        start, end = v.get("starts_at"), v.get("ends_at")
        if start is not None and end is not None and end <= start:
            err(
                "ends_at",
                _("结束时间 %(e)s 不晚于开始时间 %(s)s。")
                % {"e": end.strftime("%H:%M"), "s": start.strftime("%H:%M")},
            )
        if r.merged and sheet.has("form") and v.get("form") != MeetingForm.MERGED:
            err(
                MERGED,
                _("填写了“合并到”，会议形式应为“%(f)s”。")
                % {"f": Choices(MeetingForm).labels[MeetingForm.MERGED]},
            )
    else:
        start, end = v.get("starts_on"), v.get("ends_on")
        if start is not None and end is not None and end < start:
            err(
                "ends_on",
                _("结束日期 %(e)s 早于开始日期 %(s)s。")
                % {"e": end.isoformat(), "s": start.isoformat()},
            )
        if sheet.has("ends_on") and start is not None and end is None:
            v["ends_on"] = start  # an empty cell: the inspection lasts one day
