"""Numbers too smooth: a point that reports nearly the same count every month is found, with the
question, its dispersion and its peers'; its clean twin (the same point, honest counts) and the
clean points are not; a copied month is left to truth_copies; 100 honest points give about the
flags the false-discovery rate allows, not more."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.monitoring import stats
from jianfu.monitoring.models import Report
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import current_settings, dispersion, truth_smooth
from jianfu.signals.rules import truth_common as tc

from . import truth_factories as tf

SMOOTH = [20, 21, 20, 19, 20, 21, 20, 20, 19, 21, 20, 22]


def _build():
    built = tf.build()
    # The planted point: a township (large counts), its documents written, not counted.
    plan = next(p for p in built.plans if p.kind == "township")
    reports = list(Report.objects.filter(point__unit=plan.unit).order_by("period"))
    for i, r in enumerate(reports):
        r.values = {**r.values, "docs_total": SMOOTH[i % 12] + 20}
    Report.objects.bulk_update(reports, ["values"])
    built.planted["smooth"] = [plan.unit]
    return built


demo = pytest.fixture(scope="module")(tf.module_fixture(_build))


@pytest.fixture
def built(demo, db):
    return demo


def test_the_point_reporting_the_same_burden_every_month_is_found(built):
    unit = built.unit("smooth")
    found = [f for f in tf.evaluate(truth_smooth.RULE) if f.unit_id == unit.pk]
    assert len(found) == 1
    f = found[0]
    q = f.evidence["smooth"]["questions"][0]
    assert q["key"] == "docs_total"
    assert q["dispersion"] < 0.1 and q["reference"] == 1.0 and q["peer_dispersion"] >= 1.0
    assert f.period == "2025" and f.severity == 3
    chance = f.evidence["against_chance"]
    assert chance["test"] == "dispersion_low" and chance["expected"] == 1
    assert chance["q"] <= 0.01 and chance["tested"] >= 20
    assert tf.figures(f)["docs_total:dispersion"] == q["dispersion"]
    assert f.evidence["series"][0]["key"] == "q:docs_total"
    assert "收到上级文件" in truth_smooth.headline("", f.evidence)


def test_clean_points_are_not_too_smooth(built):
    smooth = built.unit("smooth").pk
    assert [f.unit_id for f in tf.evaluate(truth_smooth.RULE)] == [smooth]


def test_its_clean_twin_is_not_found(built):
    unit = built.unit("smooth")
    rng = np.random.default_rng(3)
    reports = list(Report.objects.filter(point__unit=unit).order_by("period"))
    for r in reports:
        r.values = {**r.values, "docs_total": int(rng.poisson(40))}
    Report.objects.bulk_update(reports, ["values"])
    assert not [f for f in tf.evaluate(truth_smooth.RULE) if f.unit_id == unit.pk]


def test_a_copied_report_is_left_to_the_copy_check(built):
    unit = built.unit("smooth")
    reports = list(Report.objects.filter(point__unit=unit).order_by("period"))
    for r in reports[1:]:
        r.values = dict(reports[0].values)
    Report.objects.bulk_update(reports, ["values"])
    assert not [f for f in tf.evaluate(truth_smooth.RULE) if f.unit_id == unit.pk]


def test_small_counts_are_not_tested(built):
    unit = built.unit("smooth")
    reports = list(Report.objects.filter(point__unit=unit).order_by("period"))
    for i, r in enumerate(reports):
        r.values = {**r.values, "docs_total": 2 if i % 5 else 1}
    Report.objects.bulk_update(reports, ["values"])
    assert not [f for f in tf.evaluate(truth_smooth.RULE) if f.unit_id == unit.pk]


# --- The statistics, on arrays --------------------------------------------------------------------


def _data(values: np.ndarray, kinds=None) -> tc.Data:
    """Points × 36 months of one count question, as truth_common reads them."""
    n_p, n_t = values.shape
    months = [f"{2023 + t // 12}-{t % 12 + 1:02d}" for t in range(n_t)]
    ids = np.arange(1, n_p + 1)
    return tc.Data(
        as_of=dt.date(2026, 1, 15),
        months=months,
        keys=["docs_total"],
        types={"docs_total": "int"},
        point_ids=ids,
        unit_ids=ids,
        county_ids=np.ones(n_p, int),
        region_ids=np.ones(n_p, int),
        kinds=kinds or ["village"] * n_p,
        names=[""] * n_p,
        values=values[:, :, None].astype(float),
        report_ids=np.arange(1, n_p * n_t + 1).reshape(n_p, n_t),
        form_ids=np.ones((n_p, n_t), int),
    )


def _flags(values, settings=None) -> int:
    data = _data(values)
    lines = truth_smooth.settings_of(settings or current_settings())
    t = truth_smooth.test(data, ["docs_total"], lines)
    q = stats.benjamini_hochberg(t["p_point"][t["tested"]])
    return int((q <= lines["fdr"]).sum())


@pytest.mark.django_db
def test_a_hundred_honest_points_give_no_more_flags_than_the_rate_allows():
    """At the null's edge (Poisson counts, the least spread honest counts have), 100 points per
    run, 200 runs: BH at 1% lets a run flag anything at most about 1% of the time."""
    rng = np.random.default_rng(5)
    runs = [_flags(rng.poisson(rng.uniform(3, 60, (100, 1)), (100, 36))) for _ in range(200)]
    assert sum(runs) <= 6  # expected about 2 at most
    over = [_flags(rng.negative_binomial(4, 4 / (4 + rng.uniform(3, 60, (100, 1))), (100, 36)))]
    assert over == [0]


@pytest.mark.django_db
def test_a_smooth_point_among_honest_ones_is_found():
    rng = np.random.default_rng(6)
    values = rng.poisson(rng.uniform(3, 60, (100, 1)), (100, 36)).astype(float)
    values[7] = [SMOOTH[t % 12] for t in range(36)]
    data = _data(values)
    lines = truth_smooth.settings_of(current_settings())
    t = truth_smooth.test(data, ["docs_total"], lines)
    q = stats.benjamini_hochberg(t["p_point"])
    assert list(np.flatnonzero(q <= lines["fdr"])) == [7]


def test_peers_that_are_smooth_by_nature_lower_the_bar():
    """A weekly schedule (four or five a month) is regular for every point of the kind: the
    peers' ratio, not Poisson, is the reference, and none of them stands out."""
    rng = np.random.default_rng(8)
    weekly = 4 + (rng.random((60, 36)) < 0.35)
    w = dispersion.within_years(weekly.astype(float), np.repeat([2023, 2024, 2025], 12))
    peer = dispersion.peer_ratio(w, np.ones(60, bool), ["x"] * 60)
    assert np.all(peer < 0.2)
    p = dispersion.lower_tail(w["d"], w["df"], np.minimum(1, peer))
    assert (stats.benjamini_hochberg(p) > 0.01).all()


