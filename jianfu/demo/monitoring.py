"""Monitoring demo stage: sample points (诊脉点) with one reporter each and three years of monthly
burden reports (January of as_of.year − 2 to the last month closed before as_of), clean for most,
with five cases planted for the truthfulness checks to find.

How a clean point reports. Each point has a size (log-normal: a big street office receives ten
times what a small enterprise does) and answers by kind: a township hears mostly from the county,
a village from its township, a school from the education bureau. Counts are Poisson around the
point's level for the month (a quiet Spring Festival, a year-end rush); parts never exceed their
whole; hours come to the half hour; the apps a point must check into drift slowly; the burden
score and the hours a week follow the load. What a point receives from its county (documents,
meetings, inspections) follows what the county registered as reaching the grassroots month by
month (the registry's demo data, read back from the rollup), so when a clean county's registered
figures fall, its points feel the relief.

Planted (in the first city of the build, by tree order of the counties; points by position):
- 3rd county — felt against registered: its points receive from the county as much as in the
  first year while the county's registered documents, meetings and inspections fall (the
  registry's clean counties keep 55–62% a year) → felt_registered on the county;
- 4th county — its points copy one another: for the last ten months every point but the first
  sends the first point's figures with one or two answers nudged by one → truth_copies (peer)
  on the county (and, since the copied figures are a township's, its villages suddenly "receive"
  a township's county documents: felt_registered on documents and truth_outliers on the copiers
  follow from it);
- the township point of the 5th county — copies last month's report: the last eight months are
  last month's figures again (one of them with one answer changed) → truth_copies (previous);
- the first village point of the 6th county — heaped round numbers: over its whole history most
  answers of 10 and more are rounded to 5 or 10 → truth_digits;
- the first village point of the 7th county — outliers: three months of the last twelve four to
  six times its usual documents (from the city and the township), meetings, forms and trace
  demands → truth_outliers.
The 1st and 2nd counties carry the registry's planted patterns (pacing, white-header swap) and
their points are clean. The build prints the planted units in its summary.

Sizes: the city gets 4 points per county (40 for the demo's ten counties), a province 17 per
county (about 2,000); the tiny test build gets none (it stays small and its account list fixed).

`generate()` is a pure function of its plans, periods and random generator: the benchmark
(bench/truth_checks.py) builds its province-size data with it too.
"""

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from jianfu.core import periods as period_keys
from jianfu.demo.generator import AccountSpec, DemoContext, register
from jianfu.monitoring.models import Report, ReportForm, ReportVersion, SamplePoint
from jianfu.monitoring.questions import FORM_CODE, QUESTIONS_V1

YEARS = 3
PER_COUNTY = {"city": 4, "province": 17}
NUMERIC = [q["key"] for q in QUESTIONS_V1 if q["type"] != "text"]
TEXT = [q["key"] for q in QUESTIONS_V1 if q["type"] == "text"]
# January … December: Spring Festival quiet, deployment in spring, summer lull, year-end rush.
SEASON = np.array([0.85, 0.55, 1.10, 1.10, 1.05, 1.10, 0.90, 0.80, 1.00, 0.95, 1.15, 1.45])
OWN_TREND = 0.92  # what comes from elsewhere than the county eases by 8% a year

# Per kind: documents a month, and their shares by sender (city, county, township; the rest
# comes from the province or elsewhere); meetings and inspections a month, the county's share
# of them; statistical forms and trace demands a month; apps; hours a week on such work.
KINDS = {
    "township": {
        "docs": 90,
        "shares": (0.22, 0.68, 0.0),
        "meetings": 14,
        "insp": 5.0,
        "forms": 40,
        "trace": 24,
        "apps": 9,
        "hours": 20,
    },
    "village": {
        "docs": 35,
        "shares": (0.05, 0.30, 0.58),
        "meetings": 7,
        "insp": 3.0,
        "forms": 18,
        "trace": 14,
        "apps": 6,
        "hours": 14,
    },
    "school": {
        "docs": 24,
        "shares": (0.10, 0.62, 0.22),
        "meetings": 5,
        "insp": 2.6,
        "forms": 14,
        "trace": 9,
        "apps": 5,
        "hours": 11,
    },
    "enterprise": {
        "docs": 14,
        "shares": (0.12, 0.45, 0.36),
        "meetings": 3,
        "insp": 2.2,
        "forms": 9,
        "trace": 5,
        "apps": 3,
        "hours": 7,
    },
}
COUNTY_MEETING_SHARE = 0.55
COUNTY_INSPECTION_SHARE = 0.6
PROBLEMS = (
    "同一项工作多个部门重复要求报送材料。",
    "工作群里要求每天打卡、上传照片。",
    "临时通知多，常要求当天报送。",
    "迎检准备台账占用大量时间。",
    "几个政务 App 功能重复，都要求填报。",
    "会议多，有的会议与本村工作关系不大。",
)
SUGGESTIONS = (
    "建议统一报表口径，一次填报、多方共享。",
    "建议减少工作群打卡要求。",
    "建议督查检查合并进行，提前告知。",
)

