"""Felt against registered (基层感受与登记对比): for a county, what it registered as reaching the
grassroots, month by month, beside what its sample points say they received from the county.

Registered (the county and its county departments, 县直部门, since the points' "from the county
level" covers both):
- documents: documents reaching the grassroots (the rollup's `grassroots`: addressed to townships,
  villages, schools or enterprises);
- meetings: meetings that require the grassroots to attend (read from the meetings themselves:
  the rollup counts video ones only);
- inspections: inspections, checks and assessments the county organised (the rollup's `total`).

Felt (the county's sample points, per point that reported that month, so a missing report never
looks like relief): documents from the county level (docs_county), meetings called by the county
level (meetings_county), inspections organised by the county level (inspections_county), and the
burden score (1–5). Averages are read in the database (one grouped query), not report by report.

The two are on different scales (a county's whole output against one point's share of it): the
comparison is of their direction, year on year, never of their levels.
"""

from collections import defaultdict

from django.db.models import Avg, Count, FloatField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, ExtractMonth, ExtractYear

from jianfu.core.models import Unit, UnitKind
from jianfu.registry.models import Category, Meeting, MonthlyUsage

from .. import stats
from ..models import Report

MEASURES = {
    "documents": "docs_county",
    "meetings": "meetings_county",
    "inspections": "inspections_county",
}
FELT_KEYS = (*MEASURES.values(), "burden_score")


def members(county_ids) -> dict[int, int]:
    """{unit id: county id} for the counties and their county departments."""
    counties = {
        u.pk: u.path for u in Unit.objects.filter(pk__in=list(county_ids)).only("pk", "path")
    }
    out = {pk: pk for pk in counties}
    if not counties:
        return out
    q = Q()
    for path in counties.values():
        q |= Q(path__startswith=path)
    depts = Unit.objects.filter(q, kind=UnitKind.COUNTY_DEPARTMENT).values_list("pk", "path")
    by_path = sorted(counties.items(), key=lambda kv: -len(kv[1]))
    for pk, path in depts:
        out[pk] = next(c for c, p in by_path if path.startswith(p))
    return out


def _empty():
    return defaultdict(lambda: defaultdict(lambda: [0] * 12))


