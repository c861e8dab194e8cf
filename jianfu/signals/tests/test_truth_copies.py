"""Copied reports: the point that copies last month and the county whose points copy one another
are found with the matches, the chance and the calibrated line; a report straight-lined with one
number is found; clean points raise nothing."""

import pytest

from jianfu.demo import monitoring as demo_data
from jianfu.monitoring import stats
from jianfu.monitoring.models import Report, SamplePoint
from jianfu.signals.rules import truth_copies

from . import truth_factories as tf

PLANTED = {(0, "township", 0): "copy_forward", (0, "village", 0): "outliers"}

demo = pytest.fixture(scope="module")(
    tf.module_fixture(lambda: tf.build(point_patterns=PLANTED, county_patterns={1: "copy_peer"}))
)


@pytest.fixture
def built(demo, db):
    return demo


@pytest.fixture
def findings(built):
    return tf.evaluate(truth_copies.RULE)


def test_the_point_copying_last_month_is_found_every_month(built, findings):
    unit = built.unit("copy_forward")
    found = {f.period: f for f in findings if f.unit_id == unit.pk and f.subject == "previous"}
    months = tf.tc.window(tf.AS_OF)[-demo_data.COPY_FORWARD_MONTHS :]
    assert set(found) == set(months)
    exact = [f for f in found.values() if f.evidence["matches"] == f.evidence["answered"]]
    near = [f for f in found.values() if f.evidence["matches"] < f.evidence["answered"]]
    assert len(near) >= 1 and len(exact) >= demo_data.COPY_FORWARD_MONTHS - 2
    for f in exact:
        assert f.severity == 2 and f.conditions == ("identical",)
    for f in found.values():
        e = f.evidence
        assert e["reports"][1] == tf.report_of(unit, f.period).pk
        assert e["chance"] < 1e-6
        # The line was calibrated, not 85%: below the matches, above chance agreement.
        assert e["line"] <= e["matches"] and e["line"] < e["answered"]
        fig = tf.figures(f)
        assert fig["truth.line"] == e["line"] and fig["truth.matches"] == e["matches"]
    f = near[0]
    assert f.evidence["differing"] == ["forms_filled"] and f.severity == 1


def test_the_county_whose_points_copy_one_another_is_found(built, findings):
    county = built.unit("copy_peer")
    found = {f.period: f for f in findings if f.unit_id == county.pk and f.subject == "peer"}
    assert set(found) >= set(tf.tc.window(tf.AS_OF)[-demo_data.COPY_PEER_MONTHS :])
    points = set(SamplePoint.objects.filter(county=county).values_list("pk", flat=True))
    for f in found.values():
        assert set(f.evidence["points"]) <= points and len(f.evidence["points"]) >= 3
        for pair in f.evidence["pairs"]:
            tested = tf.figures(f)["truth.pairs_tested"]
            assert pair["matches"] >= pair["line"] and pair["chance"] < 0.01 / tested
            a, b = Report.objects.filter(pk__in=pair["reports"]).order_by("pk")
            assert a.period == b.period == f.period
        assert "↔" in tf.figures(f)["truth.pair.0"]


def test_clean_points_are_not_taken_for_copies(built, findings):
    clean = {u.pk for u in built.clean()}
    assert not [f for f in findings if f.unit_id in clean]
    named = {p for f in findings if f.subject == "peer" for p in f.evidence["points"]}
    clean_points = set(SamplePoint.objects.filter(unit__in=clean).values_list("pk", flat=True))
    assert not named & clean_points


def test_a_straight_lined_report_is_found(built):
    unit = built.clean()[0]
    report = tf.report_of(unit, "2025-07")
    values = dict(report.values)
    for key in (
        "meetings_total",
        "meetings_hours",
        "meetings_video",
        "meetings_county",
        "inspections_total",
        "inspection_days",
    ):
        values[key] = 5
    Report.objects.filter(pk=report.pk).update(values=values)
    found = [
        f
        for f in tf.evaluate(truth_copies.RULE)
        if f.unit_id == unit.pk and f.subject == "straight_line"
    ]
    assert [f.period for f in found] == ["2025-07"]
    assert found[0].evidence["run"] >= 6 and found[0].evidence["value"] == 5
    assert found[0].evidence["reports"] == [report.pk]


def test_ones_and_zeros_in_a_row_are_no_straight_line():
    assert stats.longest_run([0, 0, 0, 0, 0, 0, 3]) == (1, 3)
    assert stats.longest_run([2, 5, 5, 5, 1]) == (3, 5)


def test_the_chance_of_many_matches():
    tail = stats.poisson_binomial_tail([0.5, 0.5])
    assert list(tail) == pytest.approx([1.0, 0.75, 0.25])
    probs = [0.1] * 10
    assert stats.poisson_binomial_tail(probs)[10] == pytest.approx(1e-10)