PATTERN_LABELS = {
    "felt": "县级登记减少而基层感受未减轻",
    "copy_peer": "样本点之间相互抄报",
    "copy_forward": "照抄上月填报",
    "heaping": "数字逢五逢十取整",
    "outliers": "数字异常偏大",
}
COPY_FORWARD_MONTHS = 8
COPY_PEER_MONTHS = 10
OUTLIER_MONTHS = (2, 5, 6)  # months before the last closed one (0 = the last)


@dataclass
class PointPlan:
    """A sample point to build: its unit, county, kind, size, and the case planted in it."""

    unit: object
    county: object
    kind: str
    size: float
    apps: int
    pattern: str = ""
    reporter: object = None


@dataclass
class Plan:
    points: list[PointPlan]
    periods: list[str]
    # county id → {"documents"|"meetings"|"inspections": one multiplier per period}
    county_trend: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    planted_counties: dict[str, object] = field(default_factory=dict)


def report_periods(as_of: dt.date, years: int = YEARS) -> list[str]:
    """January of as_of.year − (years − 1) … the last month closed before as_of."""
    last = period_keys.key_of(as_of.replace(day=1) - dt.timedelta(days=1))
    return period_keys.between(f"{as_of.year - years + 1}-01", last)


# --- Choosing the points ------------------------------------------------------------------------


def _under(units, path: str) -> list:
    return [u for u in units if u.path.startswith(path)]


def choose_points(units: dict[str, list], per_county: int, rng: random.Random) -> list[PointPlan]:
    """`per_county` points in every county: a quarter townships, half villages, the rest schools
    and enterprises, picked at random within the county (tree order kept)."""
    plans = []
    for county in units["county"]:
        n_town = max(1, round(per_county * 0.2))
        n_village = max(1, round(per_county * 0.5))
        n_other = max(0, per_county - n_town - n_village)
        picks = []
        for kind, n in (("township", n_town), ("village", n_village)):
            pool = _under(units[kind], county.path)
            picks += [(kind, u) for u in rng.sample(pool, min(n, len(pool)))]
        others = _under(units["school"], county.path) + _under(units["enterprise"], county.path)
        picks += [(u.kind, u) for u in rng.sample(others, min(n_other, len(others)))]
        for kind, u in sorted(picks, key=lambda p: p[1].path):
            plans.append(
                PointPlan(
                    unit=u,
                    county=county,
                    kind=str(kind),
                    size=math.exp(rng.gauss(0, 0.6)),
                    apps=max(1, round(KINDS[str(kind)]["apps"] * rng.uniform(0.6, 1.4))),
                )
            )
    return plans


def plant(plans: list[PointPlan], counties: list) -> dict[str, object]:
    """Mark the planted cases (see the module docstring); returns pattern → county or unit."""
    planted: dict[str, object] = {}
    by_county: dict[int, list[PointPlan]] = {}
    for p in plans:
        by_county.setdefault(p.county.pk, []).append(p)

    def points_of(i):
        return by_county.get(counties[i].pk, []) if i < len(counties) else []

    if len(points_of(2)) >= 2:
        planted["felt"] = counties[2]
        for p in points_of(2):
            p.pattern = "felt"
    if len(points_of(3)) >= 2:
        planted["copy_peer"] = counties[3]
        for p in points_of(3):
            p.pattern = "copy_peer"
    for index, pattern, kind in (
        (4, "copy_forward", "township"),
        (5, "heaping", "village"),
        (6, "outliers", "village"),
    ):
        candidates = [p for p in points_of(index) if p.kind == kind] or points_of(index)
        if candidates:
            candidates[0].pattern = pattern
            planted[pattern] = candidates[0].unit
    return planted


