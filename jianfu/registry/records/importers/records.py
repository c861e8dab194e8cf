"""Documents, meetings and inspections as import specs: each kind's columns (columns.py), the
cell parsers (from the model fields), the rules within one row (registry.validation, named by
kinds.Kind.row_check), and the checks against the database; the write and the preview of changes
are in write.py. The runner (core.imports) does the rest.

Which existing record a row updates (so importing a file twice adds nothing):
1. 系统编号 — the record's id, written by exports, so an exported sheet edited and re-imported
   updates the records it came from;
2. else the unit and 外部编号 (the OA system's own key);
3. else, for documents, the unit and 文号;
4. else a row with none of these keys is the same record as an existing one without keys of the
   same unit, date and title (matched one to one, so two same-titled notices on one day stay two).
Two rows of the file naming one record, or one 文号 or 外部编号, are an error naming both rows; so
is a 文号 another record of the unit already holds.

Whether a record counts against the quota is derived (kinds.Kind.derive, the counting rules in
force), never read from the file: exports show it in a column that imports ignore.
"""

from __future__ import annotations

import operator
from collections import defaultdict, deque
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import excel, parsing
from jianfu.core.bulk import CHUNK, chunks
from jianfu.core.imports import PK, Row, Sheet, Spec, UnitIndex, cells

from ...kinds import KINDS
from ...models import Meeting, MeetingForm
from .. import services
from .columns import (
    CO_UNITS,
    COLUMNS,
    COUNTED,
    CURRENT,
    DATE_FIELD,
    DEFAULTS,
    MERGED,
    MODELS,
    PSEUDO,
    ChoiceParsers,
)


@dataclass
class Plan:
    creates: list[Row]
    updates: list[Row]  # rows matched to an existing record (written only where they change)
    existing: dict[int, dict]  # pk -> current values of the matched records
    existing_co: dict[int, set[int]]  # pk -> current co-issuers / targets
    merged_rows: dict[int, Row]  # id(row) -> the in-file row it merges into
    merged_pks: dict[int, int]  # id(row) -> the existing meeting it merges into


# --- Cells --------------------------------------------------------------------------------------


def _parsers(kind: str, units: UnitIndex) -> dict:
    """key -> function(cell) -> value, raising ParseError (the unit column is the runner's): the
    pseudo-columns' own, the choices', and the rest from the model field (_cell)."""
    k = KINDS[kind]
    ch = ChoiceParsers()
    date = cells.date()

    def levels(value):
        return parsing.parse_levels(value, ch.levels)

    parsers = {
        PK: cells.record_id,
        CO_UNITS: cells.units_list(units),
        MERGED: cells.code(80),  # a meeting's 外部编号 or 系统编号
        **ch.of(kind),
    }
    limits = dict(k.limits)
    for c in COLUMNS[kind]:
        if c.key not in parsers and c.key not in PSEUDO:
            parsers[c.key] = _cell(k.model._meta.get_field(c.key), limits, date, levels)
    return parsers


# Text people copy from another system (外部编号, 文号): read as codes (cells.code).
_CODES = frozenset({"external_id", "number"})


def _cell(f, limits: dict[str, int], date, levels):
    """The parser of a column that is the model field `f`: counts within the kind's limits
    (kinds.Kind.limits), dates within the accepted range, times, yes or no, lists of levels
    (the registries' only JSON fields), text within the field's length."""
    if f.name in limits:
        return cells.count(limits[f.name])
    if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
        return date
    if isinstance(f, models.TimeField):
        return parsing.parse_time
    if isinstance(f, models.BooleanField):
        return parsing.parse_bool
    if isinstance(f, models.JSONField):
        return levels
    if isinstance(f, models.TextField):
        return cells.text(1_000_000, multiline=True)
    if isinstance(f, models.CharField):
        return cells.code(f.max_length) if f.name in _CODES else cells.text(f.max_length)
    raise TypeError(f"no cell parser for {f!r}: add its count to Kind.limits, or a parser here")


# Columns whose values are mostly distinct: parsed cell by cell. The others repeat (units, kinds,
# dates, levels, yes/no, counts) and are parsed once per distinct value.
_DISTINCT = frozenset({PK, "external_id", "number", "title", "full_text"})


# --- Against the database -----------------------------------------------------------------------


def _record_label(pk: int, title: str) -> str:
    return _("已登记的记录（系统编号 %(pk)s，“%(t)s”）") % {"pk": pk, "t": title[:40]}


