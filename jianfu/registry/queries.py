"""Reads on the registries and quotas. Each starts from a scoped queryset (scope.visible), so a
page, an API endpoint or an export cannot reach records outside the principal's units."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from jianfu.core import scope
from jianfu.core.models import GRASSROOTS_KINDS, AuditEntry, Unit, UnitKind

from . import counting
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
    Quota,
)
from .rollup import WHITE_KINDS

CATEGORY_OF = {
    Document: Category.DOCUMENT,
    Meeting: Category.MEETING,
    Inspection: Category.INSPECTION,
}
DATE_FIELD = {Document: "issued_on", Meeting: "held_on", Inspection: "starts_on"}
# Kinds and methods the rules count together (the rollup's red_header, white_header and remote):
# a list filter by one of these groups shows exactly the records behind such a figure.
KIND_GROUPS = {
    "red_kinds": (DocumentKind.RED_HEADER, DocumentKind.JOINT),
    "white_kinds": tuple(WHITE_KINDS),
}
METHOD_GROUPS = {"remote_methods": tuple(m for m in InspectionMethod if m in REMOTE_METHODS)}
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
# The units quotas are set for by default: counties and city departments.
QUOTA_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)


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
    kind: str = ""  # documents: kind; inspections: kind
    form: str = ""  # meetings: form
    level: str = ""  # meetings: level
    method: str = ""  # inspections: method
    counted: bool | None = None
    grassroots: bool | None = None
    in_plan: bool | None = None
    q: str = ""
    sort: str = "-date"


def records_for(principal, model, f: RecordFilter | None = None) -> QuerySet:
    """The records of one registry the principal may see, filtered and sorted."""
    f = f or RecordFilter()
    qs = scope.visible(model.objects.all(), principal, perm="registry.record:view")
    date = DATE_FIELD[model]
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
        last = dt.date(f.year + (last_month == 12), last_month % 12 + 1, 1) - dt.timedelta(1)
        qs = qs.filter(**{f"{date}__gte": first, f"{date}__lte": last})
    else:
        if f.month_from:
            qs = qs.filter(**{f"{date}__month__gte": f.month_from})
        if f.month_to:
            qs = qs.filter(**{f"{date}__month__lte": f.month_to})
    qs = _filter_choices(qs, model, f)
    if f.counted is not None:
        qs = qs.filter(counted=f.counted)
    if f.grassroots is not None:
        qs = qs.filter(_grassroots_q(model) if f.grassroots else ~_grassroots_q(model))
    if f.in_plan is not None and model is Inspection:
        qs = qs.filter(in_plan=f.in_plan)
    if f.q:
        text = Q(title__icontains=f.q) | Q(external_id=f.q)
        if model is Document:
            text |= Q(number__icontains=f.q)
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


def _one_of(field: str, value: str, groups: dict) -> Q:
    if value in groups:
        return Q(**{f"{field}__in": list(groups[value])})
    return Q(**{field: value})


def _filter_choices(qs: QuerySet, model, f: RecordFilter) -> QuerySet:
    if model is Document and f.kind:
        qs = qs.filter(_one_of("kind", f.kind, KIND_GROUPS))
    if model is Meeting:
        if f.form:
            qs = qs.filter(form=f.form)
        if f.level:
            qs = qs.filter(level=f.level)
    if model is Inspection:
        if f.kind:
            qs = qs.filter(kind=f.kind)
        if f.method:
            qs = qs.filter(_one_of("method", f.method, METHOD_GROUPS))
    return qs


def _grassroots_q(model) -> Q:
    if model is Document:
        return Q(reaches_grassroots=True)
    if model is Meeting:
        return Q(grassroots_required=True)
    # An inspection reaches the grassroots when one of its targets is a grassroots unit.
    through = Inspection.targets.through
    return Q(
        Exists(
            through.objects.filter(
                inspection_id=OuterRef("pk"), unit__kind__in=list(GRASSROOTS_KINDS)
            )
        )
    )


def with_co_units(qs: QuerySet) -> QuerySet:
    """Prefetch co-issuers or targets (one query per page, however many rows)."""
    model = qs.model
    if model is Document:
        return qs.prefetch_related("co_issuers")
    if model is Inspection:
        return qs.prefetch_related("targets")
    return qs.select_related("merged_with")


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
    s = scope.require(principal, "registry.record:view")
    usage = MonthlyUsage.objects.filter(category=CATEGORY_OF[model]).filter(s.units_q("unit__"))
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
    """The units in scope that have records in this registry (read from the small rollup)."""
    s = scope.require(principal, "registry.record:view")
    ids = (
        MonthlyUsage.objects.filter(category=CATEGORY_OF[model], total__gt=0)
        .values("unit_id")
        .distinct()
    )
    return list(
        Unit.objects.filter(s.units_q(), pk__in=ids)
        .order_by("path")
        .only("pk", "code", "name", "short_name", "depth", "path")[: limit + 1]
    )


def years_with_records(principal, model) -> list[int]:
    s = scope.require(principal, "registry.record:view")
    years = (
        MonthlyUsage.objects.filter(category=CATEGORY_OF[model], total__gt=0)
        .filter(s.units_q("unit__"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return list(years)


def issuer_units(principal, limit: int = 1000) -> list[Unit]:
    """Units in scope offered as issuers, co-issuers or targets."""
    s = scope.scope_of(principal)
    return list(
        Unit.objects.filter(s.units_q(), kind__in=ISSUER_KINDS, valid_until__isnull=True)
        .order_by("path")
        .only("pk", "code", "name", "short_name", "kind", "path", "depth")[:limit]
    )


def merge_candidates(principal, exclude_pk=None, limit: int = 200) -> list[Meeting]:
    """Meetings another meeting may be merged into: the recent ones in scope."""
    qs = scope.visible(Meeting.objects.all(), principal, perm="registry.record:view").exclude(
        form=MeetingForm.MERGED, merged_with__isnull=False
    )
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


# --- Counting: whether a record counts, and why -------------------------------------------------


def document_verdict(kind: str, assigns_work: bool, rules: counting.Rules) -> tuple[bool, str]:
    counts = counting.document_counts(kind, assigns_work, rules)
    if kind == DocumentKind.RED_HEADER:
        return counts, _("红头文件计入发文指标。")
    if kind == DocumentKind.JOINT:
        return counts, _("联合发文计一次，计入牵头单位（本单位）；联合发文单位不重复计算。")
    label = DocumentKind(kind).label if kind in DocumentKind.values else kind
    if not assigns_work:
        return counts, _(
            "%(k)s不向基层布置工作，不计入发文指标，但仍登记在册、计入“白头文件”统计。"
        ) % {"k": label}
    if counts:
        return counts, _("%(k)s向基层布置工作，按现行计数规则计入发文指标。") % {"k": label}
    return counts, _("%(k)s向基层布置工作，但现行计数规则规定此类不计入发文指标。") % {"k": label}


def meeting_verdict(
    form: str, merged_into_another: bool, rules: counting.Rules
) -> tuple[bool, str]:
    counts = counting.meeting_counts(form, merged_into_another, rules)
    if form == MeetingForm.MERGED:
        if merged_into_another:
            return counts, _("已并入另一会议（两会合一），只计一次：本会议不再计数。")
        return counts, _("合并召开的主会议计一次；并入本会议的其他会议不再计数。")
    if form == MeetingForm.VIDEO:
        if counts:
            return counts, _("视频会议同样占用基层时间，按现行计数规则计入会议指标。")
        return counts, _("现行计数规则规定视频会议不计入会议指标。")
    return counts, _("现场会议计入会议指标。")


def inspection_verdict() -> tuple[bool, str]:
    return counting.inspection_counts(), _(
        "督查检查考核按组织单位计一次；被检查单位“收到”的次数另行统计。"
    )


def verdict_of(obj, rules: counting.Rules) -> tuple[bool, str]:
    if isinstance(obj, Document):
        return document_verdict(obj.kind, obj.assigns_work, rules)
    if isinstance(obj, Meeting):
        return meeting_verdict(obj.form, obj.merged_with_id is not None, rules)
    return inspection_verdict()


def rule_table(model, rules: counting.Rules) -> list[tuple[str, str, str]]:
    """(what, verdict, why) rows: the counting table for one registry under the current rules."""
    rows = []
    if model is Document:
        for kind in DocumentKind:
            yes, why = document_verdict(kind, True, rules)
            no, _why = document_verdict(kind, False, rules)
            if yes and no:
                verdict = _("计入")
            elif yes:
                verdict = _("向基层布置工作时计入")
            else:
                verdict = _("不计入")
            rows.append((str(kind.label), str(verdict), why))
    elif model is Meeting:
        for form in MeetingForm:
            counts, why = meeting_verdict(form, False, rules)
            if form == MeetingForm.MERGED:
                verdict = _("主会议计入，并入者不计")
            else:
                verdict = _("计入") if counts else _("不计入")
            rows.append((str(form.label), str(verdict), why))
    else:
        counts, why = inspection_verdict()
        rows.append((_("督查、检查、考核"), str(_("计入组织单位")), why))
    return rows


# --- Quotas -------------------------------------------------------------------------------------


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def counted_by_category(
    unit_ids: Iterable[int], year: int, *, follow_predecessors: bool = False
) -> dict[tuple[int, str], int]:
    """{(unit_id, category): counted records in `year`}, read from the monthly rollup.

    With follow_predecessors, a closed unit's figures are added to its successor's (year-on-year
    figures follow successors).
    """
    unit_ids = sorted(set(unit_ids))
    source: dict[int, int] = {pk: pk for pk in unit_ids}
    if follow_predecessors and unit_ids:
        for chunk in _chunks(unit_ids):
            for pk, successor in Unit.objects.filter(
                successor_id__in=chunk, valid_until__isnull=False
            ).values_list("pk", "successor_id"):
                source.setdefault(pk, successor)
    out: dict[tuple[int, str], int] = defaultdict(int)
    for chunk in _chunks(sorted(source)):
        rows = (
            MonthlyUsage.objects.filter(unit_id__in=chunk, year=year)
            .values("unit_id", "category")
            .order_by()
            .annotate(n=Sum("counted"))
        )
        for row in rows:
            out[(source[row["unit_id"]], row["category"])] += row["n"] or 0
    return dict(out)


def counted_totals(unit_ids: Iterable[int], year: int, category: str) -> dict[int, int]:
    """{unit_id: counted records of `category` in `year`} (what quotas_from_last_year cuts)."""
    figures = counted_by_category(unit_ids, year, follow_predecessors=True)
    return {unit: n for (unit, cat), n in figures.items() if cat == category}


def quota_units(principal, kinds: Iterable[str] = QUOTA_KINDS, q: str = "") -> QuerySet:
    """The units the quota page lists: open units of the given kinds in scope."""
    units = scope.visible(
        Unit.objects.all(), principal, perm="registry.quota:view", unit_field=None
    )
    units = units.filter(kind__in=list(kinds), valid_until__isnull=True)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code=q))
    return units.order_by("path")


def quotas_of(unit_ids: Iterable[int], year: int) -> dict[tuple[int, str], Quota]:
    out = {}
    for chunk in _chunks(sorted(set(unit_ids))):
        for quota in Quota.objects.filter(unit_id__in=chunk, year=year):
            out[(quota.unit_id, quota.category)] = quota
    return out


def quotas_for(principal, *, year: int, category: str = "", unit: Unit | None = None) -> QuerySet:
    qs = scope.visible(Quota.objects.all(), principal, perm="registry.quota:view").filter(year=year)
    if category:
        qs = qs.filter(category=category)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.select_related("unit").order_by("unit__path", "category")
