"""Copied reports across the whole scope: the peer check of truth_copies at province size.

    .venv/bin/python bench/truth_copies.py                      # SQLite (bench/.data/truth_copies/)
    DATABASE_URL=postgres://…/jianfu_bench_truth_copies .venv/bin/python bench/truth_copies.py

Builds, when absent, a data set of its own: a province of 16 cities and 125 counties with 16
sample points each (2,000 points: townships, villages, schools, enterprises) and 36 months of
reports (the demo's generator makes the honest answers), then plants, in the twelve months the
check judges:
- exact: 20 groups of three points in three different counties (half of them in different
  cities) sending one report each month, a different one every month;
- near: 20 pairs of points in different counties, one sending the other's report with one or
  two answers changed by one, every month;
- county: 5 groups of three points of one county sending one report (what the check found
  before, within a county).
Everything else is clean.

figure: copies_s — truth_copies.evaluate over the whole scope (copy-forward, peers and
straight-lining), the reports already read (as the nightly run shares one read among the truth
rules); median of five runs. copies_peer_s: the peer check alone.
figure: copies_anchor_s — reading the reports array (truth_common.load), median of three runs in
the same process on the same data; copies_to_anchor_ratio = copies_s / copies_anchor_s.
copies_cpu_s, copies_anchor_cpu_s: the same medians in CPU time of this process (the machine
may be shared: wall time counts the others' work too).
figure: copies_recall_pct — of the planted case-months (a case in a month it copied), the share
whose points a peer finding of that month names as one group.
Per family: copies_recall_exact_pct, copies_recall_near_pct, copies_recall_county_pct.
figure: copies_clean_points_flagged_pct — the share of clean points named by any truth_copies
finding (a peer group, or a point's own copy-forward or straight-lining).
"""

import datetime as dt
import random
import statistics
import time

from _setup import figure, start

vendor = start("truth_copies")

import numpy as np  # noqa: E402
from django.db import transaction  # noqa: E402

from jianfu.core import clock  # noqa: E402
from jianfu.core import periods as period_keys  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.demo import monitoring as demo_data  # noqa: E402
from jianfu.monitoring.models import Report, SamplePoint  # noqa: E402
from jianfu.signals.rules import current_settings, truth_copies  # noqa: E402
from jianfu.signals.rules import truth_common as tc  # noqa: E402

AS_OF = dt.date(2026, 12, 15)
MONTHS = period_keys.between("2023-12", "2026-11")  # the 36 months closed before AS_OF
WINDOW = 12
CITIES = 16
COUNTIES = 125
PER_COUNTY = (("township", 3), ("village", 8), ("school", 2), ("enterprise", 3))
SEED = 2026
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NUDGE = ("docs_total", "forms_filled", "trace_demands", "app_checkins", "meetings_total")
IDX = {k: i for i, k in enumerate(demo_data.NUMERIC)}


def step(i: int) -> str:
    out = ""
    for _ in range(4):
        i, r = divmod(i, len(ALPHABET))
        out = ALPHABET[r] + out
    return out


def build_tree() -> None:
    """Province → cities → counties → the points' units, written in one bulk insert."""
    nodes = [dict(code="BP", name="基准省", kind="province", path=step(1), depth=1)]
    county_of_city: dict[int, list[int]] = {c: [] for c in range(CITIES)}
    for k in range(COUNTIES):
        county_of_city[k % CITIES].append(k)
    for c in range(CITIES):
        city_path = step(1) + step(c + 1)
        nodes.append(
            dict(code=f"B{c:02d}", name=f"基准{c + 1}市", kind="city", path=city_path, depth=2)
        )
        for j, k in enumerate(county_of_city[c]):
            county_path = city_path + step(j + 1)
            nodes.append(
                dict(
                    code=f"B{c:02d}{k:03d}",
                    name=f"基准{k + 1}县",
                    kind="county",
                    path=county_path,
                    depth=3,
                )
            )
            n = 0
            for kind, count in PER_COUNTY:
                for i in range(count):
                    n += 1
                    nodes.append(
                        dict(
                            code=f"B{c:02d}{k:03d}{n:02d}",
                            name=f"基准{k + 1}县{kind}{i + 1}",
                            kind=kind,
                            path=county_path + step(n),
                            depth=4,
                        )
                    )
    paths = {n["path"] for n in nodes}
    for n in nodes:
        n["numchild"] = sum(
            1 for p in paths if p.startswith(n["path"]) and len(p) == len(n["path"]) + 4
        )
    Unit.objects.bulk_create([Unit(**n) for n in nodes], batch_size=2000)


def plans() -> list[demo_data.PointPlan]:
    rng = random.Random(f"{SEED}:points")
    counties = {u.path: u for u in Unit.objects.filter(kind="county", code__startswith="B")}
    out = []
    for u in Unit.objects.filter(depth=4, code__startswith="B").order_by("path"):
        out.append(
            demo_data.PointPlan(
                unit=u,
                county=counties[u.path[:12]],
                kind=u.kind,
                size=float(np.exp(rng.gauss(0, 0.6))),
                apps=max(1, round(demo_data.KINDS[u.kind]["apps"] * rng.uniform(0.6, 1.4))),
            )
        )
    return out


