"""The registry rules against chance, on a hundred departments of their own: data drawn at each
rule's null (counts that vary more than Poisson, shares that do not move) raise about what the
false-discovery rate allows — a handful at most — while a planted case among them is found and
its clean twin is not. The issue's small cases (10 → 17 inspections, 6 → 9 meetings, one or two
inspections outside the plan) raise nothing.

The rollup is written directly (the rules read nothing else to decide); the records behind a
few cases are made through the factories where the evidence names them."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import Unit
from jianfu.registry import rollup
from jianfu.registry.models import Category, MonthlyUsage
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import current_settings, gaming, inspection_plan, quota_rising

from . import factories as f

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 9, 30)
MONTHS = 9
SEASON = np.array([0.85, 0.55, 1.10, 1.10, 1.05, 1.10, 0.90, 0.80, 1.00, 0.95, 1.15, 1.45])
# The false alarms allowed in one run of 100 clean units at a false-discovery rate of 5%: at the
# null any flag at all comes about one run in twenty, so more than two is a broken rule.
HANDFUL = 2


def departments(n: int, prefix: str = "Q") -> list[Unit]:
    out = []
    for i in range(n):
        city = Unit.objects.get(code="T")
        out.append(
            Unit.objects.add_child(
                city, {"code": f"{prefix}{i:03d}", "name": f"测试局{i:03d}", "kind": "department"}
            )
        )
    return out


def write(units, category: str, year: int, months: int = 12, **fields: np.ndarray) -> None:
    """The rollup of `category` for each unit and month: fields[name][unit index, month]."""
    rows = []
    for i, unit in enumerate(units):
        for m in range(months):
            values = {k: int(v[i, m]) for k, v in fields.items()}
            if any(values.values()):
                rows.append(
                    MonthlyUsage(unit=unit, year=year, month=m + 1, category=category, **values)
                )
    MonthlyUsage.objects.bulk_create(rows)


def overdispersed(rng, mean, phi: float) -> np.ndarray:
    mean = np.asarray(mean, dtype=float)
    return rng.negative_binomial(mean / (phi - 1), 1 / phi) if phi > 1 else rng.poisson(mean)


def spread(rng, totals: np.ndarray, months: int = 12) -> np.ndarray:
    """Totals per unit shared out over the months along the season (multinomial)."""
    weights = SEASON[:months] / SEASON[:months].sum()
    return np.array([rng.multinomial(int(t), weights) for t in totals])


def flagged(rule, units) -> set[int]:
    ids = {u.pk for u in units}
    return {x.unit_id for x in rule.evaluate(AS_OF, None, current_settings()) if x.unit_id in ids}


# --- Rising ---------------------------------------------------------------------------------------


@pytest.fixture
def meetings_at_the_null(units):
    """A hundred departments whose meetings did not change: each at its own level (half a
    meeting to eight a month) along the season, with twice Poisson's variance; two more, the
    planted one (eight a month last year, two and a half times that this year) and its twin
    (eight a month both years)."""
    rng = np.random.default_rng(2025)
    clean = departments(100)
    planted, twin = departments(2, prefix="P")
    level = rng.uniform(0.5, 8.0, size=(100, 1))
    for year in (2023, 2024, 2025):
        counted = overdispersed(rng, level * SEASON, 2.0)
        write(clean, Category.MEETING, year, counted=counted, total=counted)
        base = np.broadcast_to(8 * SEASON, (1, 12))
        rise = 2.5 if year == 2025 else 1.0
        for unit, factor in ((planted, rise), (twin, 1.0)):
            counted = overdispersed(rng, base * factor, 2.0)
            write([unit], Category.MEETING, year, counted=counted, total=counted)
    return clean, planted, twin


def test_a_hundred_departments_with_unchanged_meetings_raise_a_handful_at_most(
    meetings_at_the_null,
):
    clean, planted, twin = meetings_at_the_null
    assert len(flagged(quota_rising, clean)) <= HANDFUL


def test_meetings_up_two_and_a_half_times_are_found_and_the_twin_is_not(meetings_at_the_null):
    clean, planted, twin = meetings_at_the_null
    found = {x.unit_id: x for x in quota_rising.evaluate(AS_OF, None, current_settings())}
    assert planted.pk in found and twin.pk not in found
    against = found[planted.pk].evidence["against_chance"]
    # Every unit with ten meetings in the two years is tested (a quiet one or two have fewer).
    assert against["tested"] > 95 and against["q"] <= 0.05


def test_the_runner_asking_for_one_unit_still_tests_the_whole_population(meetings_at_the_null):
    clean, planted, twin = meetings_at_the_null
    findings = quota_rising.evaluate(AS_OF, [planted.pk], current_settings())
    assert [x.unit_id for x in findings] == [planted.pk]
    assert findings[0].evidence["against_chance"]["tested"] > 95


def test_a_hundred_departments_whose_levels_move_between_years_raise_a_handful_at_most(units):
    """Big departments (ten to forty meetings a month) whose level moves by about 15% from one
    year to the next for ordinary reasons: their counts are precise, the moves are not chance
    in Poisson's sense, and the rule must still not take them for rises."""
    rng = np.random.default_rng(31)
    clean = departments(100)
    level = rng.uniform(10, 40, size=(100, 1))
    for year in (2024, 2025):
        moved = level * rng.gamma(1 / 0.15**2, 0.15**2, size=(100, 1))
        counted = rng.poisson(moved * SEASON)
        write(clean, Category.MEETING, year, counted=counted, total=counted)
    assert len(flagged(quota_rising, clean)) <= HANDFUL


