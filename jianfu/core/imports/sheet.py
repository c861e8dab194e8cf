"""Reading a sheet for a spec: the header matched to its columns, blank and example rows dropped,
every cell parsed, required cells checked, defaults filled, then the spec's check of each row.

Column by column: a column whose values repeat (units, kinds, dates, levels, yes/no, counts) is
parsed once per distinct value, the columns the spec calls `distinct` cell by cell. Problems are
collected in `sheet.errors`, not raised, so the checks against the database can add theirs and
one attempt reports every problem.
"""

from __future__ import annotations

import functools
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
    spec's other columns (those in spec.extras). `match` and `obj` are the spec's: the existing
    record the row updates, and what it wrote."""

    __slots__ = ("line", "values", "unit_id", "pk", "extra", "ok", "match", "obj")

    def __init__(self, line: int, values=None, pk=None, unit_id=None, extra=_NO_EXTRA):
        self.line = line
        self.values: dict = {} if values is None else values
        self.unit_id: int | None = unit_id
        self.pk: int | None = pk
        self.extra = extra
        self.ok = True
        self.match: int | None = None
        self.obj = None


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
        if key in spec.distinct:
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
        for i, v in enumerate(parsed[c.key]):
            if (v is None or v == "") and c.key not in bad.get(i, ()):
                err(i, c.key, _("必填，不能为空。"))
    for key, default in spec.defaults.items():
        if key in parsed:
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
    check = spec.row_check
    rows_out = sheet.rows
    for i in range(n):
        failed = bad.get(i)
        r = Row(
            lines[i],
            dicts[i],
            pks[i],
            None if failed and UNIT in failed else (unit_ids[i] or default_unit),
        )
        if extras:
            r.extra = {
                k: values[i] or (empty.copy() if type(empty) is list else empty)
                for k, (values, empty) in extras.items()
            }
        if failed:
            r.ok = False
        elif check is not None:
            check(sheet, r)
        rows_out.append(r)
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
