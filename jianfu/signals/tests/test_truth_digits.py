"""Digit preference and heaping: the point that rounds to 5 and 10 is found with its digit counts
and a corrected p-value; clean points are not; a point with fewer than 50 values of two digits is
not tested at all; and the expectation is the point's own smoothed digits, not uniform."""

import numpy as np
import pytest

from jianfu.monitoring import stats
from jianfu.monitoring.models import Report
from jianfu.signals.rules import truth_common as tc
from jianfu.signals.rules import truth_digits

from . import truth_factories as tf

PLANTED = {(0, "village", 0): "heaping", (1, "township", 0): "copy_forward"}

demo = pytest.fixture(scope="module")(tf.module_fixture(lambda: tf.build(point_patterns=PLANTED)))


@pytest.fixture
def built(demo, db):
    return demo


def test_the_heaping_point_is_found_with_its_digits(built):
    unit = built.unit("heaping")
    found = [f for f in tf.evaluate(truth_digits.RULE) if f.unit_id == unit.pk]
    assert len(found) == 1
    f = found[0]
    d = f.evidence["digits"]
    assert sum(d["observed"]) >= 50
    assert (d["observed"][0] + d["observed"][5]) / sum(d["observed"]) > 0.5
    assert d["heaping_index"] > 175  # Whipple's "very rough"
    assert d["q"] <= 0.01 and d["p"] < 1e-6
    assert f.period == "2025" and f.evidence["compared"] == "2023-01..2025-08"
    fig = tf.figures(f)
    assert fig["truth.digits_n"] == sum(d["observed"])
    assert fig["truth.digit.0"].startswith(f"{d['observed'][0]} / ")
    reports = Report.objects.filter(point__unit=unit).count()
    assert len(f.evidence["reports"]) == reports
    assert "逢五逢十" in truth_digits.headline("", f.evidence) or truth_digits.headline(
        "", f.evidence
    )


def test_clean_points_show_no_digit_preference(built):
    clean = {u.pk for u in built.clean()}
    assert not [f for f in tf.evaluate(truth_digits.RULE) if f.unit_id in clean]


def test_a_point_with_too_few_values_is_not_tested(built):
    unit = built.unit("heaping")
    keep = sorted(Report.objects.filter(point__unit=unit).values_list("period", flat=True))[-3:]
    Report.objects.filter(point__unit=unit).exclude(period__in=keep).delete()
    assert not [f for f in tf.evaluate(truth_digits.RULE) if f.unit_id == unit.pk]


def test_the_chi_square_needs_fifty_values_of_two_digits():
    few = stats.terminal_digits([10, 15, 20, 25, 30] * 9)  # 45 values
    assert few["tested"] is False and few["p"] is None
    enough = stats.terminal_digits([10, 15, 20, 25, 30] * 10 + [3, 4, 5])  # one-digit ones left out
    assert enough["n"] == 50 and enough["tested"] and enough["p"] < 1e-10
    assert enough["whipple"] == 500


def test_honest_counts_in_the_tens_are_not_uniform_in_their_last_digit():
    """Against uniform, honest small counts 'fail'; against their own smoothed digits they do
    not (the false-discovery rate is kept)."""
    rng = np.random.default_rng(11)
    uniform_p, smoothed_p = [], []
    for _ in range(200):
        fields = [rng.poisson(lam, 36).astype(float) for lam in (8, 10, 12)]
        values = np.concatenate(fields)
        uniform_p.append(stats.terminal_digits(values)["p"] or 1.0)
        smoothed_p.append(stats.digit_test(fields)["p"] or 1.0)
    uniform_q = stats.benjamini_hochberg(uniform_p)
    smoothed_q = stats.benjamini_hochberg(smoothed_p)
    assert (uniform_q <= 0.01).mean() > 0.5
    assert (smoothed_q <= 0.01).mean() <= 0.01
    assert np.mean(np.array(smoothed_p) < 0.05) <= 0.08  # about the nominal 5%


def test_benjamini_hochberg():
    q = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert q == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_the_tails_agree_with_the_textbook():
    assert stats.chi2_sf(16.919, 9) == pytest.approx(0.05, abs=1e-4)
    assert stats.chi2_sf(21.666, 9) == pytest.approx(0.01, abs=1e-4)
    assert stats.binomial_sf(5, 10, 0.2) == pytest.approx(0.0327935, rel=1e-6)


def test_a_part_equal_to_its_whole_is_one_value(built):
    """All of a month's documents from the county (docs_county = docs_total) is one number
    written twice: the digit test counts it once, by the report's own form version."""
    unit = built.clean()[0]
    reports = list(Report.objects.filter(point__unit=unit).order_by("period"))
    for i, r in enumerate(reports):
        total = 20 + i
        r.values = {**r.values, "docs_total": total, "docs_county": total if i % 2 else total - 3}
    Report.objects.bulk_update(reports, ["values"])
    data = tc.load(tf.AS_OF)
    p = int(np.flatnonzero(data.unit_ids == unit.pk)[0])
    cols = [data.col(k) for k in truth_digits.tested_keys(data)]
    values = truth_digits.independent_values(data, cols)
    keys = truth_digits.tested_keys(data)
    total, county = values[keys.index("docs_total"), p], values[keys.index("docs_county"), p]
    present = data.present[p]
    assert np.isfinite(total[present]).all()
    odd = np.arange(len(data.months))[present] - np.flatnonzero(present)[0]
    assert np.isnan(county[present][odd % 2 == 1]).all()  # equal: counted once, as the total
    assert np.isfinite(county[present][odd % 2 == 0]).all()  # different: two values
    # A form version without part_of keeps both.
    data.forms = {
        k: [{kk: vv for kk, vv in q.items() if kk != "part_of"} for q in v]
        for k, v in data.forms.items()
    }
    again = truth_digits.independent_values(data, cols)
    assert np.isfinite(again[keys.index("docs_county"), p][present]).all()
