"""Copied reports across counties: three points in three counties sending one report each month
(a different one every month) are one group, found every month and raised on the city above
them; a pair one answer apart is found too; small points in different counties whose zeros agree
by chance are not; the run folds the months of a group into one signal; the multiplicity
correction counts every pair a full comparison tests, not the candidates."""

import random

import numpy as np
import pytest

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring.models import SamplePoint
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import truth_copies

from . import truth_factories as tf

COPY_MONTHS = 12
IDX = {k: i for i, k in enumerate(demo_data.NUMERIC)}


def third_county(city: Unit) -> None:
    """The tiny build has two counties; a third, with its own townships, villages, a school and
    an enterprise, so that three points can sit in three counties."""

    def add(parent, code, name, kind):
        return Unit.objects.add_child(
            Unit.objects.get(pk=parent.pk), {"code": code, "name": name, "kind": kind}
        )

    county = add(city, "410999", "第三县", "county")
    for t in range(2):
        town = add(county, f"41099901{t}", f"第三县{t + 1}镇", "township")
        for v in range(3):
            add(town, f"41099901{t}{v}", f"第三县{t + 1}镇{v + 1}村", "village")
        add(town, f"41099901{t}S", f"第三县{t + 1}镇学校", "school")
        add(town, f"41099901{t}E", f"第三县{t + 1}镇企业", "enterprise")


def build() -> dict:
    tf.tree(11)
    city = Unit.objects.get(code=tf.ROOT)
    third_county(city)
    units = {
        kind: list(Unit.objects.filter(kind=kind, path__startswith=city.path).order_by("path"))
        for kind in tf.KINDS
    }
    rng = random.Random(11)
    plans = demo_data.choose_points(units, 12, rng)
    counties = units["county"]
    assert len(counties) == 3

    def of(county, kind):
        return [i for i, p in enumerate(plans) if p.county.pk == county.pk and p.kind == kind]

    # Small points: every enterprise a tenth of the usual size (zeros and ones), and in each
    # county one that receives nothing at all, month after month (a quiet enterprise: only its
    # apps, hours and burden score are not zero).
    small = [i for i, p in enumerate(plans) if p.kind == "enterprise"]
    for i in small:
        plans[i].size = 0.1
    quiet = [of(c, "enterprise")[0] for c in counties if of(c, "enterprise")]
    assert len(quiet) >= 2
    group = [of(c, "township")[0] for c in counties]
    near = [of(counties[0], "village")[0], of(counties[2], "village")[0]]
    plan = demo_data.Plan(plans, demo_data.report_periods(tf.AS_OF))
    values = demo_data.generate(plan, rng)
    last = len(plan.periods) - 1
    kept = [IDX[k] for k in ("app_checkins", "hours_burden_week", "hours_service_week")]
    kept.append(IDX["burden_score"])
    for i in quiet:
        counts = np.ones(values.shape[2], dtype=bool)
        counts[kept] = False
        values[i][:, counts] = 0
    for t in range(last - COPY_MONTHS + 1, last + 1):
        for i in group[1:]:
            values[i, t] = values[group[0], t]
        values[near[1], t] = values[near[0], t]
        values[near[1], t, IDX["trace_demands"]] += 1  # one answer changed
    for i in group + near:
        plans[i].pattern = "copy_across"  # every month kept (no report left for later)
    reporter = User.objects.create(username="truth-reporter-across", full_name="填报员")
    with clock.frozen(tf.AS_OF):
        demo_data.write(plan, values, rng, clock.now(), reporter=reporter)
    point = dict(SamplePoint.objects.values_list("unit_id", "pk"))
    return {
        "city": city,
        "group": [point[plans[i].unit.pk] for i in group],
        "near": [point[plans[i].unit.pk] for i in near],
        "small": [point[plans[i].unit.pk] for i in small],
        "copied": set(plan.periods[-COPY_MONTHS:]),
        "plans": plans,
    }


demo = pytest.fixture(scope="module")(tf.module_fixture(build))


@pytest.fixture
def built(demo, db):
    return demo


@pytest.fixture
def peer(built):
    return [f for f in tf.evaluate(truth_copies.RULE) if f.subject == "peer"]


def test_three_points_in_three_counties_sharing_a_report_are_one_group_a_month(built, peer):
    group = set(built["group"])
    found = {f.period: f for f in peer if group <= set(f.evidence["points"])}
    assert set(found) == built["copied"] & set(tf.tc.window(tf.AS_OF))
    for f in found.values():
        # Raised once, on the city above the three counties (no county contact sees the others'
        # points), the three points one group, every pair of them named.
        assert f.unit_id == built["city"].pk
        assert group in [set(g) for g in f.evidence["groups"]]
        assert len(f.evidence["counties"]) >= 3
        assert "across_counties" in f.conditions and f.severity == 2
        # The pairs named link the group (the strongest, one fewer than its points); the
        # three pairs among them were all flagged.
        linking = [x for x in f.evidence["pairs"] if {x["a"], x["b"]} <= group]
        assert len(linking) == 2 and {p for x in linking for p in (x["a"], x["b"])} == group
        assert f.evidence["pairs_flagged"] >= 3 and tf.figures(f)["truth.peer_pairs"] >= 3
        ac = f.evidence["against_chance"]
        assert ac["test"] == "copy_pairs" and ac["p"] < 1e-6 and ac["expected"] < ac["observed"]
    # The months chain: no month's copy is raised on a county.
    assert not [
        f for f in peer if f.unit_id != built["city"].pk and group & set(f.evidence["points"])
    ]


