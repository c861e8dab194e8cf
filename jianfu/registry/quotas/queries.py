"""Reads on the quotas: the quota table's units and figures, the status overview, the base of
quotas set from last year's actual figures, the home page's watch list. Each starts from the
principal's scope; the figures come from the monthly rollup (figures.quota_status)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from jianfu.core import clock, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind

from ..models import Category, MonthlyUsage, Quota
from .figures import Status, quota_status

# The units quotas are set for by default: counties and city departments.
QUOTA_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)
# The units the quota overview follows.
OVERVIEW_KINDS = (
    UnitKind.CITY,
    UnitKind.COUNTY,
    UnitKind.DEPARTMENT,
    UnitKind.COUNTY_DEPARTMENT,
    UnitKind.TOWNSHIP,
)


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


def quota_overview(
    principal, *, year: int, as_of: dt.date, category: str = "", kind: str = ""
) -> list[Status]:
    """The status of every (unit, category) in scope that has a quota or use in `year`, laggards
    first (Status.laggard_key), each with its unit and its year-on-year change. A few queries
    however many units: the units, then quota_status's grouped reads."""
    s = scope.require(principal, "registry.quota:view")
    kinds = [kind] if kind in OVERVIEW_KINDS else list(OVERVIEW_KINDS)
    units = {
        u.pk: u
        for u in Unit.objects.filter(s.units_q(), kind__in=kinds).only(
            "pk", "name", "short_name", "path", "kind"
        )
    }
    statuses = quota_status(
        year=year,
        as_of=as_of,
        unit_ids=list(units),
        categories=[category] if category in Category.values else None,
    )
    for st in statuses:
        st.unit = units[st.unit_id]
        st.change = st.change_pct(as_of.month)
    statuses.sort(key=lambda st: (*st.laggard_key(), st.unit.path, st.category))
    return statuses


# --- Quotas from last year's actual figures -----------------------------------------------------

BULK_UNIT_KINDS = {
    "county": (UnitKind.COUNTY,),
    "department": (UnitKind.DEPARTMENT,),
    "both": (UnitKind.COUNTY, UnitKind.DEPARTMENT),
}


def bulk_units(principal, which: str) -> list[Unit]:
    """The open units a bulk setting covers ("county", "department" or "both"), within the units
    the principal may set quotas for."""
    s = scope.require(principal, "registry.quota:set")
    return list(
        Unit.objects.filter(
            s.units_q(), kind__in=list(BULK_UNIT_KINDS[which]), valid_until__isnull=True
        ).order_by("path")
    )


