"""An independent planted city (or province) for calibrating the signal rules: the model.

This module draws, from a seed, everything a city's users would put into the platform over three
years — the units tree, three registries (documents, meetings, inspections), quotas, and the
monthly reports of the sample points over 36 months — with a menu of planted cases and the truth
of which units and points did nothing wrong. It is plain numpy: no Django, no database.
bench/planted_load.py writes it through the product's own import and submission services, and
bench/detectors.py scores the nightly rule run against the truth.

Independence. It shares no code path with the demo's data (jianfu/demo/): its own tree, names,
codes, rates, seasonality and overdispersion, its own cases at its own strengths. It was written
from the issue's description of what each rule family claims to catch, not from the rules'
thresholds, and it is not tuned to them: a planted strength is what a unit gaming the figures
plausibly does (a third of inspections outside the plan, red-header documents re-issued white),
and "moderate" instances sit near what any test can detect at that unit's counts.

The null (what clean units and points do):
- counts are negative binomial, not Poisson: a Poisson draw around a gamma-distributed monthly
  rate (shape k drawn per unit, 4–15 for units, 3–10 for points, so variance μ + μ²/k);
- a unit's size is lognormal (small units with a handful of records a year, large ones with
  hundreds); its rate also moves from year to year by its own lognormal swing (sd 8 %) around a
  common downward trend (−6 % a year: the burden-reduction policy);
- seasonality: a shared monthly profile (the Spring Festival lull, the year-end rush) with a
  per-unit perturbation;
- shares (red-header, video, remote, grassroots, in-plan) are the unit's own and stable; 2 % of a
  clean unit's inspections fall outside the annual plan (a fact, not a scheme);
- a point's felt counts from its county follow what the county actually issued that month
  (a share of its realised documents, meetings and inspections reaching the grassroots);
- a clean unit stays within its quota: the office set the quota ahead of the year (1.2–1.5 times
  the unit's expected use), and where chance would have carried the unit over it, the quota is the
  unit's use plus a margin — exceeding a quota is a fact the rules should report, not a false
  alarm, so a clean unit must not do it.

Planted cases: per city, each registry family three times strong and once moderate, on distinct
units, in the third year against the two before. A case's strength is scaled to its unit's counts
(see STRONG_Z and _oracle_z: strong at 5 standard errors of the generator's own noise, moderate at
3.5), never below the realistic floor nor above the ceiling in STRENGTH; a unit too small to hold
the case at its strength is not chosen, and a case no unit of the city can hold is listed in the
truth as unplanted (the bench prints how many):
- pacing: 80 % (65 %) of the year's document quota used in January–May, at units with a quota
  of 15 documents or more (fixed shares: see STRENGTH);
- rising: a category's rate × at least 1.6 (1.35), at most 3;
- white_header: at least 55 % (35 %) of red-header documents issued white and not counted;
- remote_inspection: at least 30 (20) points of share moved to phone and paper; strong with the
  on-site inspections as they were, so the total rises (moderate: inspections × 1.1 in total);
- video_grassroots: in-person meetings turned into video meetings requiring the grassroots,
  at least + 35 (+ 20) points of share;
- document_length: counted documents × 0.7, pages per document × at least 1.8 (1.45);
- out_of_plan: at least a third (a fifth) of the unit's inspections outside the plan;
- registry_smooth: the unit's counted documents the same number every month (± 1 now and then);
- felt (once strong, once moderate per city): a county and its departments stop registering 45 %
  (30 %) of the documents that reach the grassroots, while the points keep receiving them;
and in the sample points' reports, in the twelve months judged:
- outliers: one month with township documents a digit too many (statistical forms), at the value
  the point's own counts reach by chance with probability 1e-10 (1e-7);
- inconsistent: meeting hours with no meeting in 3 months (levels adding up to more than the
  total in 2);
- heaping: every count of 8 or more rounded to 5 over 36 months (half of them);
- copy_forward: 4 months identical to the month before (3, one answer changed);
- peer_county: two points of one county, one copying the other for 6 months (4, a tweak);
- peer_across: three points in three counties sharing one report each month, 12 months (6);
- straight_line: 3 months with the same number in 8 questions in a row (2 months, 5 in a row);
- truth_smooth: a point reporting nearly the same counts every month for 36 months (12 months).

Sizes (SIZES): a city of 8 counties — 122 issuing units (18 city departments; per county the
county, 8 county departments, 4 townships) and 64 sample points (8 per county); a province of 8
such cities with 10 counties each — 1,184 issuing units and 2,000 sample points (25 per county).
Why: the province is the size the nightly budget is stated for (about 2,000 points × 36 months),
and submission through report_submit is fast enough for it (about 2 ms a report: 72,000 reports
in under three minutes; the province's 190,000 registry records import in about a minute), so a
province builds in about four minutes and a city in about half a minute on an idle machine; 8
city seeds and 2 province seeds build cold in about 12 minutes (27 measured on this 2-core machine
shared with three other jobs) and rerun warm in about a minute. The
province has the points of a real province but only the issuing units (not the 30,000 villages
without a role here): the rules read records and reports, not the bare tree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

VERSION = 6  # bump when the model changes: the cached databases are per version
YEARS = (2024, 2025, 2026)
AS_OF = dt.date(2026, 12, 31)  # the nightly run after the third year's last day
# Internal months: 2023-12 (t = 0) .. 2026-12 (t = 36). Registries cover 2024-01..2026-12; the
# points report 2023-12..2026-11 (the 36 months closed before AS_OF).
N_T = 37
REPORT_T = range(0, 36)
WINDOW_T = range(24, 36)  # 2025-12..2026-11: the twelve months the truth checks judge
SEASON = np.array([0.65, 0.6, 1.05, 1.1, 1.1, 1.05, 0.9, 0.85, 1.0, 1.0, 1.15, 1.35])
SEASON = SEASON / SEASON.mean()


def month_of(t: int) -> tuple[int, int]:
    """(year, month) of internal month t."""
    y, m = divmod(2023 * 12 + 11 + t, 12)
    return y, m + 1


def period(t: int) -> str:
    y, m = month_of(t)
    return f"{y}-{m:02d}"


@dataclass(frozen=True)
class Size:
    cities: int
    departments: int
    counties: int
    county_departments: int
    townships: int
    points_per_county: int


SIZES = {
    "city": Size(1, 18, 8, 8, 4, 8),
    "province": Size(8, 18, 10, 8, 4, 25),
}


@dataclass(frozen=True)
class Params:
    trend: float = -0.06
    year_sd: float = 0.08
    unit_k: tuple[float, float] = (4.0, 15.0)
    point_k: tuple[float, float] = (3.0, 10.0)
    size_sd: float = 0.7
    out_of_plan: float = 0.02


# Base annual means (documents, meetings, inspections) for a unit of size 1, by kind.
BASE = {
    "department": (40.0, 18.0, 10.0),
    "county": (70.0, 30.0, 14.0),
    "county_department": (22.0, 10.0, 6.0),
    "township": (18.0, 10.0, 4.0),
}
CATEGORIES = ("document", "meeting", "inspection")


@dataclass
class UnitRow:
    code: str
    name: str
    kind: str
    parent: str  # "" for the root


@dataclass
class Issuer:
    code: str
    kind: str
    county: str  # its county's code ("" for city departments)
    mu: np.ndarray  # (3, N_T) expected monthly counts per category
    k: float
    p_red: float
    p_assign: float
    p_grassroots: float
    p_video: float
    p_meet_grassroots: float
    p_remote: float
    pages: float
    # Third-year changes a planted case makes (kept apart from mu so the quota is set ahead).
    plant: dict = field(default_factory=dict)


@dataclass
class Point:
    code: str
    kind: str
    county: str
    scale: float
    k: float


@dataclass
class City:
    size: str
    seed: int
    root: UnitRow
    units: list[UnitRow]
    issuers: list[Issuer]
    points: list[Point]
    documents: dict[int, list[dict]]  # year → rows
    meetings: dict[int, list[dict]]
    inspections: dict[int, list[dict]]
    quotas: dict[int, list[tuple[str, str, int]]]  # year → (unit code, category, limit)
    reports: np.ndarray  # (P, 36, K) values
    keys: list[str]
    truth: dict


# --- The tree ------------------------------------------------------------------------------------

SURNAMES = "江河湖海山川林原泉石松柏梅兰竹菊桂荷杨柳青白云霞"
TOPICS = (
    "安全生产",
    "防汛抗旱",
    "乡村振兴",
    "基层治理",
    "营商环境",
    "文明创建",
    "森林防火",
    "环境整治",
)


def _tree(size: Size, rng) -> tuple[UnitRow, list[UnitRow], list[tuple], list[tuple]]:
    """The units (root first, parents before children), issuers as (code, kind, county) and
    point units as (code, kind, county)."""
    province = size.cities > 1
    root = UnitRow("Q" if province else "Q01", "清源省" if province else "清源市", "", "")
    root.kind = "province" if province else "city"
    units = [root]
    issuers, points = [], []
    for c in range(size.cities):
        if province:
            city = UnitRow(f"Q{c + 1:02d}", f"清源省{SURNAMES[c]}州市", "city", root.code)
            units.append(city)
        else:
            city = root
        for d in range(size.departments):
            code = f"{city.code}D{d + 1:02d}"
            units.append(UnitRow(code, f"{city.name}第{d + 1}局", "department", city.code))
            issuers.append((code, "department", ""))
        for k in range(size.counties):
            county = f"{city.code}K{k + 1:02d}"
            cname = f"{city.name}{SURNAMES[(c + k * 3) % len(SURNAMES)]}{k + 1}县"
            units.append(UnitRow(county, cname, "county", city.code))
            issuers.append((county, "county", county))
            for d in range(size.county_departments):
                code = f"{county}D{d + 1:02d}"
                units.append(UnitRow(code, f"{cname}第{d + 1}局", "county_department", county))
                issuers.append((code, "county_department", county))
            towns = []
            for t in range(size.townships):
                code = f"{county}T{t + 1:02d}"
                towns.append(code)
                units.append(UnitRow(code, f"{cname}第{t + 1}镇", "township", county))
                issuers.append((code, "township", county))
            for p in range(size.points_per_county):
                r = rng.random()
                kind = "village" if r < 0.65 else "school" if r < 0.82 else "enterprise"
                code = f"{county}P{p + 1:02d}"
                parent = towns[p % len(towns)] if kind == "village" else county
                label = {"village": "村", "school": "学校", "enterprise": "公司"}[kind]
                units.append(UnitRow(code, f"{cname}第{p + 1}{label}", kind, parent))
                points.append((code, kind, county))
    return root, units, issuers, points


# --- Registry: rates, then records --------------------------------------------------------------


def _nb(rng, mu, k):
    """Negative binomial counts with mean mu and shape k (a Poisson around a gamma rate)."""
    mu = np.asarray(mu, dtype=float)
    return rng.poisson(mu * rng.gamma(k, 1 / k, size=mu.shape))


def _issuer(code, kind, county, p: Params, rng) -> Issuer:
    scale = float(np.exp(rng.normal(0, p.size_sd)))
    season = SEASON * np.exp(rng.normal(0, 0.1, 12))
    season = season / season.mean()
    mu = np.zeros((3, N_T))
    years = np.exp(rng.normal(0, p.year_sd, (3, 4)))  # per category, per year (2023..2026)
    for t in range(N_T):
        y, m = month_of(t)
        trend = np.exp(p.trend * (y - 2024))
        for c in range(3):
            mu[c, t] = BASE[kind][c] * scale * trend * years[c, y - 2023] * season[m - 1] / 12
    grassroots = {"township": 0.9, "county": 0.6, "county_department": 0.55}.get(kind, 0.4)
    return Issuer(
        code=code,
        kind=kind,
        county=county,
        mu=mu,
        k=float(rng.uniform(*p.unit_k)),
        p_red=float(rng.beta(11, 9)),
        p_assign=float(rng.uniform(0.4, 0.8)),
        p_grassroots=float(np.clip(grassroots + rng.normal(0, 0.1), 0.05, 0.95)),
        p_video=float(rng.uniform(0.15, 0.4)),
        p_meet_grassroots=float(np.clip(grassroots - 0.1 + rng.normal(0, 0.1), 0.05, 0.9)),
        p_remote=float(rng.uniform(0.08, 0.3)),
        pages=float(rng.uniform(2.5, 8)),
    )


def _expected(iss: Issuer, c: int, year: int) -> float:
    ts = [t for t in range(N_T) if month_of(t)[0] == year]
    return float(iss.mu[c, ts].sum())


def _counted_share(iss: Issuer) -> float:
    return iss.p_red + (1 - iss.p_red) * iss.p_assign


def _day(rng, y, m) -> dt.date:
    return dt.date(y, m, int(rng.integers(1, calendar.monthrange(y, m)[1] + 1)))


def _counts(iss: Issuer, c: int, rng) -> np.ndarray:
    """The unit's realised monthly counts of a category (before any planted change to them)."""
    mu = iss.mu[c].copy()
    plant = iss.plant
    if plant.get("rising_c") == c:
        mu[25:] *= plant["rising"]
    if c == 0 and "length" in plant:
        mu[25:] *= plant["length"][0]
    if c == 0 and "pacing" in plant:
        quota, share = plant["pacing"]
        early = list(range(25, 30))  # 2026-01..05
        mu[early] *= share * quota / _counted_share(iss) / mu[early].sum()
    if c == 2 and "remote" in plant:
        mu[25:] *= plant["remote"][1]  # see _remote_total
    return _nb(rng, mu, iss.k)


