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

import datetime as dt
import math
from collections import defaultdict

from django.db.models import CharField, Count, Func
from scipy import special

from jianfu.core.models import Unit, UnitKind
from jianfu.registry.models import Category, Meeting, MonthlyUsage

from ..reports import means

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
    # The departments between the first county's path and the end of the last one's, one range
    # read (a condition per county cost more than the rows it saves): those of other counties
    # in between are left out below.
    first, last = min(counties.values()), max(counties.values())
    depts = Unit.objects.filter(
        kind=UnitKind.COUNTY_DEPARTMENT,
        path__gte=first,
        path__lt=last[:-1] + chr(ord(last[-1]) + 1),
    ).values_list("pk", "path")
    # A department's county is the one whose path begins its own: looked up by prefix length
    # (a county's path is as long as its depth), not compared with every county in turn.
    by_path = {path: pk for pk, path in counties.items()}
    lengths = sorted({len(path) for path in by_path}, reverse=True)
    for pk, path in depts:
        county = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
        if county is not None:
            out[pk] = county
    return out


class YearMonth(Func):
    """A date's "YYYY-MM", as text: SQLite keeps dates as ISO text (its first seven characters),
    PostgreSQL formats it."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')", **extra
        )


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
    wanted = set(years)
    for i in range(0, len(unit_ids), 2000):
        chunk = unit_ids[i : i + 2000]
        # The years as a range (those in between left out below): with a list of years SQLite
        # walks every unit's rows of those years by the (year, category) index, with a range
        # only these units' rows by the (unit, year, …) one.
        rows = (
            MonthlyUsage.objects.filter(
                unit_id__in=chunk,
                year__range=(years[0], years[-1]),
                category__in=[Category.DOCUMENT, Category.INSPECTION],
            )
            .values_list("unit_id", "year", "month", "category", "grassroots", "total")
            .order_by()
        )
        for unit_id, year, month, category, grassroots, total in rows:
            if year not in wanted:
                continue
            if category == Category.DOCUMENT:
                out[owner[unit_id]]["documents"][year][month - 1] += grassroots
            else:
                out[owner[unit_id]]["inspections"][year][month - 1] += total
        # Counted by month in the database as text ("2025-03"): on SQLite, held_on__year__in and
        # ExtractYear / ExtractMonth call a Python function per meeting, three times, and by day
        # it was ten thousand rows to add up here.
        meetings = (
            Meeting.objects.filter(
                unit_id__in=chunk,
                grassroots_required=True,
                held_on__range=(dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)),
            )
            .annotate(ym=YearMonth("held_on"))
            .values_list("unit_id", "ym")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for unit_id, ym, n in meetings:
            year, month = int(ym[:4]), int(ym[5:7])
            if year in wanted:  # (years need not follow one another)
                out[owner[unit_id]]["meetings"][year][month - 1] += n
    return {c: {m: dict(y) for m, y in v.items()} for c, v in out.items()}


def felt(county_ids, years) -> dict[int, dict[str, dict[int, list[float | None]]]]:
    """{county id: {measure | "burden_score" | "points": {year: twelve monthly values}}}: the
    mean per reporting point (None for a month without reports) and the points that reported."""
    years = sorted(set(years))
    keys = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    names = {**{v: k for k, v in MEASURES.items()}, "burden_score": "burden_score"}
    out: dict = defaultdict(lambda: defaultdict(dict))
    for period, cells in means.by_county(keys, county_ids).items():
        year, month = int(period[:4]), int(period[5:7])
        for county_id, cell in cells.items():
            county = out[county_id]
            county["points"].setdefault(year, [None] * 12)
            for key in FELT_KEYS:
                series = county[names[key]].setdefault(year, [None] * 12)
                mean = cell.mean(key)
                series[month - 1] = None if mean is None else round(mean, 4)
            county["points"][year][month - 1] = cell.n
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
    year: registered and felt, their changes, the gap, and whether relief stayed on paper.

    Tested (`tested`) with at least min_count registered last year and min_points points
    reporting in both years. Then two chances, each series with its own noise:
    - `p_registered`: that the registered figure fell this much by chance (the log of the two
      years' ratio against its Poisson variance times the series' dispersion, so a county whose
      monthly counts swing more than Poisson proves less);
    - `p_gap`: that the felt figure stayed this far above a fall as large as the registered one
      by chance (the log of the felt rates' ratio less the registered one's, against the sum of
      both series' variances, each with its dispersion; one-sided);
    `p` the larger (both must hold). `effect`: the registered figure fell by min_fall % and the
    felt one by at least `gap` points less. `diverging` (the county page's flag): the effect
    with p below alpha; the nightly rule corrects p across the counties tested
    (Benjamini–Hochberg) before it raises a signal."""
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
        "p_registered": None,
        "p_gap": None,
        "p": None,
        "tested": False,
        "effect": False,
        "diverging": False,
    }
    if (
        min(n_this, n_last) < lines["min_points"]
        or reg_last < lines["min_count"]
        or out["reg_change"] is None
        or out["felt_change"] is None
    ):
        return out
    means = fe.get(measure, {})
    f_this, e_this = total_of(means, points, year, months)
    f_last, e_last = total_of(means, points, year - 1, months)
    if not e_this or not e_last:
        return out
    reg_series = reg.get(measure, {})
    # The registered series' own dispersion (shown; and its fall's chance, shown beside).
    phi_reg = dispersion_of(
        [
            (reg_series.get(y, [None] * 12)[:n], reg_series.get(y - 1, [None] * 12)[:n])
            for y, n in ((year, months), (year - 1, 12))
            if y - 1 in reg_series
        ]
    )
    cond = conditional(means, points, reg_series, year, months)
    out["gap"] = out["felt_change"] - out["reg_change"]
    out["p_registered"] = fall_chance(reg_this, reg_last, *phi_reg)
    out["conditional"] = cond
    out["p_gap"] = conditional_chance(cond)
    out["p"] = out["chance"] = out["p_gap"]
    out["expected_felt"] = felt_last * reg_this / reg_last if felt_last is not None else None
    out["dispersion"] = {
        "registered": round(phi_reg[0], 2),
        "felt": round(cond["phi"], 2),
    }
    out["support"] = int(reg_this + reg_last)
    out["tested"] = True
    out["effect"] = out["reg_change"] <= -lines["min_fall"] and out["gap"] >= lines["gap"]
    out["diverging"] = out["effect"] and out["p"] < lines["alpha"]
    return out


