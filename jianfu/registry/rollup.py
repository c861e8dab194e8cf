"""The monthly rollup (MonthlyUsage): rewritten for the units and years a write touched, in the
same transaction as the write, so every figure that reads it is fresh."""

from collections.abc import Iterable

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from .models import (
    REMOTE_METHODS,
    Category,
    Document,
    DocumentKind,
    Inspection,
    InspectionMethod,
    Meeting,
    MeetingForm,
    MonthlyUsage,
)

WHITE_KINDS = [DocumentKind.WHITE_HEADER, DocumentKind.NOTICE, DocumentKind.WORKGROUP]


def _n(condition: Q):
    return Count("pk", filter=condition)


def _sum(field: str, condition: Q | None = None):
    return Coalesce(Sum(field, filter=condition), Value(0), output_field=IntegerField())


SOURCES = {
    Category.DOCUMENT: (
        Document,
        "issued_on",
        {
            "red_header": _n(Q(kind__in=[DocumentKind.RED_HEADER, DocumentKind.JOINT])),
            "white_header": _n(Q(kind__in=WHITE_KINDS)),
            "pages": _sum("pages", Q(counted=True)),
            "characters": _sum("characters", Q(counted=True)),
            "grassroots": _n(Q(reaches_grassroots=True)),
        },
    ),
    Category.MEETING: (
        Meeting,
        "held_on",
        {
            "video": _n(Q(form=MeetingForm.VIDEO)),
            "video_grassroots": _n(Q(form=MeetingForm.VIDEO, grassroots_required=True)),
            "attendees": _sum("grassroots_attendees"),
        },
    ),
    Category.INSPECTION: (
        Inspection,
        "starts_on",
        {
            "on_site": _n(Q(method=InspectionMethod.ON_SITE)),
            "remote": _n(Q(method__in=list(REMOTE_METHODS))),
            "out_of_plan": _n(Q(in_plan=False)),
            "forms": _sum("forms_demanded"),
        },
    ),
}


def refresh(category: str, unit_ids: Iterable[int], years: Iterable[int]) -> int:
    """Recompute every month of `years` for `unit_ids` in one category; returns rows written."""
    unit_ids, years = sorted(set(unit_ids)), sorted(set(years))
    if not unit_ids or not years:
        return 0
    model, date_field, metrics = SOURCES[category]
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
                agg_counted=_n(Q(counted=True)),
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
        model, date_field, _metrics = SOURCES[cat]
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