def _documents(iss: Issuer, counts, rng, seq, rows, real_grassroots):
    plant = iss.plant
    for t in range(N_T):
        y, m = month_of(t)
        in_y3 = y == 2026
        p_red = iss.p_red * plant.get("white", 1.0) if in_y3 else iss.p_red
        pages_mu = iss.pages * (plant["length"][1] if in_y3 and "length" in plant else 1.0)
        n = int(counts[t])
        smooth = in_y3 and "smooth" in plant
        if smooth:  # the counted (red-header) documents: the same number every month
            base, jitter = plant["smooth"]
            n_red = base + (int(rng.choice((-1, 1))) if rng.random() < jitter else 0)
            n = n_red + rng.binomial(n, 1 - iss.p_red)
        for i in range(n):
            u = rng.random()
            red = i < n_red if smooth else u < p_red
            converted = not smooth and not red and u < iss.p_red  # would have been red-header
            reaches = rng.random() < iss.p_grassroots
            if reaches:
                real_grassroots[t] += 1
            if t == 0:
                continue
            if reaches and in_y3 and rng.random() < plant.get("unregistered", 0.0):
                continue  # issued, reached the grassroots, never registered
            kind = "red_header" if red else str(rng.choice(["white_header", "notice", "workgroup"]))
            assigns = red or (not smooth and not converted and rng.random() < iss.p_assign)
            if iss.kind == "township":
                levels = ["village"] if reaches else ["township"]
            else:
                levels = ["township", "village"] if reaches else ["county"]
            pages = 1 + int(_nb(rng, [max(pages_mu - 1, 0.2)], 3.0)[0])
            number = ""
            if red:
                seq[(iss.code, y)] = seq.get((iss.code, y), 0) + 1
                number = f"{iss.code}发〔{y}〕{seq[(iss.code, y)]}号"
            rows.setdefault(y, []).append(
                {
                    "external_id": f"W-{iss.code}-{y}{m:02d}-{i:03d}",
                    "number": number,
                    "title": f"关于做好{TOPICS[int(rng.integers(len(TOPICS)))]}工作的通知",
                    "unit": iss.code,
                    "issued_on": _day(rng, y, m),
                    "kind": kind,
                    "addressed_levels": levels,
                    "assigns_work": bool(assigns),
                    "pages": pages,
                    "characters": pages * int(rng.integers(550, 900)),
                }
            )


