"""Felt against registered: a county whose registered documents, meetings and inspections fall
while its points receive as much as ever raises the gaming signal with both series; a county
whose registered and felt figures both fall does not; the county page shows both lines."""

import json
import re

import numpy as np
import pytest

from jianfu.core import clock
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring import stats
from jianfu.monitoring.felt import queries as felt
from jianfu.registry.models import Inspection
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import current_settings, felt_registered

from . import factories
from . import truth_factories as tf

# Documents, meetings and inspections a month that each county registers, year by year: the
# campaign takes 40% off each year. Enough of each that a 40% fall is beyond chance in eight
# months (a county's 24 → 16 inspections could be chance: see the test below).
PER_MONTH = {2023: (40, 24, 30), 2024: (24, 14, 18), 2025: (14, 8, 11)}


def _build():
    units = tf.tree()
    counties = units["county"]
    for county in counties:
        for year, (docs, meetings, inspections) in PER_MONTH.items():
            factories.documents(county, year, [docs] * 12)
            factories.meetings(county, year, [meetings] * 12, grassroots=True)
            factories.inspections(county, year, [inspections] * 12)
    keys = demo_data.report_periods(tf.AS_OF)
    trend = demo_data.county_trends(counties, keys)
    return tf.build(county_patterns={0: "felt"}, county_trend=trend, units=units)


demo = pytest.fixture(scope="module")(tf.module_fixture(_build))


@pytest.fixture
def built(demo, db):
    return demo


def test_the_county_whose_points_feel_no_relief_raises_the_gaming_signal(built):
    county = built.unit("felt")
    found = {f.subject: f for f in tf.evaluate(felt_registered.RULE) if f.unit_id == county.pk}
    assert set(found) == {"documents", "meetings", "inspections"}
    f = found["documents"]
    fig = tf.figures(f)
    assert f.period == "2025" and f.evidence["compared"] == "2025-01..2025-08"
    assert fig["felt.registered_this"] == 14 * 8 and fig["felt.registered_last"] == 24 * 8
    assert fig["felt.registered_change"] == pytest.approx(-41.7, abs=0.1)
    assert fig["felt.felt_change"] > -15 and fig["felt.gap"] >= 20
    assert fig["felt.points"] >= 2
    keys = [s["key"] for s in f.evidence["series"]]
    assert keys == [
        "felt.registered.documents",
        "felt.felt.documents",
        "felt.felt.burden_score",
    ]
    reg = f.evidence["series"][0]
    assert [r["year"] for r in reg["rows"]] == [2025, 2024] and reg["months"] == 8
    assert reg["rows"][0]["values"] == [14] * 8
    assert "registered_fell" in f.conditions and "felt_did_not" in f.conditions
    assert "192 → 112" in felt_registered.headline("documents", f.evidence)


def test_a_county_whose_registered_and_felt_both_fall_raises_nothing(built):
    county = built.counties[1]
    assert not [f for f in tf.evaluate(felt_registered.RULE) if f.unit_id == county.pk]
    figures = felt.felt([county.pk], [2024, 2025])[county.pk]
    this = felt.mean_of(figures["documents"], 2025, 8)
    last = felt.mean_of(figures["documents"], 2024, 8)
    assert felt.change_pct(this, last) < -25  # the relief reached its points


def test_what_county_departments_register_counts_for_the_county(built):
    county = built.counties[1]
    dept = next(u for u in Unit.objects.get_descendants(county) if u.kind == "county_department")
    before = felt.registered([county.pk], [2025])[county.pk]["documents"][2025][0]
    factories.documents(dept, 2025, [3] + [0] * 11)
    after = felt.registered([county.pk], [2025])[county.pk]["documents"][2025][0]
    assert after == before + 3


def test_the_runner_raises_it_on_the_county(built):
    county = built.unit("felt")
    with clock.frozen(tf.AS_OF):
        runner.run_rules(as_of=tf.AS_OF, group="felt", unit_ids=[county.pk])
    assert Signal.objects.filter(rule="felt_registered", unit=county).count() == 3


def test_the_county_page_shows_both_lines(built, client):
    county = built.unit("felt")
    office = User.objects.get(username="truth-office")
    client.force_login(office)
    with clock.frozen(tf.AS_OF):
        page = client.get(f"/felt/{county.pk}/")
        overview = client.get("/felt/")
    assert page.status_code == 200
    html = page.content.decode()
    data = re.search(r'<script id="felt-documents" type="application/json">(.*?)</script>', html)
    chart = json.loads(data.group(1))
    names = [s["name"] for s in chart["series"]]
    assert len(names) == 2 and chart["series"][1]["yAxisIndex"] == 1
    assert chart["xAxis"]["data"][0] == "2023-01" and chart["xAxis"]["data"][-1] == "2025-08"
    assert chart["series"][0]["data"][-1] == 14
    assert "登记减少而基层感受未减轻" in html
    assert overview.status_code == 200 and county.name in overview.content.decode()
    # The overview flags the same county, its row first.
    rows = re.findall(r"<tr>.*?</tr>", overview.content.decode(), re.S)
    assert county.name in rows[1] and "登记减少而基层感受未减轻" in rows[1]