def test_a_hundred_departments_falling_with_the_trend_and_moving_between_years_raise_a_handful(
    units,
):
    """Three years: everyone falls 6 % a year (the burden-reduction policy), each department's
    level also moves by about 12 % a year, counts with twice Poisson's variance. The baseline is
    the two earlier years, the null the common trend, the year-to-year allowance learnt from the
    two earlier years: still no more than chance allows."""
    rng = np.random.default_rng(57)
    clean = departments(100)
    level = rng.uniform(2, 30, size=(100, 1))
    for k, year in enumerate((2023, 2024, 2025)):
        moved = level * 0.94**k * rng.lognormal(0, 0.12, size=(100, 1))
        counted = overdispersed(rng, moved * SEASON, 2.0)
        write(clean, Category.MEETING, year, counted=counted, total=counted)
    assert len(flagged(quota_rising, clean)) <= HANDFUL


def test_a_rise_against_a_two_year_baseline_is_found_and_the_twin_is_not(meetings_at_the_null):
    """The planted department's two earlier years both sit at its level: its baseline is their
    sum, and the evidence names what chance gives under the common trend."""
    clean, planted, twin = meetings_at_the_null
    found = {x.unit_id: x for x in quota_rising.evaluate(AS_OF, None, current_settings())}
    assert planted.pk in found and twin.pk not in found
    against = found[planted.pk].evidence["against_chance"]
    assert against["expected"] < against["observed"]


def test_the_issues_small_rises_raise_nothing(units):
    """10 → 17 inspections and 6 → 9 meetings in a year: both raised a signal before."""
    ta, tb = units["TA"], units["TB"]
    f.inspections(ta, 2024, [1] * 10 + [0, 0])
    f.inspections(ta, 2025, [2] * 6 + [1] * 5 + [0])
    f.meetings(tb, 2024, [1] * 6 + [0] * 6)
    f.meetings(tb, 2025, [1] * 9 + [0] * 3)
    with clock.frozen(dt.date(2025, 12, 31)):
        runner.run(as_of=dt.date(2025, 12, 31))
    assert not Signal.objects.filter(rule="quota_rising").exists()


# --- Outside the plan ----------------------------------------------------------------------------