def _meetings(iss: Issuer, counts, rng, rows, real_grassroots):
    plant = iss.plant
    level = {"department": "department", "township": "township"}.get(iss.kind, "county")
    for t in range(N_T):
        y, m = month_of(t)
        shift = plant.get("video", 0.0) if y == 2026 else 0.0
        for i in range(int(counts[t])):
            video = rng.random() < iss.p_video
            grassroots = rng.random() < iss.p_meet_grassroots
            if not video and rng.random() < shift / max(1e-9, 1 - iss.p_video):
                video, grassroots = True, True  # moved to video, the grassroots still called
            if grassroots:
                real_grassroots[t] += 1
            if t == 0:
                continue
            if iss.kind == "township":
                levels = ["village"] if grassroots else ["township"]
            else:
                levels = ["township", "village"] if grassroots else ["county"]
            rows.setdefault(y, []).append(
                {
                    "external_id": f"M-{iss.code}-{y}{m:02d}-{i:03d}",
                    "title": f"{TOPICS[int(rng.integers(len(TOPICS)))]}工作会议",
                    "unit": iss.code,
                    "held_on": _day(rng, y, m),
                    "level": level,
                    "form": "video" if video else "in_person",
                    "attend_levels": levels,
                    "grassroots_attendees": int(rng.integers(10, 80)) if grassroots else 0,
                }
            )


