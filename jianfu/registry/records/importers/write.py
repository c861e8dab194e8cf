"""Writing a checked registry sheet: new records as plain column values in one pass, updates only
where something changes, co-issuers or targets replaced, meetings merged into new ones linked
last; and the preview of what a file changes in existing records (RecordUpdates).

Whether a record counts against the quota is derived (kinds.Kind.derive, the counting rules in
force), never read from the file.

Speed (bench/import_registry.py): new rows written column by column as plain values (multi-row
INSERT on SQLite, COPY on PostgreSQL — bulk_create's per-value compilation was three quarters of
the time: core.bulk.insert_columns), without a dict or model instance per row; derived once per
distinct combination of what the derivation reads (the counting class's derive_inputs); one
rollup refresh.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from dataclasses import dataclass

from django.db import models

from jianfu.core import bulk, parsing
from jianfu.core.bulk import chunks
from jianfu.core.imports import Row, Sheet, UnitIndex, Updates, Written
from jianfu.core.imports.previews import raw
from jianfu.core.models import ImportRecord, User

from ... import counting, rollup
from ...kinds import KINDS
from ...models import Meeting, MeetingForm
from .columns import (
    CO_UNITS,
    COLUMNS,
    COUNTED,
    DEFAULTS,
    DERIVED,
    MERGED,
    MODELS,
    UNIT,
    WRITTEN,
    ChoiceParsers,
    typed,
)


@dataclass
class Change:
    """What the file does to one existing record: its new state (not yet saved; None when
    nothing changes), the fields that change, and the co-issuers or targets it adds."""

    row: Row
    obj: object
    fields: list[str]
    co_added: list[int]


def updates_of(kind: str, sheet: Sheet, p, rules) -> list[Change]:
    """One Change per row matched to an existing record: the file's values over the current
    ones, derived fields derived again. Reads nothing and writes nothing (the preview and the
    write both use it). A record is built only for a row that changes something: a file
    imported again is mostly rows that change nothing, and building 100,000 model instances
    was most of its time; derive runs once per distinct combination of what it reads."""
    model, k = MODELS[kind], KINDS[kind]
    written, derived = WRITTEN[kind], DERIVED[kind]
    compared = (*written, *derived)
    end, start = k.end_field, k.date_field
    merges, forms = sheet.has(MERGED), sheet.has("form")
    derived_of: dict[tuple, dict] = {}
    out = []
    for r in p.updates:
        current = p.existing[r.match]
        values = {f: current[f] for f in compared}
        values.update(r.values)
        values.pop(COUNTED, None)
        values["unit_id"] = r.unit_id
        if merges:
            if id(r) in p.merged_pks:
                values["merged_with_id"] = p.merged_pks[id(r)]
            elif id(r) in p.merged_rows:
                target = p.merged_rows[id(r)]
                values["merged_with_id"] = target.match if target.match else -1
            elif forms and values.get("form") != MeetingForm.MERGED:
                values["merged_with_id"] = None  # the file says it is not a merged meeting
            # else an empty 合并到 leaves the meeting's link as it is
        if end and end not in r.values and values[end] < values[start]:
            values[end] = values[start]  # the file moved the start past the end
        values.update(_derived(k, model, values, rules, derived_of))
        if values.get("merged_with_id") == -1:
            values["merged_with_id"] = None  # set by the write, after the creates
        fields = [f for f in compared if values[f] != current[f]]
        held = p.existing_co.get(r.match, set())
        co_added = [u for u in (r.extra.get(CO_UNITS) or ()) if u not in held]
        obj = model(pk=r.match, **values) if fields or co_added else None
        out.append(Change(r, obj, fields, co_added))
    return out


def write(kind: str, sheet: Sheet, p, changes: list[Change], record: ImportRecord, by, now):
    """Write what `plan` and `updates_of` found (`changes`: updates_of(kind, sheet, p, rules)),
    then refresh the rollup of the (unit, year) pairs touched."""
    out, pairs, created = _write(kind, sheet, p, record, by, now, changes)
    category = KINDS[kind].category
    # What updates touch is read back (a record may leave one unit's month for another's); the
    # new records are added from the values just written, which are all the rollup sums.
    units, years = {u for u, _y in pairs}, {y for _u, y in pairs}
    if created and not rollup.add_created(category, created, set(itertools.product(units, years))):
        units |= set(created["unit_id"])
        years |= set(_years(created[KINDS[kind].date_field]))
    if units:
        rollup.refresh(category, units, years)
    return out


def _write(kind: str, sheet: Sheet, p, record: ImportRecord, by, now, changes: list[Change]):
    model, k = MODELS[kind], KINDS[kind]
    date_field, end_field = k.date_field, k.end_field
    rules = counting.Rules.current()
    user_id = by.pk if isinstance(by, User) else None
    defaults = DEFAULTS[kind]
    pairs: set[tuple[int, int]] = set()

    # Creates, column by column (no dict or model instance per row: they were most of the time
    # for 100,000 rows): every field at its default, then the sheet's columns. `counted` and the
    # grassroots flags come from Kind.derive, run on a model instance once per distinct
    # combination of what it reads.
    creates = p.creates
    n = len(creates)
    base = {
        f.attname: f.get_default() if f.has_default() else None
        for f in model._meta.concrete_fields
        if not f.primary_key
    }
    base |= defaults | {
        "import_record_id": record.pk,
        "created_by_id": user_id,
        "created_at": now,
        "updated_at": now,
    }
    columns: dict[str, list | bulk.Same] = {a: bulk.Same(v) for a, v in base.items()}
    values = [r.values for r in creates]
    for key in set().union(*values) & base.keys():
        try:
            columns[key] = list(map(operator.itemgetter(key), values))
        except KeyError:  # a row without the key (a row check's doing): the default there
            columns[key] = [v.get(key, base[key]) for v in values]
    columns["unit_id"] = [r.unit_id for r in creates]
    if kind == "meeting" and (p.merged_pks or p.merged_rows):
        # merged into an existing meeting, or into one of this file (an update's own id, or -1
        # while derived: set below, once the new one has its id)
        columns["merged_with_id"] = [
            p.merged_pks[id(r)]
            if id(r) in p.merged_pks
            else ((p.merged_rows[id(r)].match or -1) if id(r) in p.merged_rows else None)
            for r in creates
        ]
    elif kind != "meeting" and end_field and type(columns[end_field]) is list:
        starts = _column(columns[date_field], n)
        columns[end_field] = [
            s if e is None else e for e, s in zip(columns[end_field], starts, strict=True)
        ]
    elif kind != "meeting" and end_field:
        columns[end_field] = columns[date_field]  # no end in the file: one day
    _derive_columns(k, model, columns, n, rules)
    if type(columns.get("merged_with_id")) is list:
        columns["merged_with_id"] = [None if m == -1 else m for m in columns["merged_with_id"]]
    dates = _column(columns[date_field], n)
    created = {key: _column(column, n) for key, column in columns.items()} if n else {}
    # By unit and date: the indexes (unit, date), (unit, 文号) … are then written in order, a
    # quarter faster than in the file's order (SQLite, 100,000 rows).
    order = _order(columns["unit_id"], dates)
    ids = bulk.insert_columns(model, columns, n, ids_by="import_record_id", order=order) or []
    created_pk = dict(zip(map(id, map(creates.__getitem__, order)), ids, strict=True))
    created_ids = sorted(ids)

    # Updates: the file's values over the current ones; only what changes is written.
    changed_objs, changed_fields, key_moves = [], set(), []
    updated_ids = []
    for c in changes:
        obj, current = c.obj, p.existing[c.row.match]
        if c.fields:
            changed_objs.append(obj)
            changed_fields.update(c.fields)
            if "external_id" in c.fields or "number" in c.fields or "unit_id" in c.fields:
                key_moves.append(obj)
        if c.fields or c.co_added:
            updated_ids.append(c.row.match)
            pairs.add((current["unit_id"], getattr(current[date_field], "year", 0)))
            pairs.add((obj.unit_id, getattr(obj, date_field).year))
    if changed_objs:
        # Keys that move between records of one file: free them first, so the unique
        # constraints never see two holders between statements.
        blank = [f for f in ("external_id", "number") if f in changed_fields]
        if key_moves and blank:
            for chunk in chunks([o.pk for o in key_moves]):
                model.objects.filter(pk__in=chunk).update(**dict.fromkeys(blank, ""))
        for o in changed_objs:
            o.updated_at = now
        bulk.update_many(model, changed_objs, sorted(changed_fields | {"updated_at"}))

    # Meetings merged into meetings this file created.
    if kind == "meeting" and p.merged_rows:
        late = [
            Meeting(pk=_record_pk(r, created_pk), merged_with_id=_record_pk(target, created_pk))
            for r in [*p.creates, *p.updates]
            if (target := p.merged_rows.get(id(r))) is not None and target.match is None
        ]
        bulk.update_many(model, late, ["merged_with_id"])

    # Co-issuers or targets: a new record gets the file's list; an existing one keeps its own and
    # gains the units the file adds (a link the file does not mention is never dropped).
    if sheet.has(CO_UNITS) and k.co_field:
        through, src = k.co_through()
        links = [
            {src: _record_pk(r, created_pk), "unit_id": u}
            for r in p.creates
            for u in (r.extra.get(CO_UNITS) or ())
        ]
        links += [{src: c.row.match, "unit_id": u} for c in changes for u in c.co_added]
        bulk.insert_many(through, links)
    unit_ids = {u for u, _y in pairs} | set(created.get("unit_id", ()))
    return Written(created_ids, sorted(updated_ids), unit_ids), pairs, created


def _record_pk(r: Row, created: dict[int, int]) -> int:
    """The id of the record a row wrote: the one it updated, or the one it created (`created`:
    id(row) -> the new record's id)."""
    return r.match if r.match is not None else created[id(r)]


def _column(column, n: int) -> list:
    return [column.value] * n if type(column) is bulk.Same else column


def _order(unit_ids: list[int], dates: list) -> list[int]:
    """The rows' indexes by unit and date, sorted on one integer each (its parts computed once
    per distinct date object and spread in C)."""
    by_id = dict(zip(map(id, dates), dates, strict=True))
    ordinal = {key: d.toordinal() for key, d in by_id.items()}
    days = map(ordinal.__getitem__, map(id, dates))
    keys = list(map(operator.add, map(operator.mul, unit_ids, itertools.repeat(1 << 22)), days))
    return sorted(range(len(keys)), key=keys.__getitem__)


def _years(dates: list) -> list[int]:
    """The year of each date, read once per distinct date object (a parsed column shares one
    per distinct cell)."""
    by_id = dict(zip(map(id, dates), dates, strict=True))
    year = {key: d.year for key, d in by_id.items()}
    return list(map(year.__getitem__, map(id, dates)))


def _derived(k, model, values: dict, rules, known: dict[tuple, dict]) -> dict:
    """Kind.derive's fields for a record of these values: derived on a model instance once per
    distinct combination of what derive reads (`known`: those derived so far, by derive_key)."""
    key = k.counting.derive_key(values)
    hit = known.get(key)
    if hit is None:
        derived = DERIVED[k.code]
        probe = model(**{a: v for a, v in values.items() if a not in derived})
        k.derive(probe, rules)
        hit = known[key] = {f: getattr(probe, f) for f in derived}
    return hit


def _derive_columns(k, model, columns: dict, n: int, rules) -> None:
    """Kind.derive's fields (counted, the grassroots flag) as columns: derived on a model
    instance once per distinct combination of what derive reads (the counting class's
    derive_inputs), found per row by the objects' identities, then by their values."""
    derived = DERIVED[k.code]
    inputs = [_column(columns[a], n) for a in k.counting.derive_inputs]
    keys = list(zip(*[map(id, c) for c in inputs], strict=True)) if inputs else [()] * n
    first = dict(zip(reversed(keys), range(n - 1, -1, -1), strict=True))  # key -> first row
    by_value: dict[tuple, dict] = {}
    of_key: dict[tuple, dict] = {}
    for key, i in first.items():
        row = {a: (c.value if type(c) is bulk.Same else c[i]) for a, c in columns.items()}
        of_key[key] = _derived(k, model, row, rules, by_value)
    for f in derived:
        column = {key: hit[f] for key, hit in of_key.items()}
        columns[f] = list(map(column.__getitem__, keys))


# --- Preview ------------------------------------------------------------------------------------


class RecordUpdates(Updates):
    """What a registry file changes in existing records, as the preview shows it and the batch's
    audit entry keeps it."""

    def __init__(self, kind: str):
        self.kind = kind

    def of(self, sheet: Sheet, plan) -> list[Change]:
        return updates_of(self.kind, sheet, plan, counting.Rules.current())

    def changed(self, c: Change) -> bool:
        return bool(c.fields or c.co_added)

    def state(self, p, changes: list[Change]) -> dict:
        """The rows that create, and every change with its old and new values."""
        return {
            "creates": [r.line for r in p.creates],
            "changes": [
                [
                    c.row.line,
                    c.row.match,
                    {
                        f: [raw(p.existing[c.row.match][f]), raw(getattr(c.obj, f))]
                        for f in c.fields
                    },
                    sorted(c.co_added),
                ]
                for c in changes
            ],
        }

    def old_values(self, p, changes: list[Change]) -> dict:
        """{"<id>.<field>": [old, new]} of every change (co-issuers or targets as id lists)."""
        out = {}
        for c in changes:
            pk, current = c.row.match, p.existing[c.row.match]
            for f in c.fields:
                out[f"{pk}.{f}"] = [raw(current[f]), raw(getattr(c.obj, f))]
            if c.co_added:
                held = sorted(p.existing_co.get(pk, set()))
                out[f"{pk}.{CO_UNITS}"] = [held, sorted({*held, *c.co_added})]
        return out

    def describe(self, sheet: Sheet, p, changes: list[Change], units: UnitIndex) -> list[dict]:
        labels = _Labels(self.kind, units)
        out = []
        for c in changes:
            current = p.existing[c.row.match]
            fields = [
                [labels.header(f), labels.value(f, current[f]), labels.value(f, getattr(c.obj, f))]
                for f in c.fields
            ]
            if c.co_added:
                held = sorted(p.existing_co.get(c.row.match, set()))
                fields.append(
                    [
                        labels.header(CO_UNITS),
                        labels.units(held),
                        labels.units([*held, *c.co_added]),
                    ]
                )
            line, pk = c.row.line, c.row.match
            out.append({"line": line, "pk": pk, "title": current["title"], "fields": fields})
        return out


class _Labels:
    """Fields and values as the person reads them in the file."""

    def __init__(self, kind: str, units: UnitIndex):
        self.kind, self.units_index = kind, units
        self.headers = {c.key: c.header for c in COLUMNS[kind]}
        self.headers |= {"unit_id": self.headers[UNIT], "merged_with_id": self.headers.get(MERGED)}
        model = MODELS[kind]
        names = {f.name: f for f in model._meta.concrete_fields}
        grassroots = KINDS[kind].grassroots_field
        if grassroots:
            self.headers[grassroots] = str(names[grassroots].verbose_name)
        ch = ChoiceParsers()
        self.choices = ch.of(kind)
        self.levels, self.level_fields = ch.levels, typed(kind, models.JSONField)
        self.meetings: dict[int, str] = {}  # merge targets' titles, read once each

    def header(self, f: str) -> str:
        if f == "counted":
            return self.headers[COUNTED]
        return self.headers.get(f) or f

    def units(self, ids) -> str:
        return "、".join(self._unit(u) for u in ids) or "—"

    def _unit(self, pk) -> str:
        info = self.units_index.info.get(pk)
        return info[1] if info else str(pk)

    def value(self, f: str, v) -> str:
        if v is None or v == "" or v == []:
            return "—"
        if f == "unit_id":
            return self._unit(v)
        if f == "merged_with_id":
            if v not in self.meetings:
                self.meetings[v] = (
                    Meeting.objects.filter(pk=v).values_list("title", flat=True).first() or ""
                )
            return f"{self.meetings[v]}（{v}）" if self.meetings[v] else str(v)
        if f in self.choices:
            return str(self.choices[f].labels.get(v, v))
        if f in self.level_fields:
            return parsing.join_labels(v, self.levels)
        if isinstance(v, bool):
            return parsing.yes_no(v)
        if isinstance(v, dt.time):
            return v.strftime("%H:%M")
        if isinstance(v, dt.date):
            return v.isoformat()
        text = str(v)
        return text if len(text) <= 80 else text[:80] + "…"
