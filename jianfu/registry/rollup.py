"""The monthly rollup (MonthlyUsage): rewritten for the units and years a write touched, in the
same transaction as the write, so every figure that reads it is fresh.

Rows are deleted and created, never updated in place: the quota status keeps the earlier years'
figures until their rows' count, highest id or sum of ids changes (quotas/figures.py, history())."""

from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear

from .kinds import by_category
from .models import Category, MonthlyUsage


def refresh(category: str, unit_ids: Iterable[int], years: Iterable[int]) -> int:
    """Recompute every month of `years` for `unit_ids` in one category; returns rows written."""
    unit_ids, years = sorted(set(unit_ids)), sorted(set(years))
    if not unit_ids or not years:
        return 0
    k = by_category(category)
    model, date_field, metrics = k.model, k.date_field, k.metrics
    rows = []
    for chunk in _chunks(unit_ids, 500):
        MonthlyUsage.objects.filter(category=category, unit_id__in=chunk, year__in=years).delete()
        grouped = (
            model.objects.filter(unit_id__in=chunk, **{f"{date_field}__year__in": years})
            .annotate(y=ExtractYear(date_field), m=ExtractMonth(date_field))
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
            MonthlyUsage(
                unit_id=g["unit_id"],
                year=g["y"],
                month=g["m"],
                category=category,
                total=g["agg_total"],
                counted=g["agg_counted"],
                **{k: g[f"agg_{k}"] for k in metrics},
            )
            for g in grouped
        )
    MonthlyUsage.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


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