def conditional(means, points, reg_series, year, months) -> dict:
    """The points' counts read against the registered ones month by month (a quasi-Poisson
    model with the registered count as exposure): in month m of year y the points' total is
    about θ_y · (R_ym + ½) · n_ym (n_ym the points reporting; ½ so that a month with nothing
    registered still has a mean). θ_y, what the points receive per registered document, is
    the same both years when relief was real; it rises when the county stopped registering
    what its points still receive. Fitted per year (this year's compared months, last year's
    and the year before's twelve for the dispersion): θ̂_y = F_y / X_y, X_y = Σ (R_ym + ½) n_ym;
    the Pearson χ² of the months about their year's fit over its degrees of freedom is the
    dispersion. The month-to-month swings the two series share (a busy month is busy in both)
    cancel; the registered series' own chance (a month with 0 registered while the points
    received 8) is misfit and raises the dispersion, so a county whose small registered counts
    swing by chance (10 → 1) proves nothing."""
    chi2, df = 0.0, 0
    fits = {}
    for y, n in dict.fromkeys(((year, months), (year - 1, months), (year - 1, 12), (year - 2, 12))):
        F = _totals(means, points, y, n)
        R = reg_series.get(y, [None] * 12)[:n]
        P = points.get(y, [None] * 12)[:n]
        rows = [
            (f, (r + 0.5) * k)
            for f, r, k in zip(F, R, P, strict=False)
            if f is not None and r is not None and k
        ]
        f_y, x_y = sum(f for f, _ in rows), sum(x for _, x in rows)
        fits[(y, n)] = (f_y, x_y)
        if (y, n) == (year - 1, months) and months != 12:
            continue  # a part of last year: its months are in the twelve below
        if len(rows) < 2 or f_y <= 0 or x_y <= 0:
            continue
        theta = f_y / x_y
        chi2 += sum((f - theta * x) ** 2 / (theta * x) for f, x in rows)
        df += len(rows) - 1
    f_this, x_this = fits[(year, months)]
    f_last, x_last = fits[(year - 1, months)]
    return {
        "f_this": f_this,
        "x_this": x_this,
        "f_last": f_last,
        "x_last": x_last,
        "chi2": chi2,
        "df": df,
        "phi": max(1.0, chi2 / df) if df else 1.0,
    }