def registered(county_ids, years) -> dict[int, dict[str, dict[int, list[int]]]]:
    """{county id: {measure: {year: twelve monthly counts}}}."""
    owner = members(county_ids)
    years = sorted(set(years))
    out: dict = defaultdict(_empty)
    if not owner or not years:
        return {}
    unit_ids = sorted(owner)
    for i in range(0, len(unit_ids), 2000):
        chunk = unit_ids[i : i + 2000]
        rows = (
            MonthlyUsage.objects.filter(
                unit_id__in=chunk,
                year__in=years,
                category__in=[Category.DOCUMENT, Category.INSPECTION],
            )
            .values_list("unit_id", "year", "month", "category", "grassroots", "total")
            .order_by()
        )
        for unit_id, year, month, category, grassroots, total in rows:
            if category == Category.DOCUMENT:
                out[owner[unit_id]]["documents"][year][month - 1] += grassroots
            else:
                out[owner[unit_id]]["inspections"][year][month - 1] += total
        meetings = (
            Meeting.objects.filter(
                unit_id__in=chunk, grassroots_required=True, held_on__year__in=years
            )
            .annotate(y=ExtractYear("held_on"), m=ExtractMonth("held_on"))
            .values_list("unit_id", "y", "m")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for unit_id, year, month, n in meetings:
            out[owner[unit_id]]["meetings"][year][month - 1] += n
    return {c: {m: dict(y) for m, y in v.items()} for c, v in out.items()}


def felt(county_ids, years) -> dict[int, dict[str, dict[int, list[float | None]]]]:
    """{county id: {measure | "burden_score" | "points": {year: twelve monthly values}}}: the
    mean per reporting point (None for a month without reports) and the points that reported."""
    years = sorted(set(years))
    keys = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    annotations = {key: Avg(Cast(KT(f"values__{key}"), FloatField())) for key in FELT_KEYS}
    rows = (
        Report.objects.filter(point__county_id__in=list(county_ids), period__in=keys)
        .values("point__county_id", "period")
        .annotate(n=Count("pk"), **annotations)
        .order_by()
    )
    names = {**{v: k for k, v in MEASURES.items()}, "burden_score": "burden_score"}
    out: dict = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        year, month = int(row["period"][:4]), int(row["period"][5:7])
        county = out[row["point__county_id"]]
        county["points"].setdefault(year, [None] * 12)
        for key in FELT_KEYS:
            series = county[names[key]].setdefault(year, [None] * 12)
            series[month - 1] = None if row[key] is None else round(row[key], 4)
        county["points"][year][month - 1] = row["n"]
    return {c: {k: dict(v) for k, v in m.items()} for c, m in out.items()}


def yearly(series: dict[int, list], year: int, months: int) -> float | None:
    """The sum of a year's first `months` months (None when none of them has a value)."""
    values = [v for v in series.get(year, [None] * 12)[:months] if v is not None]
    return sum(values) if values else None


def mean_of(series: dict[int, list], year: int, months: int) -> float | None:
    values = [v for v in series.get(year, [None] * 12)[:months] if v is not None]
    return sum(values) / len(values) if values else None


def total_of(means: dict[int, list], points: dict[int, list], year: int, months: int):
    """(the sum of the answers, the point-months behind it) over a year's first `months` months,
    from the monthly means and the points that reported."""
    total = exposure = 0.0
    for mean, n in zip(
        means.get(year, [None] * 12)[:months], points.get(year, [None] * 12)[:months], strict=True
    ):
        if mean is not None and n:
            total += mean * n
            exposure += n
    return round(total), int(exposure)


def change_pct(this, last) -> float | None:
    if this is None or last is None or not last:
        return None
    return (this - last) / last * 100


# The lines of the comparison (the signals app keeps them as runtime settings).
DEFAULT_LINES = {"min_fall": 15.0, "gap": 20.0, "min_count": 10, "min_points": 2, "alpha": 0.01}


def compare(reg: dict, fe: dict, measure: str, year: int, months: int, lines: dict) -> dict:
    """One county's measure, this year's first `months` months against the same months last
    year: registered and felt, their changes, the gap, and whether relief stayed on paper —
    the registered figure fell by min_fall % and the felt one by at least `gap` points less,
    beyond chance (the felt counts tested against a fall as large as the registered one: two
    Poisson rates, conditionally binomial, one-sided at `alpha`), with at least min_count
    registered last year and min_points points reporting in both years."""
    points = fe.get("points", {})
    n_this = max([n or 0 for n in points.get(year, [])[:months]] or [0])
    n_last = max([n or 0 for n in points.get(year - 1, [])[:months]] or [0])
    reg_this = yearly(reg.get(measure, {}), year, months) or 0
    reg_last = yearly(reg.get(measure, {}), year - 1, months) or 0
    felt_this = mean_of(fe.get(measure, {}), year, months)
    felt_last = mean_of(fe.get(measure, {}), year - 1, months)
    out = {
        "reg_this": reg_this,
        "reg_last": reg_last,
        "reg_change": change_pct(reg_this, reg_last),
        "felt_this": felt_this,
        "felt_last": felt_last,
        "felt_change": change_pct(felt_this, felt_last),
        "points": n_this,
        "gap": None,
        "chance": None,
        "diverging": False,
    }
    if (
        min(n_this, n_last) < lines["min_points"]
        or reg_last < lines["min_count"]
        or out["reg_change"] is None
        or out["felt_change"] is None
        or out["reg_change"] > -lines["min_fall"]
    ):
        return out
    out["gap"] = out["felt_change"] - out["reg_change"]
    if out["gap"] < lines["gap"]:
        return out
    out["chance"] = no_relief_chance(fe.get(measure, {}), points, year, months, reg_this / reg_last)
    out["diverging"] = out["chance"] is not None and out["chance"] < lines["alpha"]
    return out


def no_relief_chance(means, points, year, months, ratio) -> float | None:
    """If what the points received had fallen as much as the registered figure (rate ratio
    `ratio`), the chance of receiving at least what they said this year: the counts of the two
    years, given their sum, split binomially by the rates times the point-months."""
    this, e_this = total_of(means, points, year, months)
    last, e_last = total_of(means, points, year - 1, months)
    if not e_this or not e_last or this + last == 0:
        return None
    share = ratio * e_this / (ratio * e_this + e_last)
    return stats.binomial_sf(this, this + last, share)
