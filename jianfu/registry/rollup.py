"""The monthly rollup (MonthlyUsage): rewritten for the units and years a write touched, in the
same transaction as the write, so every figure that reads it is fresh.

Rows are deleted and created, never updated in place: the quota status keeps the earlier years'
figures until their rows' count, highest id or sum of ids changes (quotas/figures.py, history())."""

import functools
import operator
from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear

from jianfu.core import bulk

from .kinds import by_category
from .models import Category, MonthlyUsage


def refresh(category: str, unit_ids: Iterable[int], years: Iterable[int]) -> int:
    """Recompute every month of `years` for `unit_ids` in one category; returns rows written."""
    unit_ids, years = sorted(set(unit_ids)), sorted(set(years))
    if not unit_ids or not years:
        return 0
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
    """Rebuild the whole rollup (after the counting rules change, or for the demo)."""
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
            written += refresh(cat, units, [year])
    return written


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
