"""Reads on the registries (documents, meetings, inspections). Each starts from a scoped queryset
(scope.visible), so a page, an API endpoint or an export cannot reach records outside the
principal's units."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from jianfu.core import scope
from jianfu.core.models import GRASSROOTS_KINDS, AuditEntry, Unit, UnitKind

from .. import kinds
from ..models import Meeting, MeetingForm, MonthlyUsage

# Units that issue documents, hold meetings and organise inspections (the datalists and selects
# offer these; a unit of another kind in scope is still accepted when typed).
ISSUER_KINDS = (
    UnitKind.PROVINCE,
    UnitKind.CITY,
    UnitKind.COUNTY,
    UnitKind.DEPARTMENT,
    UnitKind.COUNTY_DEPARTMENT,
    UnitKind.TOWNSHIP,
)


@dataclass
class RecordFilter:
    unit: Unit | None = None
    subtree: bool = False
    # The unit and its county departments (what a county registered: felt against registered).
    departments: bool = False
    unit_name: str = ""
    year: int | None = None
    month_from: int | None = None
    month_to: int | None = None
    # The kinds' choice filters (kinds.Kind.filters): documents and inspections filter on kind,
    # meetings on form and level, inspections on method.
    kind: str = ""
    form: str = ""
    level: str = ""
    method: str = ""
    counted: bool | None = None
    grassroots: bool | None = None
    in_plan: bool | None = None
    q: str = ""
    sort: str = "-date"


def records_for(principal, model, f: RecordFilter | None = None) -> QuerySet:
    """The records of one registry the principal may see, filtered and sorted."""
    f = f or RecordFilter()
    k = kinds.by_model(model)
    qs = scope.visible(model.objects.all(), principal, perm=k.view_perm)
    date = k.date_field
    if f.unit is not None:
        qs = qs.filter(_unit_q(f, "unit__"))
    if f.unit_name:
        qs = qs.filter(
            Q(unit__name__icontains=f.unit_name)
            | Q(unit__short_name__icontains=f.unit_name)
            | Q(unit__code=f.unit_name)
        )
    if f.year:
        first = dt.date(f.year, f.month_from or 1, 1)
        last_month = f.month_to or 12
        # The month's last day, found without stepping into the next year (none after 9999).
        last = dt.date(f.year, last_month, calendar.monthrange(f.year, last_month)[1])
        qs = qs.filter(**{f"{date}__gte": first, f"{date}__lte": last})
    else:
        if f.month_from:
            qs = qs.filter(**{f"{date}__month__gte": f.month_from})
        if f.month_to:
            qs = qs.filter(**{f"{date}__month__lte": f.month_to})
    qs = _filter_choices(qs, k, f)
    if f.counted is not None:
        qs = qs.filter(counted=f.counted)
    if f.grassroots is not None:
        qs = qs.filter(_grassroots_q(k) if f.grassroots else ~_grassroots_q(k))
    for name in k.yes_no_filters:
        if getattr(f, name) is not None:
            qs = qs.filter(**{name: getattr(f, name)})
    if f.q:
        text = Q(title__icontains=f.q) | Q(external_id=f.q)
        for name in k.search_fields:
            text |= Q(**{f"{name}__icontains": f.q})
        qs = qs.filter(text)
    order = (f"-{date}", "-pk") if f.sort != "date" else (date, "pk")
    return qs.select_related("unit").order_by(*order)


def _unit_q(f: RecordFilter, prefix: str) -> Q:
    """The filter's unit: alone, with its whole subtree, or with its county departments."""
    if f.subtree:
        return Q(**{f"{prefix}path__startswith": f.unit.path})
    q = Q(**{f"{prefix}pk": f.unit.pk})
    if f.departments:
        q |= Q(
            **{
                f"{prefix}path__startswith": f.unit.path,
                f"{prefix}kind": UnitKind.COUNTY_DEPARTMENT,
            }
        )
    return q


def _filter_choices(qs: QuerySet, k: kinds.Kind, f: RecordFilter) -> QuerySet:
    """The kind's choice filters; a group's code (kinds.Group: what a rule counts together, such
    as the rollup's red_header) selects all its values, so a link from a figure shows exactly
    the records behind it."""
    for cf in k.filters:
        value = getattr(f, cf.name)
        if not value:
            continue
        group = next((g for g in cf.groups if g.code == value), None)
        if group is not None:
            qs = qs.filter(**{f"{cf.name}__in": list(group.values)})
        else:
            qs = qs.filter(**{cf.name: value})
    return qs


def _grassroots_q(k: kinds.Kind) -> Q:
    if k.grassroots_field:
        return Q(**{k.grassroots_field: True})
    # Reaches the grassroots when one of its co-units (an inspection's targets) is a grassroots
    # unit.
    through, column = k.co_through()
    return Q(
        Exists(
            through.objects.filter(
                **{column: OuterRef("pk")}, unit__kind__in=list(GRASSROOTS_KINDS)
            )
        )
    )