@pytest.fixture
def plans_at_the_null(units):
    """A hundred departments with ten to sixty inspections so far, each outside the plan with
    probability 3%; the planted one runs ten of thirty outside it, its twin one of thirty."""
    rng = np.random.default_rng(7)
    clean = departments(100)
    planted, twin = departments(2, prefix="P")
    n = rng.poisson(rng.uniform(10, 60, 100))
    totals = spread(rng, n, MONTHS)
    outside = rng.binomial(totals, 0.03)
    write(clean, Category.INSPECTION, 2025, MONTHS, total=totals, out_of_plan=outside)
    each = np.array([[4, 4, 4, 3, 3, 3, 3, 3, 3]])
    write(
        [planted],
        Category.INSPECTION,
        2025,
        MONTHS,
        total=each,
        out_of_plan=np.array([[2, 1, 1, 1, 1, 1, 1, 1, 1]]),
    )
    write(
        [twin],
        Category.INSPECTION,
        2025,
        MONTHS,
        total=each,
        out_of_plan=np.array([[0, 0, 0, 0, 1, 0, 0, 0, 0]]),
    )
    return clean, planted, twin


def test_a_hundred_departments_with_background_out_of_plan_inspections_raise_a_handful_at_most(
    plans_at_the_null,
):
    clean, planted, twin = plans_at_the_null
    assert len(flagged(inspection_plan, clean)) <= HANDFUL


def test_a_third_outside_the_plan_is_found_and_one_is_not(plans_at_the_null):
    clean, planted, twin = plans_at_the_null
    found = {x.unit_id: x for x in inspection_plan.evaluate(AS_OF, None, current_settings())}
    assert planted.pk in found and twin.pk not in found
    x = found[planted.pk]
    assert x.severity == 3
    fig = {g["key"]: g["value"] for g in x.evidence["figures"]}
    assert (fig["out_of_plan"], fig["inspections"]) == (10, 30)
    assert 1 < fig["background_share"] < 6


# --- Gaming: shares -------------------------------------------------------------------------------


@pytest.fixture
def inspections_at_the_null(units):
    """A hundred departments whose remote share did not move (each its own, 10–40%), totals
    drifting as they will; the planted one kept on-site inspections flat (30 → 30) while remote
    ones went 5 → 40 — total rising, on-site not falling; the twin went 5 → 6."""
    rng = np.random.default_rng(13)
    clean = departments(100)
    planted, twin = departments(2, prefix="P")
    share = rng.uniform(0.1, 0.4, 100)
    for year in (2024, 2025):
        n = rng.poisson(rng.uniform(20, 60, 100))
        total = spread(rng, n, MONTHS)
        remote_m = rng.binomial(total, share[:, None])
        write(
            clean,
            Category.INSPECTION,
            year,
            MONTHS,
            total=total,
            remote=remote_m,
            on_site=total - remote_m,
        )
    for unit, remote_this in ((planted, 40), (twin, 6)):
        for year, remote in ((2024, 5), (2025, remote_this)):
            on_site = spread(rng, np.array([30]), MONTHS)
            remote_m = spread(rng, np.array([remote]), MONTHS)
            write(
                [unit],
                Category.INSPECTION,
                year,
                MONTHS,
                total=on_site + remote_m,
                remote=remote_m,
                on_site=on_site,
            )
    return clean, planted, twin


def _gaming(subject):
    return {
        x.unit_id: x
        for x in gaming.evaluate(AS_OF, None, current_settings())
        if x.subject == subject
    }


def test_a_hundred_departments_with_steady_remote_shares_raise_a_handful_at_most(
    inspections_at_the_null,
):
    clean, planted, twin = inspections_at_the_null
    assert len(set(_gaming("remote_inspection")) & {u.pk for u in clean}) <= HANDFUL


def test_remote_inspections_rising_beside_flat_on_site_ones_are_found(inspections_at_the_null):
    """The issue's case: the old rule asked on-site inspections to fall and missed it."""
    clean, planted, twin = inspections_at_the_null
    found = _gaming("remote_inspection")
    assert planted.pk in found and twin.pk not in found
    fig = {g["key"]: g["value"] for g in found[planted.pk].evidence["figures"]}
    assert fig["on_site_this"] == fig["on_site_last"] == 30
    assert fig["total_this"] > fig["total_last"]
    against = found[planted.pk].evidence["against_chance"]
    assert against["test"] == "share_fisher" and against["tested"] == 102