def test_a_county_contact_may_not_read_what_its_points_say(built, client):
    county = built.unit("felt")
    contact = User.objects.get(username=f"truth-contact-{county.code}")
    assert RoleGrant.objects.filter(user=contact, role="contact").exists()
    client.force_login(contact)
    with clock.frozen(tf.AS_OF):
        assert client.get(f"/felt/{county.pk}/").status_code == 403
        assert client.get(f"/felt/{built.counties[1].pk}/").status_code == 404


def test_only_counties_have_the_page(built, client):
    client.force_login(User.objects.get(username="truth-office"))
    with clock.frozen(tf.AS_OF):
        assert client.get(f"/felt/{built.plans[0].unit.pk}/").status_code == 404


def test_a_clean_county_whose_few_inspections_swing_by_chance_raises_nothing(built):
    """The independent city's failing case: a county registering a handful of inspections a
    month at a steady rate (10 in eight months last year, 2 this year: chance, p ≈ 0.03) while
    its points' figures fall less. Tested on the points' side only (their counts against a fall
    of 80% taken as certain), it was "beyond chance < 1e-15"; the registered fall must itself be
    beyond chance, and is not — the county is tested and found nothing."""
    county = built.counties[1]
    for year, monthly in ((2024, [2, 1, 0, 2, 1, 3, 0, 1]), (2025, [0, 1, 0, 0, 1, 0, 0, 0])):
        factories.clear(Inspection, county, year)
        factories.inspections(county, year, monthly + [0] * 4)
    c = _compared(county, "inspections")
    assert (c["reg_last"], c["reg_this"]) == (10, 2) and c["effect"] and c["tested"]
    old = stats.binomial_sf(
        round(c["felt_this"] * 88), round(c["felt_this"] * 88 + c["felt_last"] * 88), 0.2 / 1.2
    )
    assert old < 1e-6  # what the points' side alone said
    assert 0.01 < c["p_registered"] < 0.1
    found = [f for f in tf.evaluate(felt_registered.RULE) if f.unit_id == county.pk]
    assert not found


def test_a_real_fall_the_points_did_not_feel_carries_its_chance(built):
    county = built.unit("felt")
    f = next(
        f
        for f in tf.evaluate(felt_registered.RULE)
        if f.unit_id == county.pk and f.subject == "inspections"
    )
    chance = f.evidence["against_chance"]
    assert chance["test"] == "felt_both" and chance["tested"] == 6  # 2 counties × 3 measures
    assert chance["q"] <= 0.01 and chance["p"] <= chance["q"]
    assert chance["expected"] < chance["observed"]  # had they fallen as registered
    fig = tf.figures(f)
    assert fig["felt.q"] and fig["felt.p_registered"] and fig["felt.p_gap"]


def _compared(county, measure):
    lines = felt_registered.lines_of(current_settings())
    years = [2023, 2024, 2025]
    reg, fe = felt.registered([county.pk], years), felt.felt([county.pk], years)
    return felt.compare(reg[county.pk], fe[county.pk], measure, 2025, 8, lines)


def _flags(rng, *, fall: float, overdispersed: bool) -> int:
    """One run over 100 counties where the points' figures fell exactly as the registered ones:
    three years of monthly counts each side (the third year's first eight months compared),
    Poisson or negative binomial (dispersion 3) around a shared monthly rate, each side
    drawing its own count from it (the registered counts' own chance is not in the points')."""

    def draw(mean):
        if overdispersed:
            return rng.negative_binomial(mean / 2, 1 / 3)  # variance three times the mean
        return rng.poisson(mean)

    lines = {"min_points": 2, "min_count": 10, "min_fall": 15, "gap": 20, "alpha": 0.01}
    compared = []
    for _ in range(100):
        reg_level, per_doc = rng.uniform(1.5, 15), rng.uniform(0.3, 1.0)
        rate = {y: reg_level * (1 - fall) ** (y == 2025) * rng.gamma(5, 0.2, 12) for y in YEARS}
        reg = {"inspections": {y: [int(draw(m)) for m in rate[y]] for y in YEARS}}
        fe = {
            "inspections": {y: [draw(8 * per_doc * m) / 8 for m in rate[y]] for y in YEARS},
            "points": {y: [8] * 12 for y in YEARS},
        }
        c = felt.compare(reg, fe, "inspections", 2025, 8, lines)
        if c["tested"]:
            compared.append(c)
    chi2 = sum(c["conditional"]["chi2"] for c in compared)
    df = sum(c["conditional"]["df"] for c in compared)
    pooled = max(1.0, chi2 / df)
    ps = [
        felt.conditional_chance(c["conditional"], pooled, felt_registered.PRIOR_DF)
        if c["effect"]
        else 1.0
        for c in compared
    ]
    return int((stats.benjamini_hochberg(ps) <= 0.01).sum())


YEARS = (2023, 2024, 2025)


@pytest.mark.parametrize("overdispersed", [False, True])
def test_a_hundred_clean_counties_give_no_more_flags_than_the_rate_allows(overdispersed):
    """At the null's edge — the registered figure really fell 40% and the points' figures fell
    just as much — 100 counties a run, 200 runs: BH at 1% flags anything in about 1% of runs
    at most."""
    rng = np.random.default_rng(12)
    flags = [_flags(rng, fall=0.4, overdispersed=overdispersed) for _ in range(200)]
    assert sum(flags) <= 6
    steady = [_flags(rng, fall=0.0, overdispersed=overdispersed) for _ in range(50)]
    assert sum(steady) <= 2  # BH at 1% under the complete null: a flag in ≤ 1% of runs