def _inspections(iss: Issuer, counts, rng, rows, real):
    plant = iss.plant
    for t in range(N_T):
        y, m = month_of(t)
        in_y3 = y == 2026
        p_remote = iss.p_remote + (plant["remote"][0] if in_y3 and "remote" in plant else 0.0)
        p_out = plant.get("out_of_plan", 0.02) if in_y3 else 0.02
        for i in range(int(counts[t])):
            real[t] += 1
            if t == 0:
                continue
            r = rng.random()
            method = (
                ("phone" if rng.random() < 0.5 else "materials")
                if r < p_remote
                else "online"
                if r < p_remote + 0.04
                else "on_site"
            )
            start = _day(rng, y, m)
            rows.setdefault(y, []).append(
                {
                    "external_id": f"I-{iss.code}-{y}{m:02d}-{i:03d}",
                    "title": f"{TOPICS[int(rng.integers(len(TOPICS)))]}专项督查",
                    "unit": iss.code,
                    "kind": str(rng.choice(["supervision", "check", "assessment"])),
                    "method": method,
                    "starts_on": start,
                    "ends_on": start + dt.timedelta(days=int(rng.integers(0, 3))),
                    "in_plan": bool(rng.random() >= p_out),
                    "forms_demanded": int(rng.integers(0, 6)),
                }
            )


# --- Sample points --------------------------------------------------------------------------------

KEYS = [
    "docs_total",
    "docs_city",
    "docs_county",
    "docs_township",
    "meetings_total",
    "meetings_hours",
    "meetings_video",
    "meetings_county",
    "inspections_total",
    "inspection_days",
    "inspections_remote",
    "inspections_county",
    "forms_filled",
    "trace_demands",
    "app_checkins",
    "hours_burden_week",
    "hours_service_week",
    "burden_score",
]
K = {k: i for i, k in enumerate(KEYS)}
COUNT_KEYS = [
    k
    for k in KEYS
    if k
    not in (
        "meetings_hours",
        "inspection_days",
        "hours_burden_week",
        "hours_service_week",
        "burden_score",
        "app_checkins",
    )
]
KIND_SCALE = {"village": 1.0, "school": 0.7, "enterprise": 0.5}


def _halves(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 2) / 2


def _point_values(pt: Point, felt: dict[str, np.ndarray], p: Params, rng) -> np.ndarray:
    """A clean point's 36 months (36, K): drawn from the null, its county's felt series in."""
    T = len(REPORT_T)
    s = pt.scale
    season = np.array([SEASON[month_of(t)[1] - 1] for t in REPORT_T])
    trend = np.array([np.exp(p.trend * (month_of(t)[0] - 2024)) for t in REPORT_T])
    base = season * trend
    v = np.zeros((T, len(KEYS)))
    share = rng.uniform(0.25, 0.6) * KIND_SCALE[pt.kind]
    docs_county = _nb(rng, share * felt["documents"][:T] + 0.05, pt.k)
    meetings_county = _nb(rng, share * 0.6 * felt["meetings"][:T] + 0.05, pt.k)
    insp_county = _nb(rng, share * 0.25 * felt["inspections"][:T] + 0.02, pt.k)
    docs_city = _nb(rng, 4 * s * base, pt.k)
    docs_town = _nb(rng, 5 * s * base, pt.k)
    docs_total = docs_city + docs_county + docs_town + _nb(rng, 1.5 * s * base, pt.k)
    meet_total = meetings_county + _nb(rng, 1.5 * s * base, pt.k)
    video = rng.binomial(meet_total, 0.35)
    hours = np.where(meet_total > 0, _halves(meet_total * rng.uniform(1.0, 2.5, T)), 0.0)
    insp_total = insp_county + _nb(rng, 0.6 * s * base, pt.k)
    remote = rng.binomial(insp_total, 0.25)
    days = np.where(insp_total > 0, _halves(insp_total * rng.uniform(0.3, 1.0, T)), 0.0)
    days = np.minimum(days, 20)
    apps = np.empty(T)
    apps[0] = rng.integers(3, 13)
    for t in range(1, T):
        apps[t] = max(1, apps[t - 1] + (rng.choice((-1, 1)) if rng.random() < 0.08 else 0))
    score0 = rng.integers(2, 5)
    score = np.clip(score0 + rng.choice((-1, 0, 0, 0, 0, 0, 1), T), 1, 5)
    cols = {
        "docs_total": docs_total,
        "docs_city": docs_city,
        "docs_county": docs_county,
        "docs_township": docs_town,
        "meetings_total": meet_total,
        "meetings_hours": hours,
        "meetings_video": video,
        "meetings_county": meetings_county,
        "inspections_total": insp_total,
        "inspection_days": days,
        "inspections_remote": remote,
        "inspections_county": insp_county,
        "forms_filled": _nb(rng, 12 * s * base, pt.k),
        "trace_demands": _nb(rng, 6 * s * base, pt.k),
        "app_checkins": apps,
        "hours_burden_week": _halves(np.clip(rng.normal(6 + 5 * s, 1.5, T), 0, 60)),
        "hours_service_week": _halves(np.clip(rng.normal(25, 3, T), 0, 60)),
        "burden_score": score,
    }
    for key, col in cols.items():
        v[:, K[key]] = col
    return v


