"""Reading a sheet for a spec: the header matched to its columns, blank and example rows dropped,
every cell parsed, required cells checked, defaults filled, then the spec's check of each row.

Column by column: a column whose values repeat (units, kinds, dates, levels, yes/no, counts) is
parsed once per distinct value, the columns the spec calls `distinct` at once when their parser
can (cells.text, cells.code: `many`, for a column that needs nothing but trimming), else cell by
cell. Problems are
collected in `sheet.errors`, not raised, so the checks against the database can add theirs and
one attempt reports every problem.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field
from types import MappingProxyType

from django.utils.translation import gettext as _

from jianfu.core import excel, parsing, sheet_columns
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.parsing import ParseError

from .spec import PK, UNIT, Spec
from .units import UnitIndex

_NO_EXTRA = MappingProxyType({})


class Row:
    """One data row: `values` are the spec's fields (what a record is written from); `unit_id`
    the unit column (or the importer's own unit), `pk` the 系统编号 an export wrote, `extra` the
    spec's other columns (those in spec.extras). `match` is the spec's: the existing record the
    row updates."""

    __slots__ = ("line", "values", "unit_id", "pk", "extra", "ok", "match")

    def __init__(self, line: int, values=None, pk=None, unit_id=None, extra=_NO_EXTRA):
        self.line = line
        self.values: dict = {} if values is None else values
        self.unit_id: int | None = unit_id
        self.pk: int | None = pk
        self.extra = extra
        self.ok = True
        self.match: int | None = None


@dataclass
class Sheet:
    spec: Spec
    header_line: int
    columns: dict[str, int]  # key -> column index
    headers: dict[str, str]  # key -> header as written
    rows: list[Row]
    errors: list[SheetError]
    examples: list[int] = field(default_factory=list)  # the template's example rows, skipped
    options: dict = field(default_factory=dict)  # what the person chose besides the file (run)

    def has(self, key: str) -> bool:
        return key in self.columns

    def col(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        return next(c.header for c in self.spec.columns if c.key == key)

    def error(self, r: Row, key: str, message: str) -> None:
        """A problem of row `r` in column `key` (the row is then not written)."""
        self.errors.append(SheetError(r.line, self.col(key), message))
        r.ok = False

    def fail(self) -> None:
        """Raise ImportFailed with every problem found, in row and column order."""
        order = {self.headers[k]: i for k, i in self.columns.items()}
        self.errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", -1)))
        raise ImportFailed(self.errors)


def read_header(
    rows: list[list], columns, *, missing: str, optional: frozenset[str] = frozenset()
) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index of the header row, key -> column index, key -> header as written); ImportFailed
    naming every unknown, repeated or missing column. `optional`: required keys that may be
    absent this time."""
    if not rows or not any(parsing.normalise_text(c) for r in rows[:50] for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    return sheet_columns.read_header(rows, columns, optional=optional, missing=missing)


def _blank(raw: list) -> bool:
    """No cell with anything but spaces in it (the first filled cell ends the look)."""
    for c in raw:
        if c is None or c == "":
            continue
        if type(c) is str and not parsing.normalise_text(c):
            continue
        return False
    return True


# A first cell that starts with one of these may be blank after all: _blank decides.
_SPACE_LIKE = frozenset(parsing.STRIPPED)


def _kept(rows: list[list], h: int, sheet: Sheet) -> tuple[list[int], list[list]]:
    """(line numbers, rows) of the data rows under the header `h`: blank rows dropped, the
    template's example rows noted in sheet.examples and dropped; ImportFailed when none is
    left."""
    data = rows[h + 1 :]
    if _all_usual(data):
        sheet.examples = []
        return list(range(h + 2, h + 2 + len(data))), data
    lines, raws, examples = [], [], []
    mark = excel.EXAMPLE_MARK
    for i, raw in enumerate(data, start=h + 2):
        # The usual row starts with a text cell whose first character is no space: neither
        # blank, nor an example unless that cell starts with the mark (excel.is_example).
        first = raw[0] if raw else None
        if type(first) is str and first and not first[0].isspace() and first[0] not in _SPACE_LIKE:
            example = first.startswith(mark)
        elif _blank(raw):
            continue
        else:
            example = excel.is_example(raw)
        if example:
            examples.append(i)
        else:
            lines.append(i)
            raws.append(raw)
    sheet.examples = examples
    if examples and not raws:
        raise excel.only_examples(examples)
    if not raws:
        raise ImportFailed([SheetError(h + 1, None, _("表头下面没有任何数据行。"))])
    return lines, raws


def _all_usual(data: list[list]) -> bool:
    """Whether every row is the usual one of _kept (a first text cell whose first character is
    no space and not the example mark's): told for the whole sheet at once, in C."""
    try:
        firsts = list(map(operator.itemgetter(0), data))
        if not firsts or set(map(type, firsts)) != {str}:
            return False
        initials = set(map(operator.itemgetter(0), firsts))
    except IndexError:  # an empty row, or an empty first cell: row by row
        return False
    mark = excel.EXAMPLE_MARK[0]
    return not any(c.isspace() or c in _SPACE_LIKE or c == mark for c in initials)


def _many(fn, cells) -> list | None:
    """The column read at once by the parser's `many` (cells.text, cells.code), or None: no
    such reader, or a cell it leaves to be read on its own."""
    many = getattr(fn, "many", None)
    return many(cells) if many is not None else None


def _apply(fn, value):
    """fn(value), or the ParseError it raised."""
    try:
        return fn(value)
    except ParseError as e:
        return e


def read(
    spec: Spec,
    rows: list[list],
    units: UnitIndex,
    *,
    default_unit: int | None,
    data: bytes = b"",
    options: dict | None = None,
) -> Sheet:
    """The sheet parsed and checked row by row for `spec`; `default_unit`: the unit of rows that
    leave the unit column empty (or of a sheet without one); `data`: the file (for a spec's
    merged-cell policy); `options`: the import's options (sheet.options)."""
    columns = spec.columns
    h, found, headers = (spec.header or read_header)(
        rows,
        columns,
        missing=str(spec.missing),
        optional=frozenset({UNIT}) if default_unit else frozenset(),
    )
    if spec.merged is not None:
        rows = spec.merged(data, rows, h, found, headers)
    parsers = spec.parsers(units)
    if spec.unit_column:
        parsers[UNIT] = units.resolve
    sheet = Sheet(spec, h + 1, found, headers, [], [], options=dict(options or {}))
    errors = sheet.errors
    lines, raws = _kept(rows, h, sheet)
    n = len(raws)
    # The sheet as columns (CSV rows may be ragged: padded first).
    width = max(found.values()) + 1
    if min(map(len, raws)) < width:
        raws = [raw if len(raw) >= width else [*raw, *[None] * (width - len(raw))] for raw in raws]
    cells_of = list(zip(*raws, strict=False))
    bad: dict[int, set[str]] = {}  # row index -> keys whose cell could not be read
    screened: set[int] = set()  # rows with a cell spec.screen refused: nothing else reported

    def err(i: int, key: str, message: str) -> None:
        if i in screened:
            return
        errors.append(SheetError(lines[i], headers[key], message))
        bad.setdefault(i, set()).add(key)

    if spec.screen is not None:
        screened = _screen(spec.screen, found, cells_of, err)
    parsed: dict[str, list] = {}
    for key, index in found.items():
        if key in spec.ignored:
            continue
        fn = parsers[key]
        cells = cells_of[index]
        if key in spec.distinct and (out := _many(fn, cells)) is not None:
            pass  # the whole column read at once, without a problem
        elif key in spec.distinct:
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
    if screened:
        _clear(parsed, screened, bad)
    for c in columns:
        if not spec.required_cells:
            break
        if not c.required or c.key not in parsed or (c.key == UNIT and default_unit):
            continue
        if c.key in spec.may_be_empty:
            continue
        values = parsed[c.key]
        if None not in values and "" not in values:  # the usual column: looked through in C
            continue
        for i, v in enumerate(values):
            if (v is None or v == "") and c.key not in bad.get(i, ()):
                err(i, c.key, _("必填，不能为空。"))
    for key, default in spec.defaults.items():
        if key in parsed and None in parsed[key]:
            parsed[key] = [default if v is None else v for v in parsed[key]]

    none = [None] * n
    pks = parsed.pop(PK, none)
    unit_ids = parsed.pop(UNIT, none)
    extras = {k: (parsed.pop(k), empty) for k, empty in spec.extras.items() if k in parsed}
    keys = list(parsed)
    dicts = (
        list(map(dict, map(functools.partial(zip, keys), zip(*parsed.values(), strict=True))))
        if keys
        else [{} for _i in range(n)]
    )
    units_of = unit_ids if default_unit is None else [u or default_unit for u in unit_ids]
    if any(UNIT in failed for failed in bad.values()):
        units_of = list(units_of)
        for i, failed in bad.items():
            if UNIT in failed:
                units_of[i] = None
    extra_dicts = itertools.repeat(_NO_EXTRA, n)
    if extras:
        # Each row its own empty list where its cell is empty (a check may change it).
        filled = [
            [v or (empty.copy() if type(empty) is list else empty) for v in values]
            for values, empty in extras.values()
        ]
        extra_dicts = map(
            dict, map(functools.partial(zip, list(extras)), zip(*filled, strict=True))
        )
    rows_out = sheet.rows
    rows_out.extend(map(Row, lines, dicts, pks, units_of, extra_dicts))
    for i in bad:
        rows_out[i].ok = False
    check = spec.row_check
    if check is not None:
        for r in rows_out:
            if r.ok:
                check(sheet, r)
    return sheet


def _screen(screen, found: dict[str, int], cells_of: list, err) -> set[int]:
    """The rows (indexes) with a cell `screen` refuses, each such cell reported."""
    screened: set[int] = set()
    for key, index in found.items():
        refused = {value: _apply(screen, value) for value in set(cells_of[index])}
        if not any(type(v) is ParseError for v in refused.values()):
            continue
        for i, value in enumerate(cells_of[index]):
            problem = refused[value]
            if type(problem) is ParseError:
                err(i, key, problem.message)
                screened.add(i)
    return screened


def _clear(parsed: dict[str, list], screened: set[int], bad: dict[int, set[str]]) -> None:
    """A screened row reports its refused cells alone: its values empty, its other problems
    dropped (every key counted as bad, so no check looks at it)."""
    keys = set(parsed)
    for i in screened:
        for out in parsed.values():
            out[i] = None
        bad[i] = keys | bad[i]
