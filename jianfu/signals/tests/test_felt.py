"""Felt against registered: a county whose registered documents, meetings and inspections fall
while its points receive as much as ever raises the gaming signal with both series; a county
whose registered and felt figures both fall does not; the county page shows both lines."""

import json
import re

import pytest

from jianfu.core import clock
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring import felt
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import felt_registered

from . import factories
from . import truth_factories as tf

# Documents, meetings and inspections a month that each county registers, year by year: the
# campaign takes 40% off each year.
PER_MONTH = {2023: (20, 10, 5), 2024: (12, 6, 3), 2025: (7, 4, 2)}


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
    assert fig["felt.registered_this"] == 7 * 8 and fig["felt.registered_last"] == 12 * 8
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
    assert reg["rows"][0]["values"] == [7] * 8
    assert "registered_fell" in f.conditions and "felt_did_not" in f.conditions
    assert "96 → 56" in felt_registered.headline("documents", f.evidence)


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
    assert chart["series"][0]["data"][-1] == 7
    assert "登记减少而基层感受未减轻" in html
    assert overview.status_code == 200 and county.name in overview.content.decode()


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