def _fix_wholes(row: np.ndarray) -> None:
    """Keep every part within its whole (the form refuses otherwise) after a planted change."""
    for whole, parts in (
        ("docs_total", ("docs_city", "docs_county", "docs_township")),
        ("meetings_total", ("meetings_video", "meetings_county")),
        ("inspections_total", ("inspections_remote", "inspections_county")),
    ):
        row[K[whole]] = max(row[K[whole]], *(row[K[p]] for p in parts))


# --- Planted point cases: each changes the values of its points (V: points × 36 × K) -------------


def _months(rng, n: int, consecutive: bool = False) -> list[int]:
    """n months of the twelve judged (report index)."""
    w = list(WINDOW_T)
    if consecutive:
        start = int(rng.integers(w[0] + 1, w[-1] - n + 2))
        return list(range(start, start + n))
    return sorted(int(t) for t in rng.choice(w, n, replace=False))


def plant_outliers(V, ps, strong, rng, k):
    """One month far above the point's own usual level: township documents with a digit too
    many (statistical forms, moderately) — at the value its own counts (mean over the 36 months,
    shape k) reach by chance with probability 1e-10 (1e-7): beyond the point's noise, not beyond
    a reviewer's eye."""
    from scipy import stats

    (p,) = ps
    t = _months(rng, 1)[0]
    row = V[p, t]
    key, tail = ("docs_township", 1e-10) if strong else ("forms_filled", 1e-7)
    old = row[K[key]]
    mean = max(float(V[p, :, K[key]].mean()), 0.5)
    value = stats.nbinom.isf(tail, k, k / (k + mean)) + 1
    row[K[key]] = max(8, int(value))
    if key == "docs_township":
        row[K["docs_total"]] += row[K[key]] - old
    _fix_wholes(row)


def plant_inconsistent(V, ps, strong, rng):
    (p,) = ps
    for t in _months(rng, 3 if strong else 2):
        row = V[p, t]
        if strong:  # hours in meetings, and no meeting
            for k in ("meetings_total", "meetings_video", "meetings_county"):
                row[K[k]] = 0
            row[K["meetings_hours"]] = 3.5
        else:  # the levels add up to more than all documents received
            for k in ("docs_county", "docs_township"):
                row[K[k]] = max(row[K[k]], 2)
            # each part within the total (the form checks that), their sum two above it
            row[K["docs_total"]] = row[K["docs_city"]] + row[K["docs_county"]]
            row[K["docs_total"]] += row[K["docs_township"]] - 2


def plant_heaping(V, ps, strong, rng):
    (p,) = ps
    cols = [K[k] for k in COUNT_KEYS]
    for t in REPORT_T:
        row = V[p, t]
        for c in cols:
            if row[c] >= 8 and (strong or rng.random() < 0.5):
                row[c] = 5 * round(row[c] / 5)
        _fix_wholes(row)


def plant_copy_forward(V, ps, strong, rng):
    (p,) = ps
    for t in _months(rng, 4 if strong else 3, consecutive=True):
        V[p, t] = V[p, t - 1]
        if not strong:
            V[p, t, K["docs_total"]] += 1


def plant_peer(V, ps, strong, rng, months):
    source, *copies = ps
    for t in _months(rng, months):
        for q in copies:
            V[q, t] = V[source, t]
            if not strong:
                V[q, t, K["forms_filled"]] += 1


def plant_straight_line(V, ps, strong, rng):
    (p,) = ps
    run = KEYS[K["meetings_total"] : K["meetings_total"] + (8 if strong else 5)]
    value = 4 if strong else 3
    for t in _months(rng, 3 if strong else 2):
        for k in run:
            V[p, t, K[k]] = value
        _fix_wholes(V[p, t])


def plant_smooth(V, ps, strong, rng):
    """Fabricated regularity: each count near the point's own mean every month."""
    (p,) = ps
    months = list(REPORT_T) if strong else list(WINDOW_T)
    jitter = 0.2 if strong else 0.4
    for k in COUNT_KEYS:
        c = K[k]
        level = max(1.0, round(float(V[p, :, c].mean())))
        for t in months:
            V[p, t, c] = level + (rng.choice((-1, 1)) if rng.random() < jitter else 0)
    for t in months:
        row = V[p, t]
        # the parts must add up within the whole: derive the totals from the parts
        row[K["docs_total"]] = max(
            row[K["docs_total"]],
            row[K["docs_city"]] + row[K["docs_county"]] + row[K["docs_township"]],
        )
        _fix_wholes(row)
        row[K["meetings_hours"]] = 1.5 * row[K["meetings_total"]]