def plan(kind: str, sheet: Sheet, units: UnitIndex) -> Plan:
    """Match rows to existing records, check keys within the file and against the database;
    raise ImportFailed with every problem found (the sheet's own included)."""
    model = MODELS[kind]
    date_field = DATE_FIELD[kind]
    # Rows with a unit take part in the key checks even when another cell is bad, so one
    # attempt reports every problem.
    rows = [r for r in sheet.rows if r.unit_id is not None]

    err = sheet.error

    # 系统编号: the record must exist and lie in the importer's scope.
    by_pk: dict[int, dict] = {}
    for chunk in chunks([r.pk for r in rows if r.pk]):
        for values in model.objects.filter(pk__in=chunk).values(*CURRENT[kind]):
            if units.covers(values["unit_id"]):
                by_pk[values["id"]] = values
    for r in rows:
        if r.pk and r.pk not in by_pk:
            err(r, PK, _("系统编号 %(pk)s 的记录不存在或不在您的范围内。") % {"pk": r.pk})
            r.pk = None

    # The keys the involved units' records hold now: one query per 500 units.
    involved = {r.unit_id for r in rows} | {v["unit_id"] for v in by_pk.values()}
    owners: dict[str, dict[tuple[int, str], int]] = {"external_id": {}, "number": {}}
    held: dict[int, tuple[str, str, str]] = {}  # pk -> (external id, number, title)
    is_doc = any(c.key == "number" for c in COLUMNS[kind])  # 文号: a key beside 外部编号
    keyed = (~Q(external_id="") | ~Q(number="")) if is_doc else ~Q(external_id="")
    fields = ["pk", "unit_id", "external_id", "title", *(["number"] if is_doc else [])]
    for chunk in chunks(sorted(involved)):
        for values in (
            model.objects.filter(keyed, unit_id__in=chunk).order_by().values_list(*fields)
        ):
            pk, unit_id, ext, title = values[:4]
            number = values[4] if is_doc else ""
            held[pk] = (ext, number, title)
            if ext:
                owners["external_id"][(unit_id, ext)] = pk
            if number:
                owners["number"][(unit_id, number)] = pk

    # Rows without any key: the same unit, date and title as an existing record without keys.
    loose = [
        r
        for r in rows
        if not r.pk
        and not r.values.get("external_id")
        and not r.values.get("number")
        and r.values.get(date_field)
        and r.values.get("title")
    ]
    pool: dict[tuple, deque] = defaultdict(deque)
    if loose:
        days = [r.values[date_field] for r in loose]
        blank = Q(external_id="", number="") if is_doc else Q(external_id="")
        span = {f"{date_field}__gte": min(days), f"{date_field}__lte": max(days)}
        for chunk in chunks(sorted({r.unit_id for r in loose})):
            qs = (
                model.objects.filter(blank, unit_id__in=chunk, **span)
                .order_by("pk")
                .values_list("pk", "unit_id", date_field, "title")
            )
            for pk, unit_id, day, title in qs:
                pool[(unit_id, day, title)].append(pk)

    # The record each row updates (none when the units hold no keys yet and no row names a
    # record: a first import).
    claimed: dict[int, Row] = {}
    may_match = by_pk or owners["external_id"] or owners["number"] or pool
    for r in rows if may_match else ():
        v = r.values
        ext, number = v.get("external_id") or "", v.get("number") or ""
        match, how = None, None
        if r.pk:
            match, how = r.pk, PK
        else:
            if ext:
                match, how = owners["external_id"].get((r.unit_id, ext)), "external_id"
            if match is None and number:
                match, how = owners["number"].get((r.unit_id, number)), "number"
                if match is not None and ext and held[match][0] not in ("", ext):
                    # the 文号 belongs to another OA document: reported below as taken
                    match = None
            if match is None and not ext and not number and pool:
                candidates = pool.get((r.unit_id, v.get(date_field), v.get("title")))
                if candidates:
                    match, how = candidates.popleft(), "title"
        if match is None:
            continue
        first = claimed.get(match)
        if first is not None:
            title = held[match][2] if match in held else by_pk.get(match, {}).get("title", "")
            err(
                r,
                how,
                _("与第 %(a)s 行是同一条%(record)s，同一记录只能出现一次。")
                % {"a": first.line, "record": _record_label(match, title)},
            )
            continue
        claimed[match] = r
        r.match = match

    # After the file, each 外部编号 and 文号 is held once per unit: not twice in the file, and
    # not by a record the file leaves holding it.
    for key in ("external_id", "number"):
        if not sheet.has(key):
            continue
        if _keys_free(rows, key, owners[key]):
            continue
        what = _("外部编号") if key == "external_id" else _("文号")
        in_file: dict[tuple[int, str], Row] = {}
        for r in rows:
            value = r.values.get(key) or ""
            if not value:
                continue
            k = (r.unit_id, value)
            first = in_file.get(k)
            if first is not None:
                err(
                    r,
                    key,
                    _("%(what)s“%(v)s”重复：第 %(a)s 行和第 %(b)s 行是同一单位的同一%(what)s。")
                    % {"what": what, "v": value, "a": first.line, "b": r.line},
                )
                continue
            in_file[k] = r
            holder = owners[key].get(k)
            if holder is None or holder == r.match:
                continue
            rewriter = claimed.get(holder)
            if (
                rewriter is not None
                and (
                    rewriter.unit_id,
                    rewriter.values.get(key) or "",
                )
                != k
            ):
                continue  # the file gives the holder another key
            if rewriter is not None:
                continue  # both rows in the file: reported as a duplicate above or below
            err(
                r,
                key,
                _("%(what)s“%(v)s”已被本单位另一条%(record)s使用。")
                % {"what": what, "v": value, "record": _record_label(holder, held[holder][2])},
            )

    merged_rows: dict[int, Row] = {}
    merged_pks: dict[int, int] = {}
    if sheet.has(MERGED):
        _plan_merges(sheet, rows, units, owners["external_id"], merged_rows, merged_pks, err)

    if sheet.errors:
        sheet.fail()

    # Current values of the matched records, to write only what changes.
    existing: dict[int, dict] = dict(by_pk)
    matched = {r.match for r in rows if r.match is not None}
    need = matched - existing.keys()
    # A key matches a record of the row's own unit; a 系统编号 one of any unit in scope.
    units_held = {r.unit_id for r in rows if r.match in need} | {
        v["unit_id"] for v in by_pk.values()
    }
    by_units = _mostly_held(model, matched, units_held)
    for qs in _holding(model.objects.all(), need, units_held, by_units, "pk", "unit"):
        for values in qs.values(*CURRENT[kind]):
            if values["id"] in need:
                existing[values["id"]] = values
    existing_co: dict[int, set[int]] = defaultdict(set)
    if sheet.has(CO_UNITS) and KINDS[kind].co_field:
        through, src = KINDS[kind].co_through()
        links = through.objects.all()
        for qs in _holding(links, matched, units_held, by_units, src, f"{src}__unit"):
            for pk, unit_id in qs.values_list(src, "unit_id"):
                if pk in matched:
                    existing_co[pk].add(unit_id)
    creates = [r for r in rows if r.match is None]
    updates = [r for r in rows if r.match is not None]
    return Plan(creates, updates, existing, existing_co, merged_rows, merged_pks)


