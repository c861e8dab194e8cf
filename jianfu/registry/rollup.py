"""The monthly rollup (MonthlyUsage) and, summed from it, the quota usage (QuotaUsage): both
rewritten for the units and years a write touched, in the same transaction as the write, so every
figure that reads them is fresh.

A record of year Y is in the quota usage of Y (this year's months), of Y + 1 (last year's) and of
Y + 1 … Y + HISTORY_YEARS (the earlier years' profile), so a write refreshes those rows too; a
quota written refreshes its own row (refresh_quotas)."""

import functools
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from jianfu.core import bulk
from jianfu.core.models import Unit

from .kinds import by_category
from .models import HISTORY_YEARS, QUOTA_USAGE_MONTHS, Category, MonthlyUsage, Quota, QuotaUsage


def refresh(category: str, unit_ids: Iterable[int], years: Iterable[int]) -> int:
    """Recompute every month of `years` for `unit_ids` in one category, and the quota usage that
    sums them; returns the monthly rows written."""
    unit_ids, years = sorted(set(unit_ids)), sorted(set(years))
    if not unit_ids or not years:
        return 0
    _lock_units(unit_ids)
    written = _refresh_months(category, unit_ids, years)
    _write_quota_usage(category, unit_ids, _reading(years))
    return written


def _refresh_months(category: str, unit_ids: list[int], years: list[int]) -> int:
    k = by_category(category)
    model, date_field, metrics = k.model, k.date_field, k.metrics
    # The years as date ranges (BETWEEN on the (unit, date) index), not `__year__in`, which
    # SQLite evaluates through a Python function per row.
    in_years = functools.reduce(operator.or_, (Q(**{f"{date_field}__year": y}) for y in years))
    rows = []
    for chunk in _chunks(unit_ids, 500):
        MonthlyUsage.objects.filter(category=category, unit_id__in=chunk, year__in=years).delete()
        grouped = (
            model.objects.filter(in_years, unit_id__in=chunk)
            .annotate(y=_Year(date_field), m=_Month(date_field))
            .values("unit_id", "y", "m")
            .order_by()
            # Aliased: several metrics share their name with a model field (pages, …).
            .annotate(
                agg_total=Count("pk"),
                agg_counted=Count("pk", filter=Q(counted=True)),
                **{f"agg_{k}": v for k, v in metrics.items()},
            )
        )
        rows.extend(
            {
                **_EMPTY,
                "unit_id": g["unit_id"],
                "year": g["y"],
                "month": g["m"],
                "category": category,
                "total": g["agg_total"],
                "counted": g["agg_counted"],
                **{k: g[f"agg_{k}"] for k in metrics},
            }
            for g in grouped
        )
    # Plain rows (core.bulk): bulk_create compiled each of the thousands of values on its own.
    bulk.insert_many(MonthlyUsage, rows)
    return len(rows)


def add_created(category: str, columns: Mapping[str, list], skip: set[tuple[int, int]]) -> bool:
    """Add records just created (their stored values, one list per field; "unit_id" and the
    date field at least) to the rollup without reading them back: each (unit, year) they touch
    has its rows re-created as what the rollup held plus the new records, as refresh would
    write them (every month of the year deleted and created). Pairs in `skip` are left to
    refresh. False, with nothing written, when a metric is not one this can compute from the
    values (refresh then reads them instead)."""
    k = by_category(category)
    distinct = dict(zip(map(id, columns[k.date_field]), columns[k.date_field], strict=True))
    if any(d is None for d in distinct.values()):
        return False
    months = _month_keys(columns["unit_id"], columns[k.date_field], distinct)
    added: dict[str, Counter] = {"total": Counter(months)}
    for name, agg in {"counted": Count("pk", filter=Q(counted=True)), **k.metrics}.items():
        found = _metric(agg, columns, months)
        if found is None:
            return False
        added[name] = found
    # Summed for every record, then the months refresh writes left out (fewer than records).
    by_key = {_unpack(key): key for key in added["total"]}
    by_key = {key: packed for key, packed in by_key.items() if key[:2] not in skip}
    pairs = {(u, y) for u, y, _m in by_key}
    if not pairs:
        return True
    years = {y for _u, y in pairs}
    unit_ids = sorted({u for u, _y in pairs})
    _lock_units(unit_ids)  # as refresh does: a concurrent writer of these units waits
    old: dict[tuple[int, int, int], dict] = {}
    stale: list[int] = []
    for chunk in _chunks(unit_ids, 500):
        for row in MonthlyUsage.objects.filter(
            category=category, unit_id__in=chunk, year__in=years
        ).values():
            if (row["unit_id"], row["year"]) in pairs:
                stale.append(row.pop("id"))
                old[(row["unit_id"], row["year"], row["month"])] = row
    for chunk in _chunks(stale, 500):
        MonthlyUsage.objects.filter(pk__in=chunk).delete()
    rows = []
    for key in sorted(old.keys() | by_key.keys()):
        unit_id, year, month = key
        row = old.get(key) or {
            **_EMPTY,
            "unit_id": unit_id,
            "year": year,
            "month": month,
            "category": category,
        }
        packed = by_key.get(key)
        if packed is not None:
            for name, counts in added.items():
                row[name] += counts[packed]
        rows.append(row)
    bulk.insert_many(MonthlyUsage, rows)
    # The quota usage sums the monthly rows just written (as refresh rewrites it).
    _write_quota_usage(category, unit_ids, _reading(years))
    return True


