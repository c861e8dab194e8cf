"""Reads of the mid-year review, always from the account's scope (scope.visible / get_for).

The arithmetic ("时间过半、任务过半"):
- share of the year gone on the stock-taking date: calendar days from 1 January up to and
  including that date over the year's days; or, with the runtime setting
  `supervision.review.working_days` on, the working days (Chinese calendar with the office's
  overrides, core/workdays.py) over the year's working days;
- a target's share done: value done ÷ annual target (×100) when it has a number, else the percent
  the unit reports; nothing entered counts 0 (and is shown as 未填报);
- a unit's share done: the mean of its targets' shares, each capped at 100;
- a target or a unit lags when the share of the year gone exceeds its share done by more than the
  margin (runtime setting `supervision.review.lag_margin`, percentage points).
Beside the targets, each unit's supervision items (items.queries: open on the date, red and yellow,
the mean percent done against the mean share of time gone) and key projects (milestones done by the
date over all milestones, money arrived by the date over the planned investment).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from jianfu.core import clock, scope, workdays
from jianfu.core.models import Unit
from jianfu.supervision.items import queries as item_queries
from jianfu.supervision.items.models import OPEN_STATUSES, Assignment
from jianfu.supervision.projects.models import Milestone, MonthlyMoney, Project

from . import config
from .models import Review, Target, TargetKind, default_stock_date
from .services import VIEW


def _r(x: float) -> float:
    return round(x + 0.0, 1)


# --- The arithmetic -------------------------------------------------------------------------------


def year_share(as_of: dt.date, *, working: bool = False) -> float:
    """The share of as_of's year gone by the end of as_of, in percent (one decimal)."""
    start = dt.date(as_of.year - 1, 12, 31)
    end = dt.date(as_of.year, 12, 31)
    if working:
        cal = workdays.load(start, end)
        total = cal.workdays_between(start, end)
        gone = cal.workdays_between(start, as_of)
    else:
        total = (end - start).days
        gone = (as_of - start).days
    return _r(gone / total * 100) if total else 100.0


def target_share(target: Target) -> float | None:
    """The share done of one target, in percent (None: nothing entered)."""
    if target.has_number:
        if target.done_value is None:
            return None
        return _r(float(target.done_value) / float(target.target_value) * 100)
    if target.percent is None:
        return None
    return _r(float(target.percent))


def lags(time_share: float, share: float | None, margin: float) -> bool:
    return time_share - min(share or 0.0, 100.0) > margin + 1e-9


def mean_share(shares) -> float | None:
    shares = list(shares)
    if not shares:
        return None
    return _r(sum(min(s or 0.0, 100.0) for s in shares) / len(shares))


# --- Figures per unit -----------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    share: float | None
    gap: float
    lagging: bool

    @property
    def entered(self) -> bool:
        return self.share is not None


@dataclass
class ItemFigures:
    open: int = 0
    red: int = 0
    yellow: int = 0
    percent: float | None = None  # mean percent done of the open items
    time_share: float | None = None  # mean share of their time gone


@dataclass
class ProjectFigures:
    count: int = 0
    milestones: int = 0
    done: int = 0
    investment: Decimal = Decimal(0)
    arrived: Decimal = Decimal(0)

    @property
    def milestone_pct(self) -> float | None:
        return _r(self.done / self.milestones * 100) if self.milestones else None

    @property
    def money_pct(self) -> float | None:
        if not self.investment:
            return None
        return _r(float(self.arrived) / float(self.investment) * 100)


@dataclass
class UnitRow:
    unit_id: int
    name: str
    targets: list[TargetRow] = field(default_factory=list)
    share: float | None = None
    gap: float = 0.0
    lagging: bool = False
    items: ItemFigures = field(default_factory=ItemFigures)
    projects: ProjectFigures = field(default_factory=ProjectFigures)

    @property
    def lagging_targets(self) -> list[TargetRow]:
        return [t for t in self.targets if t.lagging]

    @property
    def not_entered(self) -> int:
        return sum(1 for t in self.targets if not t.entered)

    def sort_key(self):
        return (not self.lagging, -self.gap, self.name)


