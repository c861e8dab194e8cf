"""Reads on annual plans: a unit's plan, the items a proposal may name, the planned totals, the
office's overview of a year, and the split inspections (拆分督查检查考核).

Splitting is found among a unit's plan items of one plan, and among its registered inspections
(jianfu.registry.models.Inspection) of one year, each apart: a plan item and the registry record
of the same inspection when it is carried out are one inspection, not a split. Two inspections are
"the same inspection split" when they have the same organiser (unit), the same kind (督查, 检查 or
考核), at least one target in common and at least one month in common; groups are the connected
sets of such pairs.
"""

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jianfu.core import scope
from jianfu.core.models import Unit, UnitKind
from jianfu.registry.models import Category, Inspection

from .models import AnnualPlan, ChangeStatus, PlanChange, PlanItem, PlanStatus
from .services import VIEW, planned_totals

__all__ = [
    "SPLIT_STATUSES",
    "Overview",
    "SplitGroup",
    "inspection_months",
    "open_items",
    "overview",
    "pending_changes",
    "plan_for",
    "planned_totals",
    "splits",
    "splits_of_plan",
]

# The units that file plans: counties and city departments (those quotas are set for).
PLAN_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)
MISSING = "missing"
# The plans whose splits are flagged: filed ones (the signal and the bulletin), and, on a plan's
# own page, the plan shown whatever its state.
SPLIT_STATUSES = (PlanStatus.FILED,)


def plan_for(unit: Unit, year: int) -> AnnualPlan | None:
    return AnnualPlan.objects.filter(unit=unit, year=year).first()


def open_items(unit: Unit, year: int, category: str) -> QuerySet:
    """The filed plan's items of a category not dropped: what a proposal may name as its item."""
    return (
        PlanItem.objects.filter(
            plan__unit=unit,
            plan__year=year,
            plan__status=PlanStatus.FILED,
            category=category,
            dropped=False,
        )
        .prefetch_related("targets")
        .order_by("pk")
    )


# --- The office's overview ------------------------------------------------------------------------


@dataclass
class OverviewRow:
    unit: Unit
    plan: AnnualPlan | None
    state: str  # a PlanStatus value or MISSING
    pending_changes: int = 0


@dataclass
class Overview:
    year: int
    rows: list[OverviewRow]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def to_file(self) -> list[OverviewRow]:
        return [r for r in self.rows if r.state == PlanStatus.SUBMITTED]

    @property
    def missing(self) -> list[OverviewRow]:
        """Units without a plan submitted or filed (none, a draft, or returned)."""
        return [r for r in self.rows if r.state in (MISSING, PlanStatus.DRAFT)]


def state_label(state: str) -> str:
    if state == MISSING:
        return _("未编报")
    return str(PlanStatus(state).label)


def plan_units(principal) -> QuerySet:
    units = scope.visible(Unit.objects.all(), principal, perm=VIEW, unit_field=None)
    return units.filter(kind__in=PLAN_KINDS, valid_until__isnull=True).order_by("path")


def overview(principal, year: int) -> Overview:
    """Every plan-filing unit in scope with its plan's state for the year (filed, submitted,
    returned, draft or missing) and its pending changes. Three queries."""
    units = list(plan_units(principal))
    plans = {
        p.unit_id: p
        for p in AnnualPlan.objects.filter(unit__in=units, year=year).annotate(
            pending=Count("changes", filter=Q(changes__status=ChangeStatus.PENDING))
        )
    }
    rows, counts = [], dict.fromkeys([*PlanStatus.values, MISSING], 0)
    for unit in units:
        plan = plans.get(unit.pk)
        state = plan.status if plan else MISSING
        counts[state] += 1
        rows.append(OverviewRow(unit, plan, state, plan.pending if plan else 0))
    return Overview(year, rows, counts)


def pending_changes(principal, year: int | None = None) -> QuerySet:
    qs = scope.visible(
        PlanChange.objects.filter(status=ChangeStatus.PENDING),
        principal,
        perm=VIEW,
        unit_field="plan__unit",
    )
    if year:
        qs = qs.filter(plan__year=year)
    return qs.select_related("plan__unit", "item", "requested_by").order_by("requested_at")


# --- Splits ---------------------------------------------------------------------------------------


@dataclass
class Entry:
    source: str  # "plan" or "registry"
    pk: int
    unit_id: int
    kind: str
    title: str
    targets: frozenset[int]
    months: frozenset[int]


@dataclass
class SplitGroup:
    unit_id: int
    year: int
    source: str
    kind: str
    entries: list[Entry]
    unit_name: str = ""
    plan_id: int | None = None

    @property
    def ids(self) -> list[int]:
        return [e.pk for e in self.entries]

    def sentence(self) -> str:
        titles = "、".join(f"“{e.title}”" for e in self.entries)
        if self.source == "plan":
            return _(
                "%(unit)s的年度计划中，%(titles)s对相同对象、在重叠月份开展，疑似一项拆分为%(n)s项。"
            ) % {
                "unit": self.unit_name,
                "titles": titles,
                "n": len(self.entries),
            }
        return _("%(unit)s登记的%(titles)s对相同对象、在重叠月份开展，疑似一项拆分为%(n)s项。") % {
            "unit": self.unit_name,
            "titles": titles,
            "n": len(self.entries),
        }