@pytest.fixture
def documents_at_the_null(units):
    """A hundred departments whose white-header share did not move; the planted one issued as
    many red-header documents as last year (40) while its white-header ones went 20 → 80; the
    twin 20 → 22."""
    rng = np.random.default_rng(17)
    clean = departments(100)
    planted, twin = departments(2, prefix="P")
    share = rng.uniform(0.2, 0.6, 100)
    for year in (2024, 2025):
        n = rng.poisson(rng.uniform(30, 120, 100))
        total = spread(rng, n, MONTHS)
        white_m = rng.binomial(total, share[:, None])
        write(
            clean,
            Category.DOCUMENT,
            year,
            MONTHS,
            total=total,
            white_header=white_m,
            red_header=total - white_m,
            counted=total - white_m,
            pages=4 * (total - white_m),
        )
    for unit, white_this in ((planted, 80), (twin, 22)):
        for year, white in ((2024, 20), (2025, white_this)):
            red = spread(rng, np.array([40]), MONTHS)
            white_m = spread(rng, np.array([white]), MONTHS)
            write(
                [unit],
                Category.DOCUMENT,
                year,
                MONTHS,
                total=red + white_m,
                white_header=white_m,
                red_header=red,
                counted=red,
                pages=4 * red,
            )
    return clean, planted, twin


def test_a_hundred_departments_with_steady_white_header_shares_raise_a_handful_at_most(
    documents_at_the_null,
):
    clean, planted, twin = documents_at_the_null
    assert len(set(_gaming("white_header")) & {u.pk for u in clean}) <= HANDFUL


def test_white_header_documents_growing_beside_flat_red_ones_are_found(documents_at_the_null):
    clean, planted, twin = documents_at_the_null
    found = _gaming("white_header")
    assert planted.pk in found and twin.pk not in found


# --- Gaming: length -------------------------------------------------------------------------------


def test_fewer_documents_of_the_same_length_are_not_fewer_but_longer(units):
    td = units["TD01"]
    f.documents(td, 2024, f.flat(10, 6), pages=4, characters=3000)
    f.documents(td, 2025, f.flat(8, 6), pages=4, characters=3000)
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run(as_of=dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="gaming", subject="document_length").exists()


def test_fewer_but_longer_documents_carry_their_chance_test(units):
    td = units["TD01"]
    f.documents(td, 2024, f.flat(10, 6), pages=4, characters=3000)
    f.documents(td, 2025, f.flat(8, 6), pages=6, characters=4000)
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run(as_of=dt.date(2025, 6, 30))
    s = Signal.objects.get(rule="gaming", subject="document_length")
    against = s.evidence["against_chance"]
    assert against["test"] == "length_quasi_poisson"
    # Characters, the stronger case here (every document's length is the same, so they vary
    # as little as the pages): 4,000 a document against last year's 3,000.
    assert (against["observed"], against["expected"], against["unit"]) == (192000, 144000, "chars")
    assert against["p"] < 1e-6


def test_one_inspection_outside_the_plan_is_a_fact_on_the_units_inspections_not_a_signal(
    units, login
):
    ta = units["TA"]
    f.inspections(ta, 2025, f.flat(2, 6))
    (outside,) = f.inspections(ta, 2025, [0, 0, 1], in_plan=False)
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run(as_of=dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="inspection_plan").exists()
    page = login("office").get(reverse("inspection_list"), {"unit": ta.pk, "year": 2025})
    body = page.content.decode()
    assert body.count("计划外</span>") == 1 and outside.title in body


# --- Pacing -----------------------------------------------------------------------------------