def _month_keys(units: list[int], dates: list, distinct: dict) -> list[int]:
    """Each record's unit, year (a date's, < 2**14) and month packed in one integer (hashed and
    counted in C), the date's parts read once per distinct date object."""
    part = {key: d.year * 16 + d.month for key, d in distinct.items()}
    return list(
        map(
            operator.add,
            map(operator.mul, units, itertools.repeat(1 << 18)),
            map(part.__getitem__, map(id, dates)),
        )
    )


def _unpack(key: int) -> tuple[int, int, int]:
    return key >> 18, (key >> 4) & 0x3FFF, key & 15


def _metric(agg, columns: Mapping[str, list], months: list) -> Counter | None:
    """A metric (Count with a filter, or Coalesce(Sum(field, filter), 0)) summed by month over
    the columns; None when it has another shape."""
    if isinstance(agg, Coalesce):
        inner, *rest = agg.get_source_expressions()
        if not (
            isinstance(inner, Sum)
            and len(rest) == 1
            and isinstance(rest[0], Value)
            and rest[0].value == 0
        ):
            return None
        agg = inner
    if not isinstance(agg, Count | Sum) or agg.distinct:
        return None
    if len(agg.source_expressions) != 1:
        return None
    name = getattr(agg.source_expressions[0], "name", None)
    if isinstance(agg, Count):
        if name != "pk":
            return None
    elif name not in columns:
        return None
    rows = [True] * len(months)
    if agg.filter is not None:
        rows = _holds(agg.filter, columns, len(months))
        if rows is None:
            return None
    if isinstance(agg, Count):
        return Counter(itertools.compress(months, rows))
    out: dict[int, int] = {}
    get = out.get
    values = itertools.compress(columns[name], rows)
    for key, v in zip(itertools.compress(months, rows), values, strict=True):
        if v:
            out[key] = get(key, 0) + v
    return Counter(out)


def _holds(q: Q, columns: Mapping[str, list], n: int) -> list[bool] | None:
    """Whether each record meets q (an AND of field=value and field__in=values); None for any
    other condition."""
    if q.negated or (q.connector != Q.AND and len(q.children) > 1):
        return None
    out = None
    for child in q.children:
        if isinstance(child, Q):
            part = _holds(child, columns, n)
        elif isinstance(child, tuple) and len(child) == 2:
            field, _sep, lookup = child[0].partition("__")
            if field not in columns:
                return None
            if lookup in ("", "exact"):
                part = list(map(operator.eq, columns[field], itertools.repeat(child[1])))
            elif lookup == "in":
                part = list(map(frozenset(child[1]).__contains__, columns[field]))
            else:
                return None
        else:
            return None
        if part is None:
            return None
        out = part if out is None else list(map(operator.and_, out, part))
    return [True] * n if out is None else out