# --- The whole city -------------------------------------------------------------------------------

REGISTRY_FAMILIES = (
    "pacing",
    "rising",
    "white_header",
    "remote_inspection",
    "video_grassroots",
    "document_length",
    "out_of_plan",
    "registry_smooth",
)
POINT_FAMILIES = (
    "outliers",
    "inconsistent",
    "heaping",
    "copy_forward",
    "peer_county",
    "peer_across",
    "straight_line",
    "truth_smooth",
)


# Planted strengths. A fixed multiplier on a unit with a handful of records is no case at all (20 →
# 27 inspections is what a quiet year looks like), so each case's strength is scaled to the unit's
# own counts: the smallest change, at or beyond the realistic floor below, whose effect an oracle —
# one who knows the unit's true rates, dispersion and year-to-year swing, i.e. this generator —
# would see at z standard errors. Strong cases sit at STRONG_Z, clear to anyone who looks; moderate
# ones at MODERATE_Z, near the edge of what any test can detect once it has to correct for testing
# every unit. Nothing here reads the rules' thresholds: z is the generator's own noise model.
STRONG_Z, MODERATE_Z = 5.0, 3.5
# Per city, each registry family is planted this many times at each strength: most gaming that
# exists is plain once looked for; some sits near the edge.
PER_CITY = {"strong": 3, "moderate": 1}
# (floor at strong, floor at moderate, ceiling): the realistic range of each family's strength.
STRENGTH = {
    # Pacing is planted at fixed shares of the year's document quota used in January–May: the
    # five months' own spread (each month's rate varies) caps what any test can see of an early
    # pace at about 3.7 standard errors even at the largest unit, so no unit holds it at STRONG_Z;
    # at the year's end its evidence is the quota exceeded, a fact rather than a test.
    "pacing": (0.8, 0.65, 0.8),
    "rising": (1.6, 1.35, 3.0),  # the category's rate × this
    "white_header": (0.55, 0.35, 0.8),  # share of red-header documents issued white instead
    "remote_inspection": (0.3, 0.2, 0.5),  # points of share moved to phone and paper
    "video_grassroots": (0.35, 0.2, 0.6),  # points of share moved to video, grassroots called
    "document_length": (1.8, 1.45, 2.5),  # pages per document × this (fewer, longer documents)
    "out_of_plan": (1 / 3, 1 / 5, 0.6),  # share of the year's inspections outside the plan
}


def _var(n: float, k: float) -> float:
    """Variance of a unit's yearly count of expected n: Poisson, the monthly gamma (shape k over
    twelve months) and the unit's own year-to-year swing (Params.year_sd)."""
    return n + n * n / (12 * k) + (Params.year_sd * n) ** 2


def _share_z(p0: float, p1: float, n0: float, n1: float) -> float:
    return abs(p1 - p0) / np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)


def _remote_total(iss: Issuer, x: float, strong: bool) -> float:
    """Inspections in total, × this, when x points of share go remote: a strong case keeps its
    on-site inspections as they were (the remote ones come on top), a moderate one grows by 10 %."""
    onsite = 1 - iss.p_remote - 0.04
    return onsite / (onsite - x) if strong else 1.1


def _oracle_z(iss: Issuer, family: str, x: float, strong: bool) -> float:
    """How many standard errors a change of strength x stands out at this unit's counts."""
    doc2, meet2, insp2 = (_expected(iss, c, 2025) for c in range(3))
    doc3, meet3, insp3 = (_expected(iss, c, 2026) for c in range(3))
    k = iss.k
    if family == "rising":
        c = iss.plant["rising_c"]
        n1, n2, n3 = (_expected(iss, c, y) for y in (2024, 2025, 2026))
        # against the two earlier years, brought to the third year's level by the trend
        base_var = (_var(n1, k) * (n3 / n1) ** 2 + _var(n2, k) * (n3 / n2) ** 2) / 4
        return (x - 1) * n3 / np.sqrt(_var(x * n3, k) + base_var)
    if family == "white_header":
        return _share_z(iss.p_red, iss.p_red * (1 - x), doc2, doc3)
    if family == "remote_inspection":
        n3 = insp3 * _remote_total(iss, x, strong)
        return _share_z(iss.p_remote, min(iss.p_remote + x, 0.99), insp2, n3)
    if family == "video_grassroots":
        p0 = iss.p_video * iss.p_meet_grassroots
        return _share_z(p0, min(p0 + x, 0.99), meet2, meet3)
    if family == "document_length":
        m = iss.pages
        v = max(m - 1, 0.2) + max(m - 1, 0.2) ** 2 / 3  # pages: 1 + NB(m − 1, shape 3)
        n2, n3 = doc2 * _counted_share(iss), 0.7 * doc3 * _counted_share(iss)
        return (x - 1) * m / np.sqrt(v / n2 + v * x * x / n3)
    if family == "out_of_plan":  # a low draw of the planted count against the background
        from scipy import stats

        out = x * insp3
        low = np.ceil(out - np.sqrt(out))
        p = stats.poisson.sf(low - 1, Params.out_of_plan * insp3)
        return float(stats.norm.isf(max(p, 1e-300)))
    raise ValueError(family)