def with_co_units(qs: QuerySet) -> QuerySet:
    """Prefetch co-issuers or targets (one query per page, however many rows), and what the list
    shows beside the record."""
    k = kinds.by_model(qs.model)
    if k.co_field:
        qs = qs.prefetch_related(k.co_field)
    if k.list_related:
        qs = qs.select_related(*k.list_related)
    return qs


def totals(qs: QuerySet) -> dict[str, int]:
    """How many records, and how many of them count against the quota (one query)."""
    return qs.order_by().aggregate(n=Count("pk"), counted=Count("pk", filter=Q(counted=True)))


def totals_for(principal, model, f: RecordFilter, qs: QuerySet) -> dict[str, int]:
    """The same figures, read from the monthly rollup when only the unit and the period are
    filtered (the list's usual view, a province's year in a few hundred rows instead of a
    million); otherwise counted on the records."""
    only_period = not (
        f.unit_name
        or f.kind
        or f.form
        or f.level
        or f.method
        or f.counted is not None
        or f.grassroots is not None
        or f.in_plan is not None
        or f.q
    )
    if not only_period:
        return totals(qs)
    k = kinds.by_model(model)
    s = scope.require(principal, k.view_perm)
    usage = MonthlyUsage.objects.filter(category=k.category).filter(s.units_q("unit__"))
    if f.unit is not None:
        usage = usage.filter(_unit_q(f, "unit__"))
    if f.year:
        usage = usage.filter(year=f.year)
    if f.month_from:
        usage = usage.filter(month__gte=f.month_from)
    if f.month_to:
        usage = usage.filter(month__lte=f.month_to)
    sums = usage.aggregate(n=Sum("total"), counted=Sum("counted"))
    return {"n": sums["n"] or 0, "counted": sums["counted"] or 0}


def units_with_records(principal, model, limit: int = 500) -> list[Unit]:
    """The units in scope that have records in this registry (read from the small rollup).

    The scope's units are walked in path order, each probed for a rollup row by the rollup's key
    index, until `limit` + 1 are found: collecting every unit with a row and then matching them
    against the scope read the whole rollup on every list page."""
    k = kinds.by_model(model)
    s = scope.require(principal, k.view_perm)
    has_rows = MonthlyUsage.objects.filter(unit=OuterRef("pk"), category=k.category, total__gt=0)
    return list(
        Unit.objects.filter(s.units_q())
        .filter(Exists(has_rows))
        .order_by("path")
        .only("pk", "code", "name", "short_name", "depth", "path")[: limit + 1]
    )


def years_with_records(principal, model) -> list[int]:
    """The years with records in scope, newest first: each year between the rollup's first and
    last probed on its own (the first row found answers), instead of every row of the scope read
    to be told apart by year."""
    k = kinds.by_model(model)
    s = scope.require(principal, k.view_perm)
    # Two probes of the (year, category) index's ends, whatever the category.
    first = MonthlyUsage.objects.order_by("year").values_list("year", flat=True).first()
    if first is None:
        return []
    last = MonthlyUsage.objects.order_by("-year").values_list("year", flat=True).first()
    mine = MonthlyUsage.objects.filter(category=k.category, total__gt=0).filter(s.units_q("unit__"))
    return [y for y in range(last, first - 1, -1) if mine.filter(year=y).exists()]


def issuer_units(principal, limit: int = 1000) -> list[Unit]:
    """Units in scope offered as issuers, co-issuers or targets."""
    s = scope.scope_of(principal)
    return list(
        Unit.objects.filter(s.units_q(), kind__in=ISSUER_KINDS, valid_until__isnull=True)
        .order_by("path")
        .only("pk", "code", "name", "short_name", "kind", "path", "depth")[:limit]
    )


def merge_candidates(principal, exclude_pk=None, limit: int = 200) -> list[Meeting]:
    """Meetings another meeting may be merged into: the recent ones in scope.

    Over a province or a city the newest meetings are walked in date order (index
    meeting_recent), each one's unit checked by its key, and the first `limit` come within a few
    thousand rows; joining every meeting to its unit and sorting them all cost 100-200 ms at
    province size. Below a city the scope's own meetings are few: they are joined and sorted (a
    walk in date order would pass the whole province's meetings to find them)."""
    s = scope.require(principal, "registry.record:view")
    qs = Meeting.objects.exclude(form=MeetingForm.MERGED, merged_with__isnull=False)
    if s.path is not None and not s.unit_only and len(s.path) <= 2 * Unit.steplen:
        qs = qs.filter(Exists(Unit.objects.filter(s.units_q(), pk=OuterRef("unit_id"))))
    else:
        qs = qs.filter(s.units_q("unit__"))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.select_related("unit").order_by("-held_on", "-pk")[:limit])


def history(obj) -> list[AuditEntry]:
    """The audit entries of one record, oldest first (values included: whoever may see the
    record may see its history)."""
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("seq")
    )
