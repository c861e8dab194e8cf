"""All truthfulness checks of sample-point reports over province-size data.

    .venv/bin/python bench/truth_checks.py                      # SQLite (bench/.data/truth_checks/)
    DATABASE_URL=postgres://…/jianfu_bench_truth .venv/bin/python bench/truth_checks.py

Builds, when absent: the province tree (about 35,000 units) and 2,000 sample points with 36
months of reports each (72,000 reports), made by the demo's own generator
(jianfu.demo.monitoring: choose_points, plant, generate, write) — clean for most, with the
demo's five cases planted in every one of the sixteen cities (a point copying last month, a county
whose points copy one another, a point heaping round numbers, a point with outlying months, a
county whose points feel no relief; there is no registry data here, so the last is a clean county
for these checks).

truth_checks_s: one run of every truth rule (group "truth": outliers, consistency, digits, copies,
Benford) through the signals runner, as the nightly job runs them: reading the reports, judging,
and writing the signals.
clean_points_flagged_pct: the share of clean points with any truth signal (their own, or named in
a county's copied-reports signal).
Recall: for each planted case, the share of its instances the rule meant for it found.
"""

import datetime as dt
import random
import time

from _setup import figure, start

vendor = start("truth_checks")

from django.db import transaction  # noqa: E402

from jianfu.core import clock  # noqa: E402
from jianfu.core import periods as period_keys  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.demo import monitoring as demo_data  # noqa: E402
from jianfu.monitoring.models import Report, SamplePoint  # noqa: E402
from jianfu.signals import runner  # noqa: E402
from jianfu.signals.models import Signal  # noqa: E402
from jianfu.signals.rules import RULES, truth_benford, truth_digits  # noqa: E402
from jianfu.signals.rules import truth_common as tc  # noqa: E402

AS_OF = dt.date(2026, 12, 15)
MONTHS = period_keys.between("2023-12", "2026-11")  # the 36 months closed before AS_OF
POINTS = 2000
SEED = 2025
KINDS = ("county", "township", "village", "school", "enterprise", "city")


def plan() -> tuple[demo_data.Plan, dict, random.Random]:
    """The points and the planted cases (the same every time: one seed, one tree)."""
    units = {
        kind: list(
            Unit.objects.filter(kind=kind)
            .order_by("path")
            .only("pk", "path", "kind", "code", "name")
        )
        for kind in KINDS
    }
    rng = random.Random(f"{SEED}:truth_checks")
    plans = demo_data.choose_points(units, 17, rng)[:POINTS]
    planted: dict[str, list] = {}
    for city in units["city"]:
        counties = [c for c in units["county"] if c.path.startswith(city.path)]
        for pattern, unit in demo_data.plant(plans, counties).items():
            planted.setdefault(pattern, []).append(unit)
    return demo_data.Plan(plans, MONTHS), planted, rng


def build(p: demo_data.Plan, rng) -> None:
    t = time.perf_counter()
    reporter = User.objects.create(username="bench-reporter", full_name="基准测试填报员")
    values = demo_data.generate(p, rng)
    written = demo_data.write(p, values, rng, clock.now(), reporter=reporter)
    print(
        f"  {written['sample_points']:,} points, {written['reports']:,} reports "
        f"in {time.perf_counter() - t:.0f} s",
        flush=True,
    )


with clock.frozen(AS_OF):
    if not Unit.objects.exists():
        with transaction.atomic():
            generator.load(size="province", seed=SEED, with_extensions=False)
    the_plan, planted, rng = plan()
    if not SamplePoint.objects.exists():
        with transaction.atomic():
            build(the_plan, rng)

print(
    f"database: {vendor}; units: {Unit.objects.count():,}; "
    f"sample points: {SamplePoint.objects.count():,}; reports: {Report.objects.count():,}"
)

codes = [code for code, rule in RULES.items() if rule.group == "truth"]
Signal.objects.filter(rule__in=codes).delete()  # every run raises its signals afresh
with clock.frozen(AS_OF):
    t = time.perf_counter()
    report = runner.run(as_of=AS_OF, rules=codes)
    elapsed = time.perf_counter() - t
for code in codes:
    print(
        f"  {code}: {report.seconds[code]:.2f} s, raised {report.results[code].raised}",
        flush=True,
    )

# Who was flagged.
unit_of_point = dict(SamplePoint.objects.values_list("pk", "unit_id"))
flagged: set[int] = set()
found: dict[str, set] = {}
for rule, unit_id, subject, evidence in Signal.objects.filter(rule__in=codes).values_list(
    "rule", "unit_id", "subject", "evidence"
):
    found.setdefault(f"{rule}:{subject}", set()).add(unit_id)
    flagged.add(unit_id)
    if subject == "peer":
        flagged.update(unit_of_point[p] for p in evidence.get("points", []))
clean = {p.unit.pk for p in the_plan.points if p.pattern in ("", "felt")}
flagged_clean = clean & flagged
print(f"clean points: {len(clean):,}; flagged: {len(flagged_clean)}")
by_rule = {}
for key, units in sorted(found.items()):
    by_rule[key] = len(units & clean)
print("  clean points flagged by rule:", by_rule)

# Benford: which pools suit it at all (most county pools are too narrow: the honest answer).
data = tc.load(AS_OF)
pools = suited = 0
for county in set(int(c) for c in data.county_ids):
    for key in truth_benford.FIELDS:
        pools += 1
        values = data.values[data.county_ids == county, :, data.col(key)].ravel()
        suited += truth_benford.suits(values, 500, 2.0)[0]
copying = {u.pk for u in planted.get("copy_peer", [])}
benford = (
    found.get("truth_benford:docs_total", set())
    | found.get("truth_benford:forms_filled", set())
    | found.get("truth_benford:trace_demands", set())
)
print(
    f"  Benford: {suited} of {pools} county pools suit it; signals on {len(benford)} counties, "
    f"{len(benford & copying)} of them counties whose points copy one another"
)

expected = {
    "copy_forward": "truth_copies:previous",
    "copy_peer": "truth_copies:peer",
    "heaping": "truth_digits:",
    "outliers": "truth_outliers:",
}
for pattern, key in expected.items():
    units = planted.get(pattern, [])
    hit = sum(1 for u in units if u.pk in found.get(key, set()))
    note = ""
    if pattern == "heaping":
        from jianfu.monitoring import stats

        testable = 0
        for u in units:
            p = list(data.unit_ids).index(u.pk)
            cols = [data.col(k) for k in truth_digits.tested_keys(data)]
            r = stats.digit_test([data.values[p, :, c] for c in cols])
            testable += r["p"] is not None or r["heaping_p"] is not None
        note = f" ({testable} of them with the 50 values the tests need)"
    print(f"  recall {pattern} ({key}): {hit}/{len(units)}{note}")
    figure(f"recall_{pattern}_pct", round(hit / len(units) * 100, 1) if units else 0.0)

figure("truth_checks_s", round(elapsed, 2))
figure("clean_points_flagged_pct", round(len(flagged_clean) / len(clean) * 100, 2))