def conditional_chance(cond: dict, pooled: float | None = None, prior_df: int = 0) -> float:
    """The chance that the points' counts per registered document rose this much from last
    year to this if they had stayed (one-sided): the log of θ̂_this / θ̂_last against its
    quasi-Poisson variance φ (1/F_this + 1/F_last), Student's t on the dispersion's df. With
    `pooled` (the dispersion over every county tested) the county's own is shrunk toward it,
    as if `prior_df` months of a typical county were added to its own (at least 1: never below
    Poisson)."""
    f_t, x_t, f_l, x_l = cond["f_this"], cond["x_this"], cond["f_last"], cond["x_last"]
    if x_t <= 0 or x_l <= 0:
        return 1.0
    chi2, df = cond["chi2"], cond["df"]
    if pooled is not None and prior_df:
        chi2, df = chi2 + pooled * prior_df, df + prior_df
    phi = max(1.0, chi2 / df) if df else 1.0
    ratio = math.log((f_t + 0.5) / x_t) - math.log((f_l + 0.5) / x_l)
    variance = phi * (1 / (f_t + 0.5) + 1 / (f_l + 0.5))
    return _t_sf(ratio / math.sqrt(variance), df if df else math.inf)


def _totals(means, points, year, months) -> list[float | None]:
    return [
        None if m is None or not n else m * n
        for m, n in zip(
            means.get(year, [None] * 12)[:months],
            points.get(year, [None] * 12)[:months],
            strict=True,
        )
    ]


def dispersion_of(tables: list[tuple[list, list]]) -> tuple[float, int]:
    """How much more than Poisson a series' monthly counts vary, and on how many degrees of
    freedom that is known. Each table is a pair of years, month by month; Pearson's χ² against
    months and years acting apart (each month its season, each year its level), summed over
    the tables, over their months − 1; at least 1. Neither the season nor the year's change is
    taken for noise; what is left is how far the months stray from them. (1, 0) without two
    months to compare: Poisson is assumed."""
    chi2, df = 0.0, 0
    for this, last in tables:
        pairs = [
            (a, b) for a, b in zip(this, last, strict=False) if a is not None and b is not None
        ]
        total = sum(a + b for a, b in pairs)
        if len(pairs) < 2 or total <= 0:
            continue
        share = sum(a for a, _ in pairs) / total
        for a, b in pairs:
            e_a, e_b = (a + b) * share, (a + b) * (1 - share)
            chi2 += (a - e_a) ** 2 / e_a if e_a else 0.0
            chi2 += (b - e_b) ** 2 / e_b if e_b else 0.0
        df += len(pairs) - 1
    return (max(1.0, chi2 / df), df) if df else (1.0, 0)


def _log_ratio(this: float, last: float) -> tuple[float, float]:
    """log(this / last) and its Poisson variance, half a record added to each count (so that a
    zero has a logarithm and a small count does not look like a certain fall)."""
    return math.log((this + 0.5) / (last + 0.5)), 1 / (this + 0.5) + 1 / (last + 0.5)


def _df(parts: list[tuple[float, int]]) -> float:
    """Welch–Satterthwaite: the degrees of freedom of a sum of variances each known on its own
    df (0: not estimated, Poisson, known exactly)."""
    total = sum(v for v, _ in parts)
    rest = sum(v * v / df for v, df in parts if df)
    return total * total / rest if rest else math.inf


def _t_sf(z: float, df: float) -> float:
    return float(special.ndtr(-z)) if math.isinf(df) else float(special.stdtr(df, -z))


def fall_chance(this: float, last: float, phi: float = 1.0, df: int = 0) -> float:
    """The chance of a fall at least this large from last year to this if the rate stayed: the
    log of the ratio of the two counts against its Poisson variance times the dispersion phi,
    Student's t on the df the dispersion was estimated with (normal when it was not)."""
    ratio, variance = _log_ratio(this, last)
    return _t_sf(-ratio / math.sqrt(phi * variance), df if df else math.inf)


def gap_chance(
    f_this, e_this, f_last, e_last, r_this, r_last, felt_noise=(1.0, 0), reg_noise=(1.0, 0)
):
    """The chance that the felt figure held up at least this much against the registered fall
    if the two had fallen alike: the log of the felt ratio (per point-month) minus the log of the
    registered one, against the sum of both variances, each times its dispersion (`*_noise`:
    dispersion and its df); Student's t on the Welch–Satterthwaite df; one-sided."""
    felt_ratio, felt_var = _log_ratio(f_this, f_last)
    felt_ratio -= math.log(e_this / e_last)
    reg_ratio, reg_var = _log_ratio(r_this, r_last)
    parts = [(felt_noise[0] * felt_var, felt_noise[1]), (reg_noise[0] * reg_var, reg_noise[1])]
    z = (felt_ratio - reg_ratio) / math.sqrt(sum(v for v, _ in parts))
    return _t_sf(z, _df(parts))
