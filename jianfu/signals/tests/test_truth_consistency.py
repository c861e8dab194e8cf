"""Impossible and inconsistent answers: what validation refuses on entry is still caught when a
report got in another way (an older form version, an import), the honest-but-unusual is told
apart, and clean reports raise nothing."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.monitoring.models import Report, ReportForm, SamplePoint
from jianfu.signals.rules import truth_consistency

from . import truth_factories as tf

CLEAN = {
    "docs_total": 30,
    "docs_city": 5,
    "docs_county": 15,
    "docs_township": 10,
    "meetings_total": 8,
    "meetings_hours": 14.5,
    "meetings_video": 3,
    "meetings_county": 4,
    "inspections_total": 3,
    "inspection_days": 2,
    "inspections_remote": 1,
    "inspections_county": 2,
    "forms_filled": 12,
    "trace_demands": 4,
    "app_checkins": 3,
    "hours_burden_week": 15,
    "hours_service_week": 25,
    "burden_score": 3,
}


@pytest.fixture
def point(db):
    return SamplePoint.objects.get(unit__code="TA0101")


def report(point, period, **changes):
    values = {**CLEAN, **changes}
    now = clock.now()
    return Report.objects.create(
        point=point,
        period=period,
        form=ReportForm.objects.get(code="burden", version=1),
        values=values,
        reporter=point.reporters.first(),
        first_submitted_at=now,
        submitted_at=now,
    )


def found(point):
    return {
        f.period: f
        for f in tf.evaluate(truth_consistency.RULE, as_of=dt.date(2025, 9, 15))
        if f.unit_id == point.unit_id
    }


def test_impossible_answers_are_high(point):
    part = report(point, "2025-03", docs_county=40)  # above the 30 received
    hours = report(point, "2025-04", meetings_hours=800)  # April has 720 hours
    days = report(
        point,
        "2025-05",
        inspection_days=0.5,
        inspections_total=0,
        inspections_remote=0,
        inspections_county=0,
    )
    week = report(point, "2025-06", hours_burden_week=100, hours_service_week=80)
    got = found(point)
    assert got["2025-03"].conditions == ("part_gt_whole", "levels_sum_gt_whole")
    assert got["2025-03"].severity == 3 and got["2025-03"].evidence["reports"] == [part.pk]
    fig = tf.figures(got["2025-03"])
    assert fig["docs_county:value"] == 40 and fig["docs_total:value"] == 30
    assert "hours_gt_period" in got["2025-04"].conditions
    assert tf.figures(got["2025-04"])["truth.hours_in_period"] == 720
    assert got["2025-04"].evidence["reports"] == [hours.pk]
    assert got["2025-05"].conditions == ("days_without_inspections",)
    assert got["2025-05"].evidence["reports"] == [days.pk]
    assert got["2025-06"].conditions == ("week_gt_168",)
    assert got["2025-06"].evidence["reports"] == [week.pk]
    assert "不可能" in truth_consistency.headline("", got["2025-03"].evidence)


def test_unusual_answers_are_low(point):
    report(point, "2025-03", meetings_hours=90)  # 8 meetings, 11 hours each
    report(point, "2025-04", docs_city=10, docs_county=12, docs_township=12)  # 34 > 30
    got = found(point)
    assert got["2025-03"].conditions == ("hours_per_meeting",) and got["2025-03"].severity == 1
    assert tf.figures(got["2025-03"])["truth.hours_per_meeting"] == pytest.approx(11.2, abs=0.1)
    assert got["2025-04"].conditions == ("levels_sum_gt_whole",)
    assert tf.figures(got["2025-04"])["truth.levels_sum"] == 34


def test_clean_reports_and_months_outside_the_window_raise_nothing(point):
    report(point, "2025-02")
    report(
        point, "2025-08", meetings_total=0, meetings_hours=0, meetings_video=0, meetings_county=0
    )
    report(point, "2024-01", docs_county=99)  # before the twelve months judged
    assert found(point) == {}


def test_the_part_of_rules_come_from_the_reports_own_form_version(point):
    old = ReportForm.objects.create(
        code="burden",
        version=9,
        name="旧版",
        questions=[
            {"key": "docs_total", "type": "int"},
            {"key": "docs_county", "type": "int"},  # no part_of in this version
        ],
        valid_from=dt.date(2019, 1, 1),
    )
    r = report(point, "2025-03", docs_county=40)
    Report.objects.filter(pk=r.pk).update(form=old)
    got = found(point)
    assert got["2025-03"].conditions == ("levels_sum_gt_whole",)  # not "part greater than whole"