# --- Generating the values ----------------------------------------------------------------------


def _half_hours(x):
    return np.round(np.asarray(x, dtype=float) * 2) / 2


def generate(plan: Plan, rng: random.Random) -> np.ndarray:
    """The numeric answers of every point and period: an array (points, periods, NUMERIC) of
    whole numbers and half hours, the planted cases applied."""
    npr = np.random.default_rng(rng.getrandbits(64))
    points, keys = plan.points, plan.periods
    n, t_count = len(points), len(keys)
    idx = {k: i for i, k in enumerate(NUMERIC)}
    out = np.zeros((n, t_count, len(NUMERIC)))
    months = np.array([period_keys.parse(k)[2] for k in keys])
    days = np.array([period_keys.days_in(k) for k in keys])
    elapsed = np.arange(t_count) / 12
    own = SEASON[months - 1] * OWN_TREND**elapsed  # (T,)
    size = np.array([p.size for p in points])[:, None]
    spec = [KINDS[p.kind] for p in points]

    def col(name):
        return np.array([s[name] for s in spec], dtype=float)[:, None]

    shares = np.array([s["shares"] for s in spec])  # (P, 3)
    trend = {m: np.empty((n, t_count)) for m in ("documents", "meetings", "inspections")}
    season = SEASON[months - 1]
    for i, p in enumerate(points):
        county = plan.county_trend.get(p.county.pk, {})
        for m in trend:
            series = county.get(m)
            if p.pattern == "felt":
                trend[m][i] = season  # the planted county: the first year's level all along
            elif series is None:
                trend[m][i] = own  # no registry data to follow
            else:
                trend[m][i] = series
    docs = col("docs") * size
    city = npr.poisson(docs * shares[:, [0]] * own)
    county_docs = npr.poisson(docs * shares[:, [1]] * trend["documents"])
    township = npr.poisson(docs * shares[:, [2]] * own)
    other = npr.poisson(docs * 0.05 * own)
    out[..., idx["docs_city"]] = city
    out[..., idx["docs_county"]] = county_docs
    out[..., idx["docs_township"]] = township
    out[..., idx["docs_total"]] = city + county_docs + township + other

    meet = col("meetings") * np.sqrt(size)
    m_county = npr.poisson(meet * COUNTY_MEETING_SHARE * trend["meetings"])
    m_other = npr.poisson(meet * (1 - COUNTY_MEETING_SHARE) * own)
    m_total = m_county + m_other
    out[..., idx["meetings_total"]] = m_total
    out[..., idx["meetings_county"]] = m_county
    out[..., idx["meetings_video"]] = npr.binomial(m_total.astype(int), 0.35)
    out[..., idx["meetings_hours"]] = _half_hours(m_total * npr.uniform(1.2, 2.4, m_total.shape))

    insp = col("insp") * np.sqrt(size)
    i_county = npr.poisson(insp * COUNTY_INSPECTION_SHARE * trend["inspections"])
    i_other = npr.poisson(insp * (1 - COUNTY_INSPECTION_SHARE) * own)
    i_total = i_county + i_other
    out[..., idx["inspections_total"]] = i_total
    out[..., idx["inspections_county"]] = i_county
    out[..., idx["inspections_remote"]] = npr.binomial(i_total.astype(int), 0.3)
    out[..., idx["inspection_days"]] = np.minimum(
        _half_hours(i_total * npr.uniform(0.4, 1.4, i_total.shape)), days
    )

    out[..., idx["forms_filled"]] = npr.poisson(col("forms") * size * own)
    out[..., idx["trace_demands"]] = npr.poisson(col("trace") * size * own)
    apps = np.array([p.apps for p in points], dtype=float)
    steps = npr.choice([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1], size=(n, t_count))
    steps[:, 0] = 0
    out[..., idx["app_checkins"]] = np.maximum(0, apps[:, None] + np.cumsum(steps, axis=1))

    # The load against the first year's: what the burden score and the hours follow.
    expected = docs * (shares[:, [1]] * trend["documents"] + (1 - shares[:, [1]]) * own)
    expected = expected + meet * trend["meetings"] * 3 + insp * trend["inspections"] * 6
    base = expected[:, :12].mean(axis=1, keepdims=True)
    load = expected / np.where(base > 0, base, 1)
    hours = col("hours") * (0.5 + 0.5 * load) * npr.uniform(0.9, 1.1, (n, 1))
    burden = np.clip(_half_hours(hours + npr.normal(0, 1.2, (n, t_count))), 1, 80)
    out[..., idx["hours_burden_week"]] = burden
    service = _half_hours(np.clip(40 - burden + npr.normal(0, 2.5, (n, t_count)), 4, 80))
    out[..., idx["hours_service_week"]] = np.minimum(service, 168 - burden)
    score = 1.6 + 1.6 * load + npr.normal(0, 0.45, (n, t_count))
    out[..., idx["burden_score"]] = np.clip(np.round(score), 1, 5)

    _apply_planted(out, plan, npr, idx, days)
    return out