def test_a_near_copy_one_answer_apart_across_counties_is_found(built, peer):
    near = set(built["near"])
    found = {f.period: f for f in peer if near <= set(f.evidence["points"])}
    assert set(found) == built["copied"] & set(tf.tc.window(tf.AS_OF))
    for f in found.values():
        pair = next(x for x in f.evidence["pairs"] if {x["a"], x["b"]} == near)
        assert pair["matches"] == pair["answered"] - 1 and not pair["same_county"]


def test_small_points_whose_zeros_agree_by_chance_are_not_taken_for_copies(built, peer):
    named = {p for f in peer for p in f.evidence["points"]}
    assert not named & set(built["small"])
    assert named <= set(built["group"]) | set(built["near"])


def test_every_pair_a_full_comparison_tests_is_counted(built, peer):
    data = tf.tc.load(tf.AS_OF)
    window = np.array(list(data.window_t()))
    present = ~np.isnan(data.values[:, window]).all(axis=2)
    n = present.sum(axis=0)
    within = sum(
        int((c * (c - 1) // 2).sum())
        for c in (present[data.county_ids == county].sum(axis=0) for county in set(data.county_ids))
    )
    assert sum(int(k * (k - 1) // 2) for k in n) > 500
    f = next(f for f in peer if set(built["group"]) <= set(f.evidence["points"]))
    figures = tf.figures(f)
    assert figures["truth.pairs_tested"] == int((n * (n - 1) // 2).sum()) - within
    assert f.evidence["against_chance"]["tested"] == figures["truth.pairs_tested"]


def test_the_banded_keys_find_every_copy_with_fewer_changes_than_bands():
    rates = np.full((1, 1, 18), 0.1)
    bands = truth_copies.bands(rates)
    assert sorted(k for b in bands for k in b) == list(range(18))
    assert len(bands) == truth_copies.BANDS


def test_the_run_raises_one_signal_for_the_group_over_its_months(built):
    with clock.frozen(tf.AS_OF):
        runner.run(as_of=tf.AS_OF, rules=["truth_copies"])
    signals = list(Signal.objects.filter(rule="truth_copies", subject="peer", unit=built["city"]))
    assert len(signals) == 1
    months = [m["period"] for m in signals[0].evidence["months"]]
    assert set(months) == built["copied"] & set(tf.tc.window(tf.AS_OF))
    assert set(built["group"]) | set(built["near"]) <= set(signals[0].evidence["points"])


def test_a_run_asked_for_the_city_alone_finds_the_group_and_one_for_a_county_does_not(built):
    group = set(built["group"])
    asked = tf.evaluate(truth_copies.RULE, unit_ids=[built["city"].pk])
    found = [f for f in asked if f.subject == "peer" and group <= set(f.evidence["points"])]
    assert {f.period for f in found} == built["copied"] & set(tf.tc.window(tf.AS_OF))
    county = SamplePoint.objects.get(pk=built["group"][0]).county_id
    asked = tf.evaluate(truth_copies.RULE, unit_ids=[county])
    assert not [f for f in asked if f.subject == "peer" and group & set(f.evidence["points"])]


def test_the_headline_says_how_many_counties(built, peer):
    f = next(f for f in peer if set(built["group"]) <= set(f.evidence["points"]))
    text = truth_copies.RULE.headline("peer", f.evidence)
    assert f"分属 {len(f.evidence['counties'])} 个县" in text


def clean_scope(seed: int, points: int = 400, months: int = 12) -> tf.tc.Data:
    """Honest reports with nothing copied: twelve counts per report, Poisson around each point's
    level (sizes spread as the demo's, log-normal σ 0.6: small points are small on every answer,
    which is what makes honest small reports agree), a season shared by all."""
    rng = np.random.default_rng(seed)
    size = np.exp(rng.normal(0, 0.6, points))[:, None, None]
    level = np.array([0.5, 1, 2, 3, 5, 8, 12, 20, 1.5, 4, 30, 60])
    season = (0.6 + 0.8 * rng.random(months))[None, :, None]
    keys = [f"q{k}" for k in range(level.size)]
    ids = np.arange(points) + 1
    return tf.tc.Data(
        as_of=tf.AS_OF,
        months=[f"2024-{m:02d}" for m in range(1, months + 1)],
        keys=keys,
        types=dict.fromkeys(keys, "int"),
        point_ids=ids,
        unit_ids=ids,
        county_ids=ids % 20,
        region_ids=np.zeros(points),
        kinds=["township" if i % 3 == 0 else "village" for i in range(points)],
        names=[str(i) for i in ids],
        values=rng.poisson(size * level * season).astype(float),
        report_ids=np.ones((points, months), dtype=np.int64),
        form_ids=np.ones((points, months), dtype=np.int64),
    )


def test_clean_scopes_raise_no_more_than_the_family_wise_rate_allows():
    """Ten clean scopes of 400 points (about 950,000 pairs each) judged at a family-wise error
    rate of 50%: at most half of them may show any pair by chance; the correction holds it to
    fewer, sizes spread or not."""
    with_flags = 0
    for seed in range(10):
        data = clean_scope(seed)
        peers = truth_copies._peer_setup(data, np.arange(12))
        assert peers.within + peers.across == 12 * 400 * 399 // 2
        with_flags += len(truth_copies.judge(peers, [], 0.5)["a"]) > 0
    assert with_flags <= 5