def _mostly_held(model, pks: set[int], unit_ids: set[int]) -> bool:
    """Whether the records `pks` are most of what `unit_ids` hold (a file imported again), and
    more than one query's worth of ids: then they are read by unit, not by id."""
    return len(pks) > CHUNK and 2 * len(pks) >= sum(
        model.objects.filter(unit_id__in=chunk).count() for chunk in chunks(sorted(unit_ids))
    )


def _holding(qs, pks: set[int], unit_ids: set[int], by_units: bool, record: str, unit: str):
    """Querysets of `qs` that together hold every row of the records `pks` (held by `unit_ids`),
    and maybe others: the caller keeps those of `pks`. By those units when `by_units`
    (_mostly_held: a query per 500 units instead of one per 500 ids, and 100,000 ids neither
    sent nor prepared), else by id. `record`, `unit`: qs's lookups of the record and its unit."""
    if not pks:
        return
    if by_units:
        for chunk in chunks(sorted(unit_ids)):
            yield qs.filter(**{f"{unit}__in": chunk})
    else:
        for chunk in chunks(sorted(pks)):
            yield qs.filter(**{f"{record}__in": chunk})


def _keys_free(rows: list[Row], key: str, owners: dict[tuple[int, str], int]) -> bool:
    """Whether every filled `key` (外部编号 or 文号) of the rows is once per unit in the file and
    held by no record of the unit: the usual file, told in C, without the row-by-row pass that
    names the problems."""
    values = list(map(operator.methodcaller("get", key), map(operator.attrgetter("values"), rows)))
    filled = len(values) - values.count("") - values.count(None)
    unit_ids = list(map(operator.attrgetter("unit_id"), rows))
    pairs = set(zip(unit_ids, values, strict=True))
    # The distinct pairs with an empty key ("" or None, as counted above): two per unit at most.
    empty = len(pairs & {(u, blank) for u in set(unit_ids) for blank in ("", None)})
    return len(pairs) - empty == filled and owners.keys().isdisjoint(pairs)