@dataclass
class Stock:
    year: int
    as_of: dt.date
    time_share: float
    margin: float
    working_days: bool
    kind: str
    rows: list[UnitRow]
    passed: bool  # the stock-taking date has come

    @property
    def lagging(self) -> list[UnitRow]:
        return [r for r in self.rows if r.lagging]

    @property
    def targets(self) -> int:
        return sum(len(r.targets) for r in self.rows)


def stock_date(year: int) -> dt.date:
    review = Review.objects.filter(year=year).first()
    return review.stock_date if review else default_stock_date(year)


def review(year: int) -> Review | None:
    return Review.objects.filter(year=year).first()


def targets(user, year: int):
    return scope.visible(
        Target.objects.filter(review__year=year).select_related("unit", "review"), user, perm=VIEW
    )


def _item_figures(unit_ids, as_of: dt.date) -> dict[int, ItemFigures]:
    qs = Assignment.objects.filter(
        unit_id__in=unit_ids,
        active=True,
        item__status__in=OPEN_STATUSES,
        item__created_on__lte=as_of,
    )
    colours = item_queries.assignment_colours(qs, as_of)
    out: dict[int, ItemFigures] = defaultdict(ItemFigures)
    rows = list(
        qs.values_list(
            "pk",
            "unit_id",
            "percent",
            "deadline",
            "item__deadline",
            "item__created_on",
            "item__working_days",
        )
    )
    clock_ = None
    if rows:
        lo = min(min(r[5] for r in rows), as_of)
        hi = max(max((r[3] or r[4]) for r in rows), as_of)
        clock_ = item_queries.DayClock(lo, hi)
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pk, unit_id, pct, own, deadline, created, working in rows:
        f = out[unit_id]
        f.open += 1
        colour = colours.get(pk)
        f.red += colour == item_queries.RED
        f.yellow += colour == item_queries.YELLOW
        end = own or deadline
        if working:
            total, gone = (
                clock_.workdays_between(created, end),
                clock_.workdays_between(created, as_of),
            )
        else:
            total, gone = (end - created).days, (as_of - created).days
        share = min(max(gone / total, 0), 1) * 100 if total > 0 else 100.0
        sums[unit_id][0] += float(pct or 0)
        sums[unit_id][1] += share
    for unit_id, (pct, share) in sums.items():
        n = out[unit_id].open
        out[unit_id].percent, out[unit_id].time_share = _r(pct / n), _r(share / n)
    return out