def inspection_months(starts_on: dt.date, ends_on: dt.date, year: int) -> frozenset[int]:
    """The months of `year` an inspection from starts_on to ends_on runs in."""
    start = max(starts_on, dt.date(year, 1, 1))
    end = min(ends_on or starts_on, dt.date(year, 12, 31))
    if end < start:
        return frozenset()
    return frozenset(range(start.month, end.month + 1))


def _groups(entries: list[Entry]) -> list[list[Entry]]:
    """Connected sets (two or more) of entries with the same unit and kind, sharing a target and a
    month."""
    by_key: dict[tuple, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.targets and e.months:
            by_key[(e.unit_id, e.kind)].append(e)
    out = []
    for bucket in by_key.values():
        parent = list(range(len(bucket)))

        def find(i, parent=parent):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(bucket)):
            for j in range(i + 1, len(bucket)):
                a, b = bucket[i], bucket[j]
                if a.targets & b.targets and a.months & b.months:
                    parent[find(i)] = find(j)
        comps: dict[int, list[Entry]] = defaultdict(list)
        for i, e in enumerate(bucket):
            comps[find(i)].append(e)
        out.extend(sorted(c, key=lambda e: e.pk) for c in comps.values() if len(c) > 1)
    return out


def _plan_entries(items: QuerySet) -> tuple[list[Entry], dict[int, int]]:
    inspections = items.filter(category=Category.INSPECTION, dropped=False)
    rows = list(
        inspections.values_list(
            "pk", "plan_id", "plan__unit_id", "inspection_kind", "title", "months"
        )
    )
    # The items' targets in one read, the items chosen by the same conditions in the database
    # (not their ids sent back in batches).
    targets: dict[int, set[int]] = defaultdict(set)
    for item_id, unit_id in PlanItem.targets.through.objects.filter(
        planitem__in=inspections.values("pk")
    ).values_list("planitem_id", "unit_id"):
        targets[item_id].add(unit_id)
    entries, plans = [], {}
    for pk, plan_id, unit_id, kind, title, months in rows:
        plans[pk] = plan_id
        entries.append(
            Entry(
                "plan",
                pk,
                unit_id,
                kind,
                title,
                frozenset(targets[pk]),
                frozenset(m for m in months or () if isinstance(m, int)),
            )
        )
    return entries, plans


def _registry_entries(year: int, unit_ids=None) -> list[Entry]:
    qs = Inspection.objects.filter(
        starts_on__lte=dt.date(year, 12, 31), ends_on__gte=dt.date(year, 1, 1)
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    rows = list(qs.values_list("pk", "unit_id", "kind", "title", "starts_on", "ends_on"))
    targets: dict[int, set[int]] = defaultdict(set)
    through = Inspection.targets.through
    ids = [r[0] for r in rows]
    for i in range(0, len(ids), 500):
        for rec_id, unit_id in through.objects.filter(
            inspection_id__in=ids[i : i + 500]
        ).values_list("inspection_id", "unit_id"):
            targets[rec_id].add(unit_id)
    return [
        Entry(
            "registry",
            pk,
            unit_id,
            kind,
            title,
            frozenset(targets[pk]),
            inspection_months(start, end, year),
        )
        for pk, unit_id, kind, title, start, end in rows
    ]


def _named(groups: list[SplitGroup]) -> list[SplitGroup]:
    names = dict(Unit.objects.filter(pk__in={g.unit_id for g in groups}).values_list("pk", "name"))
    for g in groups:
        g.unit_name = names.get(g.unit_id, "")
    return sorted(groups, key=lambda g: (g.unit_name, g.source, g.ids))


def splits(
    year: int, *, unit_ids=None, registry: bool = False, statuses=SPLIT_STATUSES
) -> list[SplitGroup]:
    """The split inspections of a year: groups in each unit's filed plan, and (registry=True)
    groups among its registered inspections of the year."""
    items = PlanItem.objects.filter(plan__year=year, plan__status__in=list(statuses))
    if unit_ids is not None:
        items = items.filter(plan__unit_id__in=list(unit_ids))
    entries, plans = _plan_entries(items)
    groups = [
        SplitGroup(c[0].unit_id, year, "plan", c[0].kind, c, plan_id=plans[c[0].pk])
        for c in _groups(entries)
    ]
    if registry:
        groups += [
            SplitGroup(c[0].unit_id, year, "registry", c[0].kind, c)
            for c in _groups(_registry_entries(year, unit_ids))
        ]
    return _named(groups)


def splits_of_plan(plan: AnnualPlan) -> list[SplitGroup]:
    """The split groups among one plan's items, whatever its state (the plan's page marks them)."""
    entries, _plans = _plan_entries(PlanItem.objects.filter(plan=plan))
    return _named(
        [
            SplitGroup(c[0].unit_id, plan.year, "plan", c[0].kind, c, plan_id=plan.pk)
            for c in _groups(entries)
        ]
    )


def visible_splits(principal, year: int) -> list[SplitGroup]:
    """splits(year) for the units in the principal's scope (the overview page and the bulletin)."""
    unit_ids = list(plan_units(principal).values_list("pk", flat=True))
    return splits(year, unit_ids=unit_ids)


def month_span(months) -> str:
    return "、".join(_("%(m)s月") % {"m": m} for m in sorted(months or ()))


def last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])