def _merged(r: Row) -> str:
    """What 合并到 names ("" when empty or absent)."""
    return r.extra.get(MERGED) or ""


def _plan_merges(sheet, rows, units, ext_owner, merged_rows, merged_pks, err) -> None:
    """Resolve 合并到: another meeting of the file (by 外部编号), or an existing one (by 外部编号
    within the unit, else by 系统编号 within the scope); refuse cycles."""
    in_file = {
        (r.unit_id, r.values.get("external_id")): r for r in rows if r.values.get("external_id")
    }
    by_number: list[tuple[Row, int]] = []
    for r in rows:
        merged = _merged(r)
        if not r.ok or not merged:
            continue
        target = in_file.get((r.unit_id, merged))
        if target is r or (r.match is not None and ext_owner.get((r.unit_id, merged)) == r.match):
            err(r, MERGED, _("会议不能与自身合并。"))
            continue
        if target is not None:
            merged_rows[id(r)] = target
            continue
        pk = ext_owner.get((r.unit_id, merged))
        if pk is not None:
            merged_pks[id(r)] = pk
        elif merged.isdigit():
            by_number.append((r, int(merged)))
        else:
            err(
                r,
                MERGED,
                _("找不到外部编号为“%(v)s”的会议：它既不在本文件中，也没有登记过。")
                % {"v": merged},
            )
    if by_number:
        found = {}
        for chunk in chunks([pk for _r, pk in by_number]):
            found.update(Meeting.objects.filter(pk__in=chunk).values_list("pk", "unit_id"))
        for r, pk in by_number:
            if pk not in found or not units.covers(found[pk]):
                err(
                    r,
                    MERGED,
                    _("找不到外部编号或系统编号为“%(v)s”的会议。") % {"v": _merged(r)},
                )
            elif pk == r.match:
                err(r, MERGED, _("会议不能与自身合并。"))
            else:
                merged_pks[id(r)] = pk
    # Cycles (A into B, B into A): follow each chain; existing meetings' own merges are read.
    row_of_pk = {r.match: r for r in rows if r.match is not None}
    next_of: dict = {}
    for r in rows:
        node = ("pk", r.match) if r.match is not None else ("row", id(r))
        if id(r) in merged_rows:
            t = merged_rows[id(r)]
            next_of[node] = ("pk", t.match) if t.match is not None else ("row", id(t))
        elif id(r) in merged_pks:
            next_of[node] = ("pk", merged_pks[id(r)])
        elif _merged(r) == "" and sheet.has(MERGED):
            next_of[node] = None
    # An empty 合并到 leaves an existing meeting's link as it is (write.updates_of), unless the
    # file says it is not a merged meeting: the kept links take part in the cycle check.
    kept = [
        r.match
        for r in rows
        if _merged(r) == ""
        and r.match is not None
        and not (sheet.has("form") and r.values.get("form") != MeetingForm.MERGED)
    ]
    for chunk in chunks(kept):
        for pk, target in Meeting.objects.filter(pk__in=chunk).values_list("pk", "merged_with_id"):
            next_of[("pk", pk)] = ("pk", target) if target else None
    frontier = {n[1] for n in next_of.values() if n and n[0] == "pk"} - {pk for pk in row_of_pk}
    seen: set[int] = set()
    for _round in range(20):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        found = dict(
            Meeting.objects.filter(pk__in=list(frontier)).values_list("pk", "merged_with_id")
        )
        frontier = set()
        for pk, target in found.items():
            if ("pk", pk) not in next_of:
                next_of[("pk", pk)] = ("pk", target) if target else None
                if target:
                    frontier.add(target)
    line_of = {("pk", r.match) if r.match is not None else ("row", id(r)): r for r in rows}
    reported: set = set()
    for start, r in line_of.items():
        walk, node = [], start
        while node is not None and node not in walk and len(walk) < 100:
            walk.append(node)
            node = next_of.get(node)
        if node is not None and node == start and start not in reported:
            cycle = [line_of[n].line for n in walk if n in line_of]
            reported.update(walk)
            err(
                r,
                MERGED,
                _("“合并到”形成循环（涉及第 %(rows)s 行）：会议不能互相合并。")
                % {"rows": "、".join(str(x) for x in sorted(cycle))},
            )


