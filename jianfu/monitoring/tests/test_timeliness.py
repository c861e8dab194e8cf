"""On time or late (迟报): a report is on time when it is first submitted on or before its due day,
local date (Asia/Shanghai) — any time of that day, whatever the server's clock says in UTC. The
demo's reports are held to the same rule, and a confirmation says 迟报 only of a report that is.
"""

import datetime as dt
import random
import uuid
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from jianfu.core import clock
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring import services
from jianfu.monitoring.tests.test_submit import answers

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DUE = dt.date(2025, 4, 5)  # March's report


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def point(db):
    from jianfu.monitoring.models import SamplePoint

    return SamplePoint.objects.get(unit__code="TA0101")


def submit_at(at: dt.datetime, point, reporter, **values):
    with clock.frozen(at):
        report, version, _created = services.report_submit(
            by=reporter,
            point=point,
            period="2025-03",
            values=answers(**values),
            client_key=str(uuid.uuid4()),
        )
    return report, version


@pytest.mark.parametrize(
    "at, late",
    [
        (local(DUE, 23, 59), False),  # the last minute of the due day, local time
        (local(DUE + dt.timedelta(days=1), 0, 0), True),  # the first minute after it
        # 20:00 UTC on the 4th is 04:00 on the 5th in Shanghai: the due day, on time.
        (dt.datetime(2025, 4, 4, 20, 0, tzinfo=dt.UTC), False),
        # 16:30 UTC on the 5th is 00:30 on the 6th in Shanghai: late, though UTC says the 5th.
        (dt.datetime(2025, 4, 5, 16, 30, tzinfo=dt.UTC), True),
    ],
)
def test_the_due_day_is_a_local_day(point, people, at, late):
    report, version = submit_at(at, point, people["reporter"])
    assert (report.late, version.late) == (late, late)


def test_the_confirmation_of_an_on_time_report_does_not_say_late(point, people, login):
    submit_at(local(DUE, 23, 59), point, people["reporter"])
    client = login("reporter")
    with clock.frozen(local(DUE + dt.timedelta(days=1), 9)):
        page = client.get(reverse("report_done", args=[point.pk, "2025-03"])).content.decode()
    assert "迟报" not in page


def test_a_correction_after_the_due_day_keeps_an_on_time_report_on_time(point, people, login):
    submit_at(local(DUE, 10), point, people["reporter"])
    report, version = submit_at(local(DUE + dt.timedelta(days=2), 10), point, people["reporter"])
    assert (report.late, version.late) == (False, True)
    with clock.frozen(local(DUE + dt.timedelta(days=2), 11)):
        page = login("reporter").get(reverse("report_done", args=[point.pk, "2025-03"]))
    text = page.content.decode()
    assert "已记为迟报" not in text
    assert "首次提交在截止日前，仍记为按时报送" in text


def test_a_late_report_says_so(point, people, login):
    submit_at(local(DUE + dt.timedelta(days=1), 0, 0), point, people["reporter"])
    with clock.frozen(local(DUE + dt.timedelta(days=1), 9)):
        page = login("reporter").get(reverse("report_done", args=[point.pk, "2025-03"]))
    assert "截止日后提交，已记为迟报" in page.content.decode()


# --- The demo's reports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        local(dt.date(2026, 12, 4), 12),  # the demo pinned to a day (noon, local)
        dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC),  # the real clock, in UTC
        local(dt.date(2026, 12, 20), 12),  # well after the due day
    ],
)
def test_demo_reports_are_late_only_after_their_due_day_and_never_in_the_future(settings, now):
    due = dt.date(2026, 12, 5)  # November's report, due_days 5
    today = timezone.localdate(now)
    rng = random.Random(3)
    seen = {"on_time": 0, "late": 0, "missing": 0}
    for _ in range(400):
        at, late = demo_data._submitted("2026-11", rng, now, 5)
        if at is None:
            seen["missing"] += 1
            # Only a report whose time has not come yet, while it can still be on time.
            assert today <= due
            continue
        assert at <= now
        assert late == (timezone.localdate(at) > due)
        assert 8 <= timezone.localtime(at).hour <= 21 or at == now
        seen["late" if late else "on_time"] += 1
    if today <= due:
        # On the 4th nothing is late yet: the reports still to come are missing.
        assert seen["late"] == 0 and seen["missing"] > 0
    else:
        assert seen["late"] > 0 and seen["missing"] == 0


def test_a_planted_point_reports_even_before_its_time(settings):
    now = local(dt.date(2026, 12, 1), 9)
    rng = random.Random(1)
    results = [demo_data._submitted("2026-11", rng, now, 5, keep=True) for _ in range(50)]
    assert all(at is not None and at <= now and not late for at, late in results)
