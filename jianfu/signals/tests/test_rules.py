"""Each rule on targeted data in the test city: what raises it, with which evidence, and what does
not (small numbers, thresholds not passed). The clock is pinned; nothing depends on today."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import gaming, quota_pacing, quota_rising

from . import factories as f

pytestmark = pytest.mark.django_db


def run(as_of: dt.date, **kwargs):
    with clock.frozen(as_of):
        return runner.run(**kwargs)


def figures(signal) -> dict:
    return {x["key"]: x["value"] for x in signal.evidence["figures"]}


def only(**kwargs) -> Signal:
    return Signal.objects.get(**kwargs)


# --- Pacing -------------------------------------------------------------------------------------


@pytest.fixture
def burning(units):
    """甲县: a quota of 100 documents, 120 last year evenly, 12 a month this year."""
    ta = units["TA"]
    f.quota(ta, 2025, "document", 100)
    f.documents(ta, 2024, f.flat(10))
    f.documents(ta, 2025, f.flat(12, 5))
    return ta


def test_over_half_the_quota_in_five_months_raises_pacing(burning):
    run(dt.date(2025, 5, 31))
    s = only(rule="quota_pacing", unit=burning)
    assert (s.period, s.subject, s.status) == ("2025", "document", "open")
    assert set(s.evidence["conditions"]) == {"early", "exhaustion"}
    assert s.severity == 2
    fig = figures(s)
    assert fig["limit"] == 100 and fig["used"] == 60 and fig["early_used"] == 60
    assert fig["early_share"] == 60.0
    assert "exhaustion" in fig and fig["exhaustion"] < "2025-12-31"
    counted = s.evidence["series"][0]
    assert counted["key"] == "counted"
    assert [r["year"] for r in counted["rows"]] == [2025, 2024]
    assert counted["rows"][0]["values"][:5] == [12] * 5
    assert counted["rows"][1]["values"] == [10] * 12
    assert s.threshold == {
        quota_pacing.EARLY_SHARE: 50,
        quota_pacing.EARLY_MONTHS: 5,
        quota_pacing.FROM_MONTH: 3,
        quota_pacing.FDR: 10.0,
    }
    assert s.evidence["against_chance"]["test"] == "early_pace"
    assert s.evidence["against_chance"]["p"] < 0.05


def test_the_five_month_finding_stands_for_the_rest_of_the_year(burning):
    run(dt.date(2025, 9, 30))
    s = only(rule="quota_pacing", unit=burning)
    assert s.evidence["conditions"] == ["early"]
    assert figures(s)["used"] == 60


def test_an_exceeded_quota_raises_pacing_high(burning):
    f.documents(burning, 2025, [0, 0, 0, 0, 0, 50])
    run(dt.date(2025, 6, 30))
    s = only(rule="quota_pacing", unit=burning)
    assert "exceeded" in s.evidence["conditions"] and s.severity == 3
    assert figures(s)["used"] == 110


def test_a_projection_past_the_quota_raises_pacing_low(units):
    ta = units["TA"]
    f.quota(ta, 2025, "meeting", 100)
    f.meetings(ta, 2024, f.flat(10))
    f.meetings(ta, 2025, f.flat(11, 4))
    run(dt.date(2025, 4, 30))
    s = only(rule="quota_pacing", unit=ta, subject="meeting")
    assert s.evidence["conditions"] == ["exhaustion"] and s.severity == 1


def test_a_unit_within_its_pace_raises_nothing(units):
    ta = units["TA"]
    f.quota(ta, 2025, "document", 100)
    f.documents(ta, 2024, f.flat(10))
    f.documents(ta, 2025, f.flat(6, 5))
    run(dt.date(2025, 5, 31))
    assert not Signal.objects.filter(unit=ta).exists()


def test_a_few_records_early_in_the_year_project_nothing(units):
    """Three inspections in a quarter against a quota of ten: a projection, not a finding."""
    ta = units["TA"]
    f.quota(ta, 2025, "inspection", 10)
    f.inspections(ta, 2024, [1] * 10 + [0, 0])
    f.inspections(ta, 2025, [1, 1, 1])
    run(dt.date(2025, 3, 31))
    assert not Signal.objects.filter(rule="quota_pacing", unit=ta).exists()


# --- Rising ---------------------------------------------------------------------------------------


def test_meetings_up_on_last_year_raise_rising_with_both_series(units):
    tb = units["TB"]
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, f.flat(5, 6))
    run(dt.date(2025, 6, 30))
    s = only(rule="quota_rising", unit=tb)
    assert (s.subject, s.period) == ("meeting", "2025")
    fig = figures(s)
    assert (fig["months"], fig["this_ytd"], fig["last_ytd"], fig["change"]) == (6, 30, 12, 18)
    assert fig["change_pct"] == 150.0
    # Fifteen times the 10% threshold, and chance alone gives 30 of 42 once in 250 (q < 0.5%).
    assert s.severity == 3
    rows = s.evidence["series"][0]["rows"]
    assert rows == [{"year": 2025, "values": [5] * 6}, {"year": 2024, "values": [2] * 6}]
    against = s.evidence["against_chance"]
    assert against["test"] == "rise_quasi_poisson" and against["tested"] == 1
    assert (against["observed"], against["expected"], against["support"]) == (30, 21, 42)
    assert 0.003 < against["p"] < 0.005 and against["q"] == against["p"]


def test_meetings_up_by_half_on_small_counts_are_within_chance(units):
    """12 → 18 meetings: half as many again, but two noisy counts that size differ by that much
    by chance about one year in five."""
    tb = units["TB"]
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, f.flat(3, 6))
    run(dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="quota_rising").exists()


def test_one_document_becoming_two_does_not_cry_wolf(units):
    tb = units["TB"]
    f.documents(tb, 2024, [1])
    f.documents(tb, 2025, [2])
    run(dt.date(2025, 1, 31))
    assert not Signal.objects.filter(rule="quota_rising").exists()


def test_rising_compares_complete_months_only(units):
    tb = units["TB"]
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, [2, 2, 2, 2, 2, 30])  # June is not over on the 15th
    run(dt.date(2025, 6, 15))
    assert not Signal.objects.filter(rule="quota_rising").exists()
    run(dt.date(2025, 6, 30))
    assert figures(only(rule="quota_rising", unit=tb))["months"] == 6


def test_a_raised_threshold_in_the_settings_changes_the_outcome(units, people):
    tb = units["TB"]
    f.meetings(tb, 2024, f.flat(10))
    f.meetings(tb, 2025, f.flat(15, 6))
    core_services.setting_update(by=people["office"], key=quota_rising.FDR, value="5")
    core_services.setting_update(by=people["office"], key=quota_rising.MIN_PCT, value="60")
    run(dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="quota_rising").exists()
    core_services.setting_update(by=people["office"], key=quota_rising.MIN_PCT, value="40")
    run(dt.date(2025, 6, 30))
    s = only(rule="quota_rising", unit=tb)
    assert s.threshold[quota_rising.MIN_PCT] == 40
    # 50% is past 40% but not twice it, and q (0.9%) passes 5% but not a tenth of it.
    assert s.severity == 1


# --- Gaming -------------------------------------------------------------------------------------


def test_video_meetings_that_still_call_the_grassroots_raise_gaming(units):
    ta = units["TA"]
    f.meetings(ta, 2024, f.flat(4, 6))
    f.meetings(ta, 2024, f.flat(1, 6), form="video", grassroots=True)
    f.meetings(ta, 2025, f.flat(2, 6))
    f.meetings(ta, 2025, f.flat(3, 6), form="video", grassroots=True)
    run(dt.date(2025, 6, 30))
    s = only(rule="gaming", unit=ta, subject="video_grassroots")
    fig = figures(s)
    assert (fig["in_person_last"], fig["in_person_this"]) == (24, 12)
    assert (fig["video_share_last"], fig["video_share_this"]) == (20.0, 60.0)
    assert fig["share_change"] == 40.0 and s.severity == 3
    keys = [x["key"] for x in s.evidence["series"]]
    assert keys == ["in_person", "video_grassroots"]
    assert s.evidence["records"]["model"] == "registry.meeting"
    assert s.evidence["records"]["count"] == 18


def test_fewer_but_longer_documents_raise_gaming(units):
    td = units["TD01"]
    f.documents(td, 2024, f.flat(10, 6), pages=4, characters=3000)
    f.documents(td, 2025, f.flat(8, 6), pages=6, characters=4000)
    run(dt.date(2025, 6, 30))
    s = only(rule="gaming", unit=td, subject="document_length")
    fig = figures(s)
    assert (fig["count_last"], fig["count_this"]) == (60, 48)
    assert (fig["pages_last"], fig["pages_this"]) == (240, 288)
    assert fig["pages_change_pct"] == 20.0


def test_red_header_documents_swapped_for_white_ones_raise_gaming(units):
    tb = units["TB"]
    f.documents(tb, 2024, f.flat(6, 6))
    f.documents(tb, 2024, f.flat(4, 6), kind="white_header")
    f.documents(tb, 2025, f.flat(3, 6))
    f.documents(tb, 2025, f.flat(7, 6), kind="white_header", assigns_work=False)
    run(dt.date(2025, 6, 30))
    s = only(rule="gaming", unit=tb, subject="white_header")
    fig = figures(s)
    assert (fig["red_last"], fig["red_this"]) == (36, 18)
    assert (fig["white_share_last"], fig["white_share_this"]) == (40.0, 70.0)
    assert s.evidence["records"]["count"] == 42
    assert not Signal.objects.filter(rule="quota_rising", unit=tb).exists()


def test_a_handful_of_inspections_is_too_few_to_compare_shares(units):
    tb = units["TB"]
    f.inspections(tb, 2024, f.flat(1, 6))
    f.inspections(tb, 2025, f.flat(1, 6), method="phone")
    run(dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="gaming").exists()


def test_the_minimum_count_is_a_setting(units, people):
    tb = units["TB"]
    f.inspections(tb, 2024, f.flat(1, 6))
    f.inspections(tb, 2025, f.flat(1, 6), method="materials")
    core_services.setting_update(by=people["office"], key=gaming.MIN_COUNT, value="5")
    run(dt.date(2025, 6, 30))
    s = only(rule="gaming", unit=tb, subject="remote_inspection")
    assert figures(s)["remote_share_this"] == 100.0


# --- Outside the plan ---------------------------------------------------------------------------


def test_inspections_outside_the_plan_raise_a_signal_with_their_ids(units):
    ta = units["TA"]
    f.inspections(ta, 2025, f.flat(1, 6))
    outside = f.inspections(ta, 2025, [0, 0, 2, 0, 1], in_plan=False)
    run(dt.date(2025, 6, 30))
    s = only(rule="inspection_plan", unit=ta)
    # A third of its inspections outside the plan, against a background of 2%: high.
    assert (s.period, s.subject, s.severity) == ("2025", "", 3)
    assert s.evidence["records"] == {
        "model": "registry.inspection",
        "ids": [i.pk for i in outside],
        "count": 3,
    }
    fig = figures(s)
    assert (fig["out_of_plan"], fig["inspections"], fig["out_of_plan_share"]) == (3, 9, 33.3)
    against = s.evidence["against_chance"]
    assert against["test"] == "out_of_plan_binomial" and against["tested"] == 1
    assert against["p"] < 0.001 and against["support"] == 9


def test_two_inspections_outside_the_plan_are_a_fact_not_a_signal(units):
    """The issue's case: one or two out-of-plan inspections in a year happen everywhere."""
    ta = units["TA"]
    f.inspections(ta, 2025, f.flat(1, 6))
    f.inspections(ta, 2025, [0, 0, 2], in_plan=False)
    run(dt.date(2025, 6, 30))
    assert not Signal.objects.filter(rule="inspection_plan").exists()


# --- Scale ----------------------------------------------------------------------------------------


def test_the_rules_read_a_bounded_number_of_queries(units, django_assert_max_num_queries):
    for code in ("TA", "TB", "TD01"):
        f.quota(units[code], 2025, "document", 10)
        f.documents(units[code], 2024, f.flat(2))
        f.documents(units[code], 2025, f.flat(4, 6))
    # A few grouped reads and one upsert per rule, however many units: no query per unit.
    with django_assert_max_num_queries(30), clock.frozen(dt.date(2025, 6, 30)):
        runner.run_rules(group="quota")
    assert Signal.objects.filter(rule="quota_pacing").count() == 3