# --- The specs ----------------------------------------------------------------------------------


def _check(kind: str):
    def check(sheet: Sheet, units: UnitIndex) -> Plan:
        # `plan` is looked up when called: a test replaces it to stage a race.
        return plan(kind, sheet, units)

    return check


def _write(kind: str):
    def write(sheet, p, changes, record, by, now):
        from .write import write

        return write(kind, sheet, p, changes, record, by, now)

    return write


def _home_unit(by):
    """Rows without a unit are the importer's own unit's (the account's, or the token's)."""
    return by.home_unit


def _allowed(by, unit) -> None:
    if unit is not None:
        services.require_unit(by, unit)


def _audit_extra(kind: str):
    def extra(sheet, p, out) -> dict:
        return {"kind": kind, "created": len(out.created_ids)}

    return extra


def _pages(kind: str):
    def pages(job) -> dict:
        from ...kinds import KINDS

        k = KINDS[kind]
        return {
            "title": _("导入%(n)s") % {"n": k.noun},
            "back_url": reverse(k.url),
            "back_title": k.title,
            "import_url": reverse(k.names["import"]),
        }

    return pages


def _page(kind: str):
    def page(request) -> dict:
        from ...kinds import KINDS

        k = KINDS[kind]
        home = request.user.home_unit
        notes = [
            _(
                "请下载导入模板填写，第一行为列名，不要改动列名；类型、形式、方式等列可从下拉列表选择。"
            ),
            _(
                "单位填写单位代码或名称，须在您的范围内；同名单位请填写代码。未填单位的行记为本单位（%(u)s）。"
            )
            % {"u": home.name if home else "—"},
            _("日期可写作 2025-03-05、2025/3/5、2025.3.5 或 2025年3月5日。"),
            _("是否计入指标由计数规则决定，文件中不必填写。"),
            _(
                "文件会修改已登记的记录时，先列出新增、修改和不变的条数及每处修改（原值 → 新值），"
                "确认后才保存；只有新增时直接导入。模板中以“【示例】”开头的行会自动跳过。"
            ),
        ]
        notes += [str(note) for note in k.import_notes]
        return {
            "title": _("导入%(n)s") % {"n": k.noun},
            "back_url": reverse(k.url),
            "back_title": k.title,
            "template_url": reverse(k.names["template"]),
            "notes": notes,
        }

    return page


def done_message(record) -> str:
    message = _("导入完成：新增 %(c)s 条，更新 %(u)s 条。") % {
        "c": record.created,
        "u": record.updated,
    }
    # A file imported again (the month's OA export, say) says why nothing changed.
    if (same := record.rows - record.created - record.updated) > 0:
        message += _("另有 %(n)s 条与已有记录相同，未改动。") % {"n": same}
    return message + excel.skipped_examples(getattr(record, "examples", []))


def _row_check(kind: str):
    """The kind's own row check (kinds.Kind.row_check); where the kind says its own unit is never
    one of its co-units, the row's co-units lose it first."""
    k = KINDS[kind]
    if not k.co_excludes_unit:
        return k.row_check

    def row_check(sheet: Sheet, r: Row) -> None:
        co = r.extra.get(CO_UNITS)
        if co and r.unit_id in co:
            r.extra[CO_UNITS] = [u for u in co if u != r.unit_id]
        k.row_check(sheet, r)

    return row_check


def _spec(kind: str) -> Spec:
    from .write import RecordUpdates

    return Spec(
        kind=f"registry.{kind}",
        columns=COLUMNS[kind],
        parsers=lambda units: _parsers(kind, units),
        check=_check(kind),
        write=_write(kind),
        permission="registry.record:edit",
        allowed=_allowed,
        default_unit=_home_unit,
        audit_action="jianfu.registry.imported",
        event="registry",
        unit_column=True,
        distinct=_DISTINCT,
        ignored=frozenset({COUNTED}),
        defaults=DEFAULTS[kind],
        extras={CO_UNITS: [], MERGED: ""},
        row_check=_row_check(kind),
        updates=RecordUpdates(kind),
        audit_extra=_audit_extra(kind),
        page=_page(kind),
        pages=_pages(kind),
        done=done_message,
    )


SPECS = {kind: _spec(kind) for kind in KINDS}