def derived_limit(counted: int, cut_pct: float) -> int:
    """Last year's counted total minus cut_pct percent, rounded down: a cut is never rounded
    away."""
    return int(counted * (100 - cut_pct) // 100)


@dataclass
class Period:
    """The stretch of the base year one category's base covers. It is short of the year when the
    base year is not over yet, or when the registry holds nothing of its first months (the
    platform went live, or the registry was imported, in the middle of it)."""

    category: str
    start: dt.date
    end: dt.date
    year_running: bool  # the base year is this year: the base is its year-to-date
    registry_from: dt.date | None  # the registry's first month of this category, if mid-year
    empty: bool  # no unit at all has a record of this category in the period

    @property
    def complete(self) -> bool:
        return not self.year_running and self.registry_from is None

    def describe(self) -> str:
        label = Category(self.category).label
        span = {"a": self.start.isoformat(), "b": self.end.isoformat()}
        if self.year_running:
            return _("%(c)s：%(a)s 至 %(b)s 已登记的实际计入数（%(y)s 年尚未结束，不足一年）") % {
                "c": label,
                "y": self.start.year,
                **span,
            }
        if self.registry_from is not None:
            return _(
                "%(c)s：%(a)s 至 %(b)s 的实际计入数（平台 %(y)s 年 %(m)s 月起才有%(c)s登记，"
                "不足一年）"
            ) % {"c": label, "y": self.start.year, "m": self.start.month, **span}
        return _("%(c)s：%(y)s 年全年（%(a)s 至 %(b)s）的实际计入数") % {
            "c": label,
            "y": self.start.year,
            **span,
        }


@dataclass
class UnitBase:
    """What one unit's new quota of one category is cut from."""

    unit: Unit
    category: str
    counted: int  # the base: counted records in the period, predecessors' included
    limit: int  # the new quota
    current: int | None  # the quota it replaces
    months: list[int]  # the months of the period with any record of the unit
    predecessors: list[str]  # closed units whose records are counted with this one's

    @property
    def no_records(self) -> bool:
        return not self.months

    def months_text(self) -> str:
        if not self.months:
            return _("上年无登记")
        first, last = self.months[0], self.months[-1]
        if first == last:
            return _("仅 %(m)s 月有登记") % {"m": first}
        if len(self.months) == last - first + 1:
            return _("%(a)s–%(b)s 月有登记") % {"a": first, "b": last}
        return _("%(a)s–%(b)s 月中 %(n)s 个月有登记") % {
            "a": first,
            "b": last,
            "n": len(self.months),
        }


@dataclass
class BulkBasis:
    year: int  # the year the quotas are set for
    cut_pct: float
    periods: list[Period]
    rows: list[UnitBase]

    @property
    def short(self) -> list[Period]:
        return [p for p in self.periods if not p.complete]

    def without_records(self) -> int:
        return sum(1 for r in self.rows if r.no_records)

    def refusal(self) -> str | None:
        """Why these quotas cannot be set from last year: a category the registry holds nothing
        of in the base year would set every quota to 0."""
        empty = [Category(p.category).label for p in self.periods if p.empty]
        if not empty:
            return None
        return _(
            "平台上 %(y)s 年没有任何%(c)s登记，不能按上年实际设定 %(z)s 年的指标："
            "请在指标表中逐个设定，或先导入 %(y)s 年的登记数据。"
        ) % {"y": self.year - 1, "z": self.year, "c": "、".join(str(c) for c in empty)}


def bulk_basis(units: list[Unit], *, year: int, categories: list[str], cut_pct: float) -> BulkBasis:
    """Exactly what setting `year`'s quotas from last year's actual figures uses for each unit and
    category: the period the base covers, the base, the new quota, the months the unit has records
    in, and the closed units whose figures follow it. Preview and write share it, so the preview
    says what is written. A handful of queries, chunked by 500 units."""
    base_year = year - 1
    today = clock.today()
    if base_year > today.year:
        raise DomainError(
            "base_year_not_started",
            _("%(y)s 年尚未开始，没有实际数可作基数：请选 %(z)s 年或更早的年度。")
            % {"y": base_year, "z": today.year + 1},
            field="year",
        )
    year_running = base_year == today.year
    end = today if year_running else dt.date(base_year, 12, 31)
    first_months = dict(
        MonthlyUsage.objects.filter(category__in=categories, total__gt=0)
        .values_list("category")
        .order_by()
        .annotate(first=Min(F("year") * 100 + F("month")))
    )
    periods = []
    for category in categories:
        first = first_months.get(category)
        start, registry_from = dt.date(base_year, 1, 1), None
        if first is not None and first // 100 == base_year and first % 100 > 1:
            start = registry_from = dt.date(base_year, first % 100, 1)
        empty = first is None or first // 100 > base_year
        periods.append(Period(category, start, end, year_running, registry_from, empty))

    ids = [u.pk for u in units]
    source: dict[int, int] = {pk: pk for pk in ids}
    predecessors: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        for pk, successor, name in Unit.objects.filter(
            successor_id__in=chunk, valid_until__isnull=False
        ).values_list("pk", "successor_id", "name"):
            if pk not in source:
                source[pk] = successor
                predecessors[successor].append(name)
    counted: dict[tuple[int, str], int] = defaultdict(int)
    months: dict[tuple[int, str], set[int]] = defaultdict(set)
    for chunk in _chunks(sorted(source)):
        rows = MonthlyUsage.objects.filter(
            unit_id__in=chunk, year=base_year, category__in=categories
        ).values_list("unit_id", "category", "month", "counted", "total")
        for unit_id, category, month, n, total in rows:
            key = (source[unit_id], category)
            counted[key] += n
            if total:
                months[key].add(month)
    current = quotas_of(ids, year)
    rows = []
    for unit in units:
        for category in categories:
            key = (unit.pk, category)
            quota = current.get(key)
            rows.append(
                UnitBase(
                    unit=unit,
                    category=category,
                    counted=counted.get(key, 0),
                    limit=derived_limit(counted.get(key, 0), cut_pct),
                    current=quota.limit if quota else None,
                    months=sorted(months.get(key, ())),
                    predecessors=sorted(predecessors.get(unit.pk, [])),
                )
            )
    return BulkBasis(year=year, cut_pct=cut_pct, periods=periods, rows=rows)


# Share of a quota used from which the home page counts it as near its limit.
NEAR_LIMIT = 0.8


def quota_watch(principal, as_of: dt.date) -> list:
    """The status of every quota set this year for a unit in the principal's scope (figures
    .quota_status; the quota overview's "exceeded" and "at risk" are counted from these), with a
    `near` flag: exceeded, projected to run out within the year, or NEAR_LIMIT used. Four
    queries whatever the number of units."""
    from ..quotas.figures import quota_status

    ids = list(
        quotas_for(principal, year=as_of.year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    if not ids:
        return []
    statuses = quota_status(year=as_of.year, as_of=as_of, unit_ids=ids, with_quota_only=True)
    for st in statuses:
        st.near = st.exceeded or st.exhaustion is not None or (st.share_used or 0) >= NEAR_LIMIT
    return statuses