def _apply_planted(out, plan: Plan, npr, idx, days) -> None:
    t_last = len(plan.periods) - 1
    peers: dict[int, list[int]] = {}
    for i, p in enumerate(plan.points):
        if p.pattern == "copy_peer":
            peers.setdefault(p.county.pk, []).append(i)
        elif p.pattern == "copy_forward":
            start = t_last - COPY_FORWARD_MONTHS + 1
            for t in range(start, t_last + 1):
                out[i, t] = out[i, t - 1]
            # One of them nudged: a near-copy, not an exact one.
            out[i, start + 3, idx["forms_filled"]] += 1
        elif p.pattern == "heaping":
            _heap(out[i], npr, idx)
        elif p.pattern == "outliers":
            for back in OUTLIER_MONTHS:
                _inflate(out[i, t_last - back], npr.uniform(4, 6), idx)
    nudge = [idx["docs_total"], idx["forms_filled"], idx["trace_demands"], idx["app_checkins"]]
    for members in peers.values():
        template, rest = members[0], members[1:]
        for t in range(t_last - COPY_PEER_MONTHS + 1, t_last + 1):
            for q in rest:
                out[q, t] = out[template, t]
                for k in npr.choice(nudge, size=npr.integers(1, 3), replace=False):
                    out[q, t, k] += 1


PARTS = {
    "docs_total": ("docs_city", "docs_county", "docs_township"),
    "meetings_total": ("meetings_video", "meetings_county"),
    "inspections_total": ("inspections_remote", "inspections_county"),
}


def _round5(v: float, npr) -> float:
    step = 10 if npr.random() < 0.4 else 5
    return float(round(v / step) * step)


def _heap(rows, npr, idx) -> None:
    """Round most answers of 10 and more to 5 or 10: the parts first, then the whole to a
    multiple of five that still holds them."""
    for row in rows:
        for k in ("forms_filled", "trace_demands", *[k for ps in PARTS.values() for k in ps]):
            if row[idx[k]] >= 10 and npr.random() < 0.85:
                row[idx[k]] = _round5(row[idx[k]], npr)
        for whole, parts in PARTS.items():
            values = [row[idx[k]] for k in parts]
            floor = sum(values) if whole == "docs_total" else max(values)
            if row[idx[whole]] >= 10 and npr.random() < 0.85:
                row[idx[whole]] = _round5(row[idx[whole]], npr)
            if row[idx[whole]] < floor:
                row[idx[whole]] = math.ceil(floor / 5) * 5