def _strength(iss: Issuer, family: str, strong: bool) -> float | None:
    """The smallest realistic strength at which the case stands out at its target z here; None
    when even the ceiling would not (the unit is too small for the case)."""
    lo = STRENGTH[family][0 if strong else 1]
    hi = STRENGTH[family][2]
    if family == "remote_inspection":
        hi = min(hi, 0.85 - iss.p_remote)
    if family == "video_grassroots":
        hi = min(hi, 0.95 - iss.p_video)
    target = STRONG_Z if strong else MODERATE_Z
    if hi < lo or _oracle_z(iss, family, hi, strong) < target:
        return None
    if _oracle_z(iss, family, lo, strong) >= target:
        return lo
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if _oracle_z(iss, family, mid, strong) >= target else (mid, hi)
    return hi


def _eligible(iss: Issuer, family: str, strong: bool) -> bool:
    """Can the case be planted here at its strength (see _strength)?"""
    if family == "pacing":  # see STRENGTH: fixed shares, a quota of some size
        return _expected(iss, 0, 2026) * _counted_share(iss) >= 15
    if family == "registry_smooth":  # a steady monthly number needs a few documents a month
        return _expected(iss, 0, 2025) * iss.p_red >= 30
    if family == "rising":
        iss.plant["rising_c"] = max(range(3), key=lambda c: _expected(iss, c, 2025))
        ok = _strength(iss, family, strong) is not None
        del iss.plant["rising_c"]
        return ok
    return _strength(iss, family, strong) is not None


def _plant_issuer(iss: Issuer, family: str, strong: bool, rng) -> dict:
    """Set the third-year change on the issuer; returns the truth entry."""
    entry = {"family": family, "strength": "strong" if strong else "moderate", "unit": iss.code}
    if family == "rising":
        iss.plant["rising_c"] = max(range(3), key=lambda c: _expected(iss, c, 2025))
    if family == "pacing":
        x = STRENGTH["pacing"][0 if strong else 1]
    else:
        x = None if family == "registry_smooth" else _strength(iss, family, strong)
    if x is not None:
        entry["effect"] = round(float(x), 3)
    if x is not None and family != "pacing":
        entry["oracle_z"] = round(float(_oracle_z(iss, family, x, strong)), 2)
    if family == "pacing":
        quota = int(np.ceil(_expected(iss, 0, 2026) * _counted_share(iss) * 1.3))
        iss.plant["pacing"] = (quota, x)
        entry["subject"] = "document"
    elif family == "rising":
        iss.plant["rising"] = x
        entry["subject"] = CATEGORIES[iss.plant["rising_c"]]
    elif family == "white_header":
        iss.plant["white"] = 1 - x
        entry["subject"] = "white_header"
    elif family == "remote_inspection":
        iss.plant["remote"] = (x, _remote_total(iss, x, strong))
        entry["subject"] = "remote_inspection"
    elif family == "video_grassroots":
        iss.plant["video"] = x
        entry["subject"] = "video_grassroots"
    elif family == "document_length":
        iss.plant["length"] = (0.7, x)
        entry["subject"] = "document_length"
    elif family == "out_of_plan":
        iss.plant["out_of_plan"] = x
        entry["subject"] = ""
    elif family == "registry_smooth":
        monthly = _expected(iss, 0, 2026) * iss.p_red / 12
        iss.plant["smooth"] = (max(2, round(monthly)), 0.0 if strong else 0.3)
        entry["subject"] = "document"
    return entry