def test_a_change_between_years_is_no_spread():
    flat = np.array([[10.0] * 12 + [20.0] * 12])
    w = dispersion.within_years(flat, np.repeat([2024, 2025], 12))
    assert w["ratio"][0] == 0 and w["df"][0] == 22


def test_simes():
    p = np.array([[0.01, 0.04, np.nan], [np.nan, np.nan, np.nan], [0.5, 0.02, 0.03]])
    assert dispersion.simes(p) == pytest.approx([0.02, 1.0, 0.045])


def test_the_signal_page_names_the_question_and_the_peers(built, client):
    with clock.frozen(tf.AS_OF):
        tc.clear_cache()
        runner.run(as_of=tf.AS_OF, rules=["truth_smooth"])
    s = Signal.objects.get(rule="truth_smooth", unit=built.unit("smooth"))
    user = User.objects.get(username="truth-office")
    User.objects.filter(pk=user.pk).update(
        must_change_password=False, password_changed_at=clock.now()
    )
    client.force_login(user)
    with clock.frozen(tf.AS_OF):
        body = client.get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert "数据过于平稳" in body
    assert "收到上级文件：方差与均值之比" in body
    assert "同类样本点的方差与均值之比" in body


@pytest.mark.django_db
def test_a_point_that_began_to_write_its_numbers_this_year_is_found():
    """Two honest years, then twelve months of 20, 21, 20, 19 …: over 36 months the honest
    years would hide it; the last twelve on their own do not."""
    rng = np.random.default_rng(7)
    values = rng.poisson(rng.uniform(3, 60, (100, 1)), (100, 36)).astype(float)
    values[3, 24:] = SMOOTH
    lines = truth_smooth.settings_of(current_settings())
    t = truth_smooth.test(_data(values), ["docs_total"], lines)
    q = stats.benjamini_hochberg(t["p_point"])
    assert list(np.flatnonzero(q <= lines["fdr"])) == [3]
    assert t["months"][3, 0] == 12  # the span that said it


@pytest.mark.django_db
def test_the_last_twelve_straddling_a_new_year_are_one_span():
    """The twelve months judged run from a December to the November after it (the bench's and a
    nightly run's usual case): split at the new year the December alone had no spread and the
    span held 11 months, never the 12 it needs. Read as one span, a point writing nearly the same
    numbers for those twelve months is found; honest points are not."""
    import dataclasses

    rng = np.random.default_rng(8)
    values = rng.poisson(rng.uniform(3, 60, (100, 1)), (100, 36)).astype(float)
    level = round(values[3].mean())
    values[3, 24:] = level + (rng.random(12) < 0.4) * rng.choice((-1, 1), 12)
    data = dataclasses.replace(
        _data(values),
        as_of=dt.date(2026, 12, 31),
        months=[f"{2023 + (t + 11) // 12}-{(t + 11) % 12 + 1:02d}" for t in range(36)],
    )
    assert data.months[24] == "2025-12" and list(data.window_t()) == list(range(24, 36))
    lines = truth_smooth.settings_of(current_settings())
    t = truth_smooth.test(data, ["docs_total"], lines)
    q = stats.benjamini_hochberg(t["p_point"])
    assert list(np.flatnonzero(q <= lines["fdr"])) == [3]
    assert t["months"][3, 0] == 12