def _inflate(row, factor: float, idx) -> None:
    """A month four to six times the usual: documents from the city and the township, meetings
    called by others, forms and trace demands (what came from the county is left alone, so the
    county's felt-against-registered figures stay clean)."""
    extra = 0
    for k in ("docs_city", "docs_township"):
        new = min(600, round(row[idx[k]] * factor))
        extra += new - row[idx[k]]
        row[idx[k]] = new
    row[idx["docs_total"]] = min(2000, row[idx["docs_total"]] + extra)
    others = row[idx["meetings_total"]] - row[idx["meetings_county"]]
    added = min(400, round(others * factor)) - others
    row[idx["meetings_total"]] += added
    row[idx["meetings_video"]] = min(
        row[idx["meetings_total"]], round(row[idx["meetings_video"]] * factor)
    )
    row[idx["meetings_hours"]] = min(
        600,
        float(
            _half_hours(
                row[idx["meetings_hours"]]
                * row[idx["meetings_total"]]
                / max(1, row[idx["meetings_total"]] - added)
            )
        ),
    )
    for k in ("forms_filled", "trace_demands"):
        row[idx[k]] = min(1000, round(row[idx[k]] * factor))


def values_of(row, rng: random.Random) -> dict:
    """One report's answers as the form stores them (whole numbers as int, hours as float)."""
    out = {}
    for k, v in zip(NUMERIC, row, strict=True):
        out[k] = float(v) if k in HOURS else int(v)
    out["docs_senders"] = ""
    out["problems"] = rng.choice(PROBLEMS) if rng.random() < 0.12 else ""
    out["suggestions"] = rng.choice(SUGGESTIONS) if rng.random() < 0.06 else ""
    return out


HOURS = {q["key"] for q in QUESTIONS_V1 if q["type"] == "hours"}


# --- Writing ------------------------------------------------------------------------------------


def write(
    plan: Plan, values: np.ndarray, rng: random.Random, now: dt.datetime, reporter=None
) -> dict[str, int]:
    """The sample points (with their reporters) and every report with its first version; a
    point without a reporter of its own has its reports filed under `reporter`."""
    form = (
        ReportForm.objects.filter(code=FORM_CODE, valid_from__lte=_start(plan.periods[0]))
        .order_by("-valid_from", "-version")
        .first()
    )
    since = _start(plan.periods[0])
    points = SamplePoint.objects.bulk_create(
        [
            SamplePoint(unit=p.unit, county=p.county, kind=p.kind, form_code=FORM_CODE, since=since)
            for p in plan.points
        ],
        batch_size=2000,
    )
    if points and points[0].pk is None:
        ids = dict(
            SamplePoint.objects.filter(unit__in=[p.unit for p in plan.points]).values_list(
                "unit_id", "pk"
            )
        )
        for sp in points:
            sp.pk = ids[sp.unit_id]
    through = SamplePoint.reporters.through
    through.objects.bulk_create(
        [
            through(samplepoint_id=sp.pk, user_id=p.reporter.pk)
            for sp, p in zip(points, plan.points, strict=True)
            if p.reporter is not None
        ],
        batch_size=2000,
    )
    reports = []
    for i, (sp, p) in enumerate(zip(points, plan.points, strict=True)):
        reporter_id = (p.reporter or reporter).pk
        for t, key in enumerate(plan.periods):
            at, late = _submitted(key, rng, now, form.due_days, keep=bool(p.pattern))
            answers = values_of(values[i, t], rng)  # drawn even when not stored: same sequence
            if at is None:
                continue
            reports.append(
                Report(
                    point_id=sp.pk,
                    period=key,
                    form=form,
                    values=answers,
                    reporter_id=reporter_id,
                    version=1,
                    first_submitted_at=at,
                    submitted_at=at,
                    late=late,
                )
            )
    Report.objects.bulk_create(reports, batch_size=2000)
    if reports and reports[0].pk is None:
        ids = {
            (pt, per): pk
            for pk, pt, per in Report.objects.filter(point__in=points).values_list(
                "pk", "point_id", "period"
            )
        }
        for r in reports:
            r.pk = ids[(r.point_id, r.period)]
    ReportVersion.objects.bulk_create(
        [
            ReportVersion(
                report_id=r.pk,
                version=1,
                values=r.values,
                submitted_by_id=r.reporter_id,
                submitted_at=r.submitted_at,
                client_key=str(uuid.UUID(int=rng.getrandbits(128))),
                late=r.late,
            )
            for r in reports
        ],
        batch_size=2000,
    )
    return {"sample_points": len(points), "reports": len(reports)}


def _start(key: str) -> dt.date:
    return period_keys.bounds(key)[0]