def _project_figures(unit_ids, as_of: dt.date) -> dict[int, ProjectFigures]:
    out: dict[int, ProjectFigures] = defaultdict(ProjectFigures)
    for unit_id, n, invest in (
        Project.objects.filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(n=Count("pk"), invest=Sum("total_investment"))
        .values_list("unit_id", "n", "invest")
        .order_by()
    ):
        out[unit_id].count, out[unit_id].investment = n, invest or Decimal(0)
    for unit_id, total, done in (
        Milestone.objects.filter(project__unit_id__in=unit_ids)
        .values("project__unit_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_on__lte=as_of)))
        .values_list("project__unit_id", "total", "done")
        .order_by()
    ):
        out[unit_id].milestones, out[unit_id].done = total, done
    for unit_id, arrived in (
        MonthlyMoney.objects.filter(project__unit_id__in=unit_ids, month__lte=as_of)
        .values("project__unit_id")
        .annotate(arrived=Sum("arrived"))
        .values_list("project__unit_id", "arrived")
        .order_by()
    ):
        out[unit_id].arrived = arrived or Decimal(0)
    return out


def stock(user, year: int | None = None, *, kind: str = "", unit_id: int | None = None) -> Stock:
    """The review of `year` (default: this year) for every unit with targets the account sees,
    lagging units first (the widest gap first), then the others by gap. `kind` keeps the targets of
    one kind; `unit_id` keeps one unit (its page)."""
    year = year or clock.today().year
    as_of = stock_date(year)
    working = config.working_days()
    margin = config.margin()
    time_share = year_share(as_of, working=working)
    qs = targets(user, year)
    if kind in TargetKind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    rows: dict[int, UnitRow] = {}
    for t in qs.order_by("unit__path", "kind", "pk"):
        row = rows.setdefault(t.unit_id, UnitRow(t.unit_id, t.unit.name))
        share = target_share(t)
        gap = _r(time_share - min(share or 0.0, 100.0))
        row.targets.append(TargetRow(t, share, gap, lags(time_share, share, margin)))
    if unit_id is not None and unit_id not in rows:
        name = Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""
        rows[unit_id] = UnitRow(unit_id, name)
    items = _item_figures(list(rows), as_of)
    projects = _project_figures(list(rows), as_of)
    for row in rows.values():
        row.share = mean_share(t.share for t in row.targets)
        row.gap = _r(time_share - (row.share or 0.0)) if row.targets else 0.0
        row.lagging = bool(row.targets) and lags(time_share, row.share, margin)
        row.items = items.get(row.unit_id, ItemFigures())
        row.projects = projects.get(row.unit_id, ProjectFigures())
    return Stock(
        year=year,
        as_of=as_of,
        time_share=time_share,
        margin=margin,
        working_days=working,
        kind=kind,
        rows=sorted(rows.values(), key=UnitRow.sort_key),
        passed=clock.today() >= as_of,
    )


def unit(user, pk) -> Unit:
    """A unit the account sees (404 outside its units, 403 without the view code)."""
    return scope.get_for(Unit.objects.all(), user, pk, perm=VIEW, unit_field=None)


def unit_items(unit_id: int, as_of: dt.date) -> list[tuple[Assignment, str]]:
    """The unit's open supervision items on the date, with their colour, red first."""
    qs = Assignment.objects.filter(
        unit_id=unit_id, active=True, item__status__in=OPEN_STATUSES, item__created_on__lte=as_of
    ).select_related("item")
    colours = item_queries.assignment_colours(qs, as_of)
    order = {c: i for i, c in enumerate(item_queries.COLOURS)}
    rows = [(a, colours.get(a.pk, item_queries.GREEN)) for a in qs]
    return sorted(rows, key=lambda r: (order.get(r[1], 9), r[0].item.deadline))


def unit_projects(unit_id: int, as_of: dt.date) -> list[dict]:
    """The unit's key projects with milestones done and money arrived by the date."""
    projects = list(Project.objects.filter(unit_id=unit_id).order_by("pk"))
    ids = [p.pk for p in projects]
    ms = {
        r["project_id"]: r
        for r in Milestone.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_on__lte=as_of)))
        .order_by()
    }
    money = dict(
        MonthlyMoney.objects.filter(project_id__in=ids, month__lte=as_of)
        .values("project_id")
        .annotate(arrived=Sum("arrived"))
        .values_list("project_id", "arrived")
        .order_by()
    )
    out = []
    for p in projects:
        c = ms.get(p.pk, {})
        f = ProjectFigures(
            count=1,
            milestones=c.get("total", 0),
            done=c.get("done", 0),
            investment=p.total_investment or Decimal(0),
            arrived=money.get(p.pk) or Decimal(0),
        )
        out.append({"project": p, "fig": f})
    return out


def to_enter(user, today: dt.date | None = None) -> list[Target]:
    """The account's own unit's targets of this year whose value is still to enter: never entered,
    or entered before the month of the stock-taking date once that month has come."""
    today = today or clock.today()
    if user.home_unit_id is None:
        return []
    as_of = stock_date(today.year)
    month = as_of.replace(day=1)
    qs = targets(user, today.year).filter(unit_id=user.home_unit_id)
    due = Q(entered_at__isnull=True)
    if today >= month:
        due |= Q(entered_at__date__lt=month)
    return list(qs.filter(due))