@pytest.fixture
def quotas_at_the_null(units):
    """A hundred departments with document quotas set ahead of the year at 1.2–1.5 times their
    expected use (one to twenty documents a month, twice Poisson's variance) and used at their
    ordinary pace; the planted one uses 65 % of its quota of 240 by May, its twin (the same
    quota) keeps its ordinary pace."""
    from jianfu.registry.models import Quota

    rng = np.random.default_rng(7)
    clean = departments(100)
    planted, twin = departments(2, prefix="P")
    level = rng.uniform(1.0, 20.0, size=(100, 1))
    for year in (2023, 2024, 2025):
        counted = overdispersed(rng, level * SEASON, 2.0)
        write(clean, Category.DOCUMENT, year, counted=counted, total=counted)
    limits = np.ceil(level[:, 0] * 12 * rng.uniform(1.2, 1.5, 100)).astype(int)
    Quota.objects.bulk_create(
        [
            Quota(unit=u, year=2025, category=Category.DOCUMENT, limit=int(n))
            for u, n in zip(clean, limits, strict=True)
        ]
    )
    for unit, early in ((planted, 0.65), (twin, None)):
        for year in (2023, 2024, 2025):
            counted = overdispersed(rng, np.broadcast_to(15 * SEASON, (1, 12)), 2.0)
            if year == 2025 and early:
                counted[0, :5] = rng.multinomial(int(early * 240), SEASON[:5] / SEASON[:5].sum())
            write([unit], Category.DOCUMENT, year, counted=counted, total=counted)
        f.quota(unit, 2025, Category.DOCUMENT, 240)
    # The rollup and the quotas were written here directly: the quota usage the status reads is
    # summed from them, as the migration summed what was there before it.
    rollup.rebuild_quota_usage()
    return clean, planted, twin


def _pacing_early(units) -> set[int]:
    from jianfu.signals.rules import quota_pacing

    ids = {u.pk for u in units}
    found = quota_pacing.evaluate(AS_OF, None, current_settings())
    return {x.unit_id for x in found if x.unit_id in ids and "early" in x.conditions}


def test_a_hundred_departments_at_their_ordinary_pace_raise_a_handful_at_most(quotas_at_the_null):
    """Before the chance test, small quotas (a dozen documents) used a little early raised
    "over half in five months" by chance alone."""
    clean, planted, twin = quotas_at_the_null
    assert len(_pacing_early(clean)) <= HANDFUL


def test_a_quota_two_thirds_used_by_may_is_found_and_the_twin_is_not(quotas_at_the_null):
    clean, planted, twin = quotas_at_the_null
    found = _pacing_early([planted, twin])
    assert found == {planted.pk}


def test_documents_merged_into_longer_ones_with_the_total_level_are_found(units):
    """A third fewer documents, each half as long again: the pages in total hardly move (the
    merge itself), the length per document rises. Its twin keeps its count and its length."""
    td, te = units["TD01"], units["TB01"]
    for unit in (td, te):
        f.documents(unit, 2023, f.flat(10, 6), pages=4, characters=3000)
        f.documents(unit, 2024, f.flat(10, 6), pages=4, characters=3000)
    f.documents(td, 2025, f.flat(7, 6), pages=6, characters=4400)
    f.documents(te, 2025, f.flat(10, 6), pages=4, characters=3000)
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run(as_of=dt.date(2025, 6, 30))
    found = Signal.objects.filter(rule="gaming", subject="document_length")
    assert [s.unit_id for s in found] == [td.pk]


def test_one_heavy_unit_does_not_raise_the_background_for_the_others(units):
    """Forty inspections, a third outside the plan, at one unit must not lift the background
    that a second unit (three of twelve outside the plan) is judged against."""
    from jianfu.signals.rules.inspection_plan import _background

    n = np.array([40, 12] + [8] * 60)
    k = np.array([14, 3] + [0] * 50 + [1] * 10)
    bg = _background(k, n)
    # The heavy unit is left out: the ten clean ones' out-of-plan inspections and the prior's.
    assert bg[1] == pytest.approx((10 + 1) / (60 * 8 + 50))