def _submitted(
    key: str, rng: random.Random, now: dt.datetime, due_days: int, *, keep: bool = False
) -> tuple[dt.datetime | None, bool]:
    """When a point's report for the period came in, and whether it was late: most come in the
    first days after the month, up to the due day, a few after it. Times are local (Asia/Shanghai)
    and late means submitted after the due day, local date — the rule report_submit applies.

    A report whose time is still to come is not in yet: while the period is before its due day
    it is simply missing (None; the reminders and the missing lists have something to show),
    unless `keep` (a planted case, whose story needs its last month); once the due day has
    passed it came in now, late."""
    end = period_keys.bounds(key)[1]
    due = end + dt.timedelta(days=due_days)
    late = rng.random() < 0.06
    offset = rng.randint(due_days + 1, due_days + 15) if late else rng.randint(0, due_days)
    day = end + dt.timedelta(days=offset)
    at = timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.randint(0, 59)))
    )
    if at > now:
        if timezone.localdate(now) <= due and not keep:
            return None, False
        at = now
    return at, timezone.localdate(at) > due


# --- The extension ------------------------------------------------------------------------------


def county_trends(counties: list, keys: list[str]) -> dict[int, dict[str, np.ndarray]]:
    """What each county registered as reaching the grassroots, month by month, as a multiplier of
    its first year's monthly mean (documents, meetings, inspections); none where it registered
    too little to follow."""
    from jianfu.monitoring.felt import registered

    years = sorted({period_keys.parse(k)[1] for k in keys})
    reg = registered([c.pk for c in counties], years)
    out: dict[int, dict[str, np.ndarray]] = {}
    for county in counties:
        series = {}
        for measure, by_year in reg.get(county.pk, {}).items():
            monthly = np.array(
                [
                    by_year.get(period_keys.parse(k)[1], [0] * 12)[period_keys.parse(k)[2] - 1]
                    for k in keys
                ],
                dtype=float,
            )
            base = monthly[:12].mean()
            if base >= 2:
                series[measure] = monthly / base
        out[county.pk] = series
    return out


def build(ctx: DemoContext, per_county: int) -> dict[str, int]:
    cities = ctx.units["city"] or [ctx.root]
    plans = choose_points(ctx.units, per_county, ctx.rng)
    first_city = cities[0]
    counties = [c for c in ctx.units["county"] if c.path.startswith(first_city.path)]
    planted = plant(plans, counties)
    keys = report_periods(ctx.as_of)
    if not keys:
        return {}
    plan = Plan(plans, keys, county_trends(ctx.units["county"], keys))
    users = ctx.add_accounts(
        AccountSpec(f"reporter-{p.unit.code}", ctx.person_name(), p.unit.code, ("reporter",))
        for p in plans
    )
    for p, user in zip(plans, users, strict=True):
        p.reporter = user
    counts = write(plan, generate(plan, ctx.rng), ctx.rng, ctx.now)
    out = {"监测样本点": counts["sample_points"], "样本点填报": counts["reports"]}
    if reminded := remind(ctx.now):
        out["填报提醒"] = reminded
    for pattern, unit in planted.items():
        out[f"埋设预警样例：{unit.name}（{PATTERN_LABELS[pattern]}）"] = 1
    return out


def remind(now: dt.datetime) -> int:
    """The daily reminders as the worker's job sends them on the demo's day (a report due in the
    next days and still missing is reminded). The last of them in tree order has been seen by its
    reporter already, so the office's pages show both states."""
    from jianfu.monitoring.models import Reminder
    from jianfu.monitoring.services import reminders_due

    reminders_due(timezone.localdate(now))
    seen = Reminder.objects.order_by("-point__unit__path", "-pk").first()
    if seen is not None:
        Reminder.objects.filter(pk=seen.pk).update(read_at=now)
    return Reminder.objects.count()


def _count() -> dict[str, int]:
    from jianfu.monitoring.models import Reminder

    return {
        "监测样本点": SamplePoint.objects.count(),
        "样本点填报": Report.objects.count(),
        "填报提醒": Reminder.objects.count(),
    }


@register(count=_count, name="jianfu.monitoring.demo_data.sample_points")
def sample_points(ctx: DemoContext) -> dict[str, int]:
    per_county = PER_COUNTY.get(ctx.size, 0)
    return build(ctx, per_county) if per_county else {}