def build(size: str, seed: int, params: Params | None = None) -> City:
    p = params or Params()
    shape = SIZES[size]
    rng = np.random.default_rng([seed, 13, VERSION])
    root, units, issuer_rows, point_rows = _tree(shape, rng)
    issuers = [_issuer(code, kind, county, p, rng) for code, kind, county in issuer_rows]
    by_code = {i.code: i for i in issuers}
    counties = [code for code, kind, _c in issuer_rows if kind == "county"]
    cities = sorted({c[: len(c) - 3] for c in counties})
    truth: dict = {"registry": [], "felt": [], "points": []}

    # Felt: per city one strong and one moderate county (the county and its departments).
    planted_units: set[str] = set()
    felt_counties = {}
    for city in cities:
        mine = [c for c in counties if c.startswith(city) and len(c) == len(city) + 3]
        for strong, county in zip((True, False), rng.choice(mine, 2, replace=False), strict=True):
            county = str(county)
            felt_counties[county] = 0.45 if strong else 0.3
            members = [i for i in issuers if i.county == county and i.kind != "township"]
            for i in members:
                i.plant["unregistered"] = felt_counties[county]
                planted_units.add(i.code)
            truth["felt"].append(
                {
                    "family": "felt",
                    "strength": "strong" if strong else "moderate",
                    "unit": county,
                    "subject": "documents",
                    "members": [i.code for i in members],
                }
            )
    # Registry cases: per city, each family once strong and once moderate, on distinct units.
    for city in cities:
        pool = [i for i in issuers if i.code.startswith(city) and i.code not in planted_units]
        for family in REGISTRY_FAMILIES:
            for strength, n in PER_CITY.items():
                strong = strength == "strong"
                for _ in range(n):
                    fit = [
                        i
                        for i in pool
                        if i.code not in planted_units and _eligible(i, family, strong)
                    ]
                    if not fit:
                        truth.setdefault("unplanted", []).append([city, family, strength])
                        continue
                    iss = fit[int(rng.integers(len(fit)))]
                    planted_units.add(iss.code)
                    truth["registry"].append(_plant_issuer(iss, family, strong, rng))

    # Records (the realised counts) and what actually reached each county's grassroots.
    docs: dict[int, list] = {}
    meets: dict[int, list] = {}
    insps: dict[int, list] = {}
    felt = {
        c: {m: np.zeros(N_T) for m in ("documents", "meetings", "inspections")} for c in counties
    }
    seq: dict = {}
    used: dict[tuple[str, int, int], int] = {}
    sink = {m: np.zeros(N_T) for m in ("documents", "meetings", "inspections")}
    for iss in issuers:
        county_felt = felt[iss.county] if iss.county and iss.kind != "township" else sink
        counts = [_counts(iss, c, rng) for c in range(3)]
        before = {y: len(docs.get(y, [])) for y in YEARS}
        _documents(iss, counts[0], rng, seq, docs, county_felt["documents"])
        for y in YEARS:
            used[(iss.code, 0, y)] = sum(
                1
                for r in docs.get(y, [])[before[y] :]
                if r["kind"] == "red_header" or r["assigns_work"]
            )
        _meetings(iss, counts[1], rng, meets, county_felt["meetings"])
        _inspections(iss, counts[2], rng, insps, county_felt["inspections"])
        for c in (1, 2):
            for y in YEARS:
                ts = [t for t in range(N_T) if month_of(t)[0] == y]
                used[(iss.code, c, y)] = int(counts[c][ts].sum())

    # Quotas, set ahead of each year from the expected use; a clean unit keeps within them.
    quotas: dict[int, list] = {}
    for iss in issuers:
        for c in range(3):
            for y in YEARS:
                expected = _expected(iss, c, y) * (_counted_share(iss) if c == 0 else 1)
                limit = int(np.ceil(expected * rng.uniform(1.2, 1.5)))
                if "pacing" in iss.plant and c == 0 and y == 2026:
                    limit = iss.plant["pacing"][0]
                elif not iss.plant:
                    u = used[(iss.code, c, y)]
                    limit = max(limit, u + 1 + u // 10)
                quotas.setdefault(y, []).append((iss.code, CATEGORIES[c], max(limit, 1)))

    # Points: the null, then the planted cases.
    points = [
        Point(code, kind, county, float(np.exp(rng.normal(0, 0.5))), float(rng.uniform(*p.point_k)))
        for code, kind, county in point_rows
    ]
    V = np.stack([_point_values(pt, felt[pt.county], p, rng) for pt in points])
    idx = {pt.code: i for i, pt in enumerate(points)}
    taken: set[int] = set()

    def pick(city, n=1, same_county=False, distinct_counties=False, big=False):
        pool = [i for i, pt in enumerate(points) if pt.code.startswith(city) and i not in taken]
        if big:  # heaping needs counts of ten and more to be seen at all
            pool = [i for i in pool if points[i].scale > 1.0] or pool
        first = int(rng.choice(pool))
        chosen = [first]
        for _ in range(n - 1):
            here = [i for i in pool if i not in chosen]
            if same_county:
                here = [i for i in here if points[i].county == points[first].county]
            if distinct_counties:
                seen = {points[j].county for j in chosen}
                here = [i for i in here if points[i].county not in seen]
            chosen.append(int(rng.choice(here)))
        taken.update(chosen)
        return chosen

    planters = {
        "outliers": (
            lambda city: pick(city),
            lambda V, ps, strong, rng: plant_outliers(V, ps, strong, rng, points[ps[0]].k),
        ),
        "inconsistent": (lambda city: pick(city), plant_inconsistent),
        "heaping": (lambda city: pick(city, big=True), plant_heaping),
        "copy_forward": (lambda city: pick(city), plant_copy_forward),
        "peer_county": (
            lambda city: pick(city, 2, same_county=True),
            lambda V, ps, strong, rng: plant_peer(V, ps, strong, rng, 6 if strong else 4),
        ),
        "peer_across": (
            lambda city: pick(city, 3, distinct_counties=True),
            lambda V, ps, strong, rng: plant_peer(V, ps, strong, rng, 12 if strong else 6),
        ),
        "straight_line": (lambda city: pick(city), plant_straight_line),
        "truth_smooth": (lambda city: pick(city), plant_smooth),
    }
    for city in cities:
        for family in POINT_FAMILIES:
            chooser, planter = planters[family]
            for strong in (True, False):
                ps = chooser(city)
                planter(V, ps, strong, rng)
                truth["points"].append(
                    {
                        "family": family,
                        "strength": "strong" if strong else "moderate",
                        "points": [points[i].code for i in ps],
                    }
                )
    V = np.maximum(V, 0)
    truth["clean_units"] = sorted(i.code for i in issuers if i.code not in planted_units)
    truth["clean_counties"] = sorted(c for c in counties if c not in planted_units)
    truth["clean_points"] = sorted(pt.code for i, pt in enumerate(points) if i not in taken)
    truth["size"], truth["seed"], truth["version"] = size, seed, VERSION
    del idx, by_code
    return City(
        size, seed, root, units, issuers, points, docs, meets, insps, quotas, V, KEYS, truth
    )