class _Year(ExtractYear):
    """The year of a date; on SQLite read from the ISO text in SQL (Django's own extraction
    there calls a Python function per row: most of the time an import of 100,000 rows spent
    here)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(substr({sql}, 1, 4) AS integer)", params


class _Month(ExtractMonth):
    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(substr({sql}, 6, 2) AS integer)", params


# Every field of a rollup row at its default (what a category does not sum stays 0).
_EMPTY = {
    f.attname: f.get_default() for f in MonthlyUsage._meta.concrete_fields if not f.primary_key
}


def refresh_all(category: str | None = None) -> int:
    """Rebuild the whole rollup and the quota usage (after the counting rules change, or for the
    demo); returns the monthly rows written."""
    written = 0
    for cat in [category] if category else list(Category.values):
        k = by_category(cat)
        model, date_field = k.model, k.date_field
        MonthlyUsage.objects.filter(category=cat).delete()
        pairs = model.objects.values_list("unit_id", f"{date_field}__year").distinct().order_by()
        by_year: dict[int, set[int]] = {}
        for unit_id, year in pairs:
            by_year.setdefault(year, set()).add(unit_id)
        for year, units in by_year.items():
            written += _refresh_months(cat, sorted(units), [year])
        rebuild_quota_usage(cat)
    return written


def refresh_quotas(keys: Iterable[tuple[int, int, str]]) -> None:
    """After quotas were written, in the same transaction: rewrite the quota usage of each
    (unit_id, year, category) in `keys` from the monthly rollup and the quotas as they stand."""
    groups: dict[tuple[str, int], set[int]] = {}
    for unit_id, year, category in keys:
        groups.setdefault((category, year), set()).add(unit_id)
    if not groups:
        return
    # Every unit at once, in one order: locked group by group, two writers could take the same
    # units in different orders and deadlock.
    _lock_units(sorted(set().union(*groups.values())))
    for (category, year), unit_ids in sorted(groups.items()):
        _write_quota_usage(category, sorted(unit_ids), [year])


def _reading(years: Iterable[int]) -> list[int]:
    """The years whose quota usage reads the rollup of `years`: each year itself, the next (last
    year's months) and the HISTORY_YEARS after it (the earlier years' profile)."""
    return sorted({y + i for y in years for i in range(HISTORY_YEARS + 1)})


def _write_quota_usage(category: str, unit_ids: list[int], years: list[int]) -> None:
    for chunk in _chunks(unit_ids, 500):
        QuotaUsage.objects.filter(category=category, year__in=years, unit_id__in=chunk).delete()
        with connection.cursor() as cursor:
            for year in years:
                cursor.execute(*quota_usage_insert(category, year, chunk))


def rebuild_quota_usage(
    category: str | None = None, *, models=(MonthlyUsage, Quota, QuotaUsage)
) -> None:
    """Rebuild the quota usage of every unit from the monthly rollup and the quotas: after the
    rollup is rebuilt, or written directly (a fixture, a bench), and in the migration that
    created it (`models`: the migration's historical ones)."""
    usage_model, quota_model, target = models
    for cat in [category] if category else list(Category.values):
        target.objects.filter(category=cat).delete()
        years = set(
            _reading(
                usage_model.objects.filter(category=cat)
                .values_list("year", flat=True)
                .distinct()
                .order_by()
            )
        )
        years |= set(
            quota_model.objects.filter(category=cat)
            .values_list("year", flat=True)
            .distinct()
            .order_by()
        )
        with connection.cursor() as cursor:
            for year in sorted(years):
                cursor.execute(*quota_usage_insert(cat, year, None, models=models))


def quota_usage_insert(
    category: str,
    year: int,
    unit_ids: list[int] | None,
    *,
    models=(MonthlyUsage, Quota, QuotaUsage),
) -> tuple[str, list]:
    """One INSERT … SELECT writing the quota usage of `year` for `unit_ids` (None: every unit)
    from the monthly rollup and the quotas: a row for each unit with a quota that year or rollup
    rows in it or the HISTORY_YEARS before it. Summed in the database: an import touching every
    county would otherwise carry seven years of their months through Python."""
    usage_model, quota_model, target = models
    qn = connection.ops.quote_name
    year = int(year)  # written into the statement: a year, never input
    first = year - HISTORY_YEARS

    def through(condition: str) -> list[str]:
        return [
            f"SUM(CASE WHEN {condition} AND s.mo BETWEEN 1 AND {m} THEN s.n ELSE 0 END)"
            for m in range(1, 13)
        ]

    def listed(y: int) -> str:
        return " || ',' || ".join(
            f"CAST(SUM(CASE WHEN s.yr = {y} AND s.mo = {m} THEN s.n ELSE 0 END) AS TEXT)"
            for m in range(1, 13)
        )

    columns = [
        "unit_id",
        "year",
        "category",
        qn("limit"),
        "history_rows",
        "months",
        *QUOTA_USAGE_MONTHS["c"],
        *QUOTA_USAGE_MONTHS["h"],
    ]
    values = [
        "s.unit_id",
        str(year),
        "%s",
        "MAX(s.lim)",
        f"SUM(CASE WHEN s.yr < {year} AND s.mo > 0 THEN 1 ELSE 0 END)",
        f"{listed(year)} || ';' || {listed(year - 1)}",
        *through(f"s.yr = {year}"),
        *through(f"s.yr < {year}"),
    ]
    units, unit_params = "", []
    if unit_ids is not None:
        units = f"AND unit_id IN ({', '.join(['%s'] * len(unit_ids))})"
        unit_params = list(unit_ids)
    # The tables and columns come from the models, the years from int(): nothing from input.
    sql = f"""
        INSERT INTO {qn(target._meta.db_table)} ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM (
            SELECT unit_id, year AS yr, month AS mo, counted AS n, NULL AS lim
            FROM {qn(usage_model._meta.db_table)}
            WHERE category = %s AND year BETWEEN {first} AND {year} {units}
            UNION ALL
            SELECT unit_id, year, 0, 0, {qn("limit")}
            FROM {qn(quota_model._meta.db_table)}
            WHERE category = %s AND year = {year} {units}
        ) s
        GROUP BY s.unit_id
    """  # noqa: S608
    return sql, [category, category, *unit_params, category, *unit_params]


def _lock_units(unit_ids: list[int]) -> None:
    """On PostgreSQL, take the units' rows (in one order, so that two writers cannot deadlock)
    before their figures are rewritten: a second writer of the same unit waits for the first to
    commit, then sums what it wrote, instead of summing what it could see before and leaving the
    rows without the other's change (or failing on the unique key). FOR NO KEY UPDATE leaves a
    record referring to the unit free to be written meanwhile. SQLite's writers take turns."""
    if not (connection.features.has_select_for_update and connection.in_atomic_block):
        return
    for chunk in _chunks(unit_ids, 500):
        list(
            Unit.objects.select_for_update(no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