def cases(points: list) -> dict[str, list[list[int]]]:
    """The planted cases, as indexes into `points` (the same every run: one seed, one tree)."""
    rng = random.Random(f"{SEED}:cases")
    free = list(range(len(points)))
    rng.shuffle(free)
    used: set[int] = set()

    def pick(n: int, *, same_county: bool, other_city: bool = False) -> list[int]:
        for i in free:
            if i in used:
                continue
            group = [i]
            for j in free:
                if j in used or j in group:
                    continue
                county = points[j].county.pk
                if same_county != (county == points[i].county.pk):
                    continue
                if not same_county and county in {points[g].county.pk for g in group}:
                    continue
                city = points[j].county.path[:8]
                if other_city and city in {points[g].county.path[:8] for g in group}:
                    continue
                if not other_city and not same_county and city != points[i].county.path[:8]:
                    continue
                group.append(j)
                if len(group) == n:
                    used.update(group)
                    return group
        raise RuntimeError("no room for a planted case")

    return {
        "exact": [pick(3, same_county=False, other_city=g % 2 == 1) for g in range(20)],
        "near": [pick(2, same_county=False, other_city=g % 2 == 1) for g in range(20)],
        "county": [pick(3, same_county=True) for _ in range(5)],
    }


def build(points, planted) -> None:
    t = time.perf_counter()
    rng = random.Random(f"{SEED}:values")
    plan = demo_data.Plan(points, MONTHS)
    values = demo_data.generate(plan, rng)
    npr = np.random.default_rng(SEED)
    last = len(MONTHS) - 1
    for family, groups in planted.items():
        for group in groups:
            points[group[0]].pattern = f"copy_{family}"
            for t_ in range(last - WINDOW + 1, last + 1):
                for q in group[1:]:
                    points[q].pattern = f"copy_{family}"
                    values[q, t_] = values[group[0], t_]
                    if family == "near":
                        n = npr.integers(1, 3)
                        for key in npr.choice(NUDGE, size=n, replace=False):
                            values[q, t_, IDX[key]] += 1
    reporter = User.objects.create(username="bench-copies", full_name="基准测试填报员")
    with clock.frozen(AS_OF):
        written = demo_data.write(plan, values, rng, clock.now(), reporter=reporter)
    print(
        f"  {written['sample_points']:,} points, {written['reports']:,} reports "
        f"in {time.perf_counter() - t:.0f} s",
        flush=True,
    )


with clock.frozen(AS_OF):
    if not Unit.objects.filter(code="BP").exists():
        with transaction.atomic():
            build_tree()
    points = plans()
    planted = cases(points)
    if not SamplePoint.objects.exists():
        with transaction.atomic():
            build(points, planted)

print(
    f"database: {vendor}; units: {Unit.objects.count():,}; "
    f"sample points: {SamplePoint.objects.count():,}; reports: {Report.objects.count():,}"
)


CPU: dict[str, float] = {}


def median_s(fn, runs: int, name: str = "") -> tuple[float, object]:
    """The median wall time of `runs` calls (and, under `name`, the median CPU time of this
    process: on a shared machine the wall time also counts the others' work)."""
    out = None
    samples, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        samples.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(samples), out


settings = current_settings()
anchor, data = median_s(lambda: tc._read(AS_OF), 3, "anchor")
tc.load(AS_OF, settings)  # the shared read the truth rules of a run reuse
with clock.frozen(AS_OF):
    copies_s, findings = median_s(
        lambda: truth_copies.RULE.evaluate(AS_OF, None, settings), 5, "copies"
    )
    window = np.array(list(data.window_t()))
    alpha = float(settings[truth_copies.ALPHA]) / 100
    peer_s, _ = median_s(lambda: truth_copies._peers(data, window, alpha, tc.wanted(None)), 5)
    peers = truth_copies._peer_setup(data, window)
    n_candidates = truth_copies.candidates(peers)[0].size

# Recall: a case-month is found when one peer finding of that month names its points as a group.
point_id = {u: p for u, p in SamplePoint.objects.values_list("unit_id", "pk")}
groups_by_month: dict[str, list[set]] = {}
named: set[int] = set()
flagged_units: set[int] = set()
for f in findings:
    if f.subject == "peer":
        groups_by_month.setdefault(f.period, []).extend(set(g) for g in f.evidence["groups"])
        named.update(f.evidence["points"])
    else:
        flagged_units.add(f.unit_id)
copied = MONTHS[-WINDOW:]
hits = total = 0
for family, groups in planted.items():
    f_hits = 0
    for group in groups:
        ids = {point_id[points[i].unit.pk] for i in group}
        for month in copied:
            f_hits += any(ids <= g for g in groups_by_month.get(month, []))
    f_total = len(groups) * len(copied)
    print(f"  recall {family}: {f_hits}/{f_total}")
    figure(f"copies_recall_{family}_pct", round(f_hits / f_total * 100, 1))
    hits += f_hits
    total += f_total
planted_points = {i for groups in planted.values() for g in groups for i in g}
clean = {point_id[p.unit.pk] for i, p in enumerate(points) if i not in planted_points}
unit_of = {p: u for u, p in point_id.items()}
flagged = {p for p in clean if p in named or unit_of[p] in flagged_units}
print(
    f"  {len(data.point_ids):,} points × {len(data.months)} months; "
    f"{len(findings)} findings; peer candidates judged: {n_candidates:,}; "
    f"pairs a full comparison tests: {peers.within + peers.across:,}; "
    f"clean points flagged: {len(flagged)} of {len(clean)}"
)
figure("copies_s", round(copies_s, 3))
figure("copies_peer_s", round(peer_s, 3))
figure("copies_anchor_s", round(anchor, 3))
figure("copies_to_anchor_ratio", round(copies_s / anchor, 3))
figure("copies_cpu_s", round(CPU["copies"], 3))
figure("copies_anchor_cpu_s", round(CPU["anchor"], 3))
figure("copies_recall_pct", round(hits / total * 100, 1))
figure("copies_clean_points_flagged_pct", round(len(flagged) / len(clean) * 100, 2))
