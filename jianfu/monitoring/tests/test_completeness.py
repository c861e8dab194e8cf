"""Completeness and timeliness on a small built dataset, with exact numbers.

Points (monthly form "burden", due on the 5th of the next month):
  P1 甲一村   village   county A  since 2023-01-01           (the test city's point)
  P2 甲一镇   township  county A  since 2025-02-01           (not expected in January)
  P3 乙一镇   township  county B  2025-01-01 … 2025-02-28     (not expected in March)
Reports: P1 Jan on time, Feb late; P2 Feb on time, Mar on time; P3 Jan late.

            expected received on time late missing
  2025-01      2        2        1      1     0      (P1, P3)
  2025-02      3        2        1      1     1      (P3 missing)
  2025-03      2        1        1      0     1      (P1 missing)
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jianfu.core import clock, periods
from jianfu.core.models import Unit, User
from jianfu.monitoring.models import PeriodClosure, Report, ReportForm, SamplePoint
from jianfu.monitoring.points import queries
from jianfu.monitoring.reports import services

PERIODS = ["2025-01", "2025-02", "2025-03"]
TODAY = dt.date(2025, 4, 20)


def report(point, period, late):
    at = timezone.make_aware(dt.datetime.combine(periods.bounds(period)[1], dt.time(18)))
    if late:
        at += dt.timedelta(days=10)
    reporter = point.reporters.first() or User.objects.get(username="reporter")
    return Report.objects.create(
        point=point,
        period=period,
        form=ReportForm.objects.get(code="burden"),
        values={},
        reporter=reporter,
        first_submitted_at=at,
        submitted_at=at,
        late=late,
    )


@pytest.fixture
def data(db):
    units = {u.code: u for u in Unit.objects.all()}
    p1 = SamplePoint.objects.get(unit__code="TA0101")
    p2 = SamplePoint.objects.create(
        unit=units["TA01"], county=units["TA"], kind="township", since=dt.date(2025, 2, 1)
    )
    p3 = SamplePoint.objects.create(
        unit=units["TB01"],
        county=units["TB"],
        kind="township",
        since=dt.date(2025, 1, 1),
        until=dt.date(2025, 2, 28),
    )
    report(p1, "2025-01", False)
    report(p1, "2025-02", True)
    report(p2, "2025-02", False)
    report(p2, "2025-03", False)
    report(p3, "2025-01", True)
    report(p1, "2024-12", False)  # outside the range: not counted
    return {"p1": p1, "p2": p2, "p3": p3, "units": units}


def numbers(f):
    return (f.expected, f.received, f.on_time, f.late, f.missing)


def run(user="office"):
    return queries.completeness(
        User.objects.get(username=user), form_code="burden", period_keys=PERIODS
    )


def test_by_period(data):
    c = run()
    assert [numbers(f) for f in c.by_period] == [
        (2, 2, 1, 1, 0),
        (3, 2, 1, 1, 1),
        (2, 1, 1, 0, 1),
    ]
    assert numbers(c.total) == (7, 5, 3, 2, 2)
    jan = c.by_period[0]
    assert (jan.completeness, jan.timeliness) == (100.0, 50.0)
    assert round(c.total.completeness, 2) == 71.43 and round(c.total.timeliness, 2) == 42.86


def test_by_county(data):
    c = run()
    rows = {r.label: r for r in c.by_county}
    assert list(rows) == ["甲县", "乙县"]
    assert [numbers(f) for f in rows["甲县"].cells] == [
        (1, 1, 1, 0, 0),
        (2, 2, 1, 1, 0),
        (2, 1, 1, 0, 1),
    ]
    assert numbers(rows["甲县"].total) == (5, 4, 3, 1, 1)
    assert [numbers(f) for f in rows["乙县"].cells] == [
        (1, 1, 0, 1, 0),
        (1, 0, 0, 0, 1),
        (0, 0, 0, 0, 0),
    ]
    assert numbers(rows["乙县"].total) == (2, 1, 0, 1, 1)


def test_by_kind(data):
    c = run()
    rows = {r.key: r for r in c.by_kind}
    assert list(rows) == ["township", "village"]  # the kinds' order: township first
    assert [numbers(f) for f in rows["village"].cells] == [
        (1, 1, 1, 0, 0),
        (1, 1, 0, 1, 0),
        (1, 0, 0, 0, 1),
    ]
    assert numbers(rows["township"].total) == (4, 3, 2, 1, 1)


def test_per_point_and_its_streak(data):
    c = run()
    p1, p2, p3 = (c.points[data[k].pk] for k in ("p1", "p2", "p3"))
    assert (p1.expected, p1.received, p1.on_time, p1.last, p1.missing_streak) == (
        3,
        2,
        1,
        "2025-02",
        1,
    )
    assert (p2.expected, p2.received, p2.missing_streak, p2.consistent) == (2, 2, 0, True)
    assert (p3.expected, p3.received, p3.last, p3.missing_streak) == (2, 1, "2025-01", 1)
    assert c.consistently_reporting == (1, 3)


def test_a_report_where_the_point_was_not_expected_is_not_counted(data):
    report(data["p3"], "2025-03", False)  # written directly, after the point closed
    c = run()
    assert numbers(c.by_period[2]) == (2, 1, 1, 0, 1)
    tb = next(r for r in c.by_county if r.label == "乙县")
    assert numbers(tb.cells[2]) == (0, 0, 0, 0, 0)


def test_contacts_see_their_own_county_only(data):
    a = run("contact_a")
    assert [r.label for r in a.by_county] == ["甲县"]
    assert numbers(a.total) == (5, 4, 3, 1, 1)
    b = run("contact_b")
    assert [r.label for r in b.by_county] == ["乙县"]
    assert set(b.points) == {data["p3"].pk}


def test_figures_take_a_fixed_number_of_queries(data, django_assert_max_num_queries):
    from jianfu.core import scope

    office = User.objects.select_related("home_unit").get(username="office")
    scope.scope_of(office)
    # The points, the reports by period × county × kind, by point, the counties' names.
    with django_assert_max_num_queries(4):
        queries.completeness(office, form_code="burden", period_keys=PERIODS)


def test_missing_points_of_a_period(data):
    points = SamplePoint.objects.all()
    assert list(queries.missing_points(points, "2025-02")) == [data["p3"]]
    assert list(queries.missing_points(points, "2025-03")) == [data["p1"]]
    streaks = queries.missing_streaks([data["p1"], data["p3"]], "2025-03")
    # P3 missed February, its last period in monitoring.
    assert streaks == {data["p1"].pk: 1, data["p3"].pk: 1}


# --- Periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "closed", "expected"),
    [
        (dt.date(2025, 4, 3), False, "2025-02"),  # March is due on 5 April
        (dt.date(2025, 4, 5), False, "2025-02"),  # the due day itself is still on time
        (dt.date(2025, 4, 6), False, "2025-03"),
        (dt.date(2025, 4, 3), True, "2025-03"),  # the office closed March early
    ],
)
def test_the_default_range_ends_at_the_last_period_due_or_closed(db, today, closed, expected):
    if closed:
        PeriodClosure.objects.create(
            form_code="burden", period="2025-03", by=User.objects.get(username="office")
        )
    forms = queries.Forms()
    assert queries.last_counted(forms, "burden", today, queries.closures("burden")) == expected


def test_period_states_agree_with_the_service(db, people):
    services.period_close(by=people["office"], form_code="burden", period="2025-02")
    services.period_close(by=people["office"], form_code="burden", period="2024-12", closed=False)
    forms, closed = queries.Forms(), queries.closures("burden")
    for today in (dt.date(2025, 3, 3), dt.date(2025, 3, 27), dt.date(2025, 4, 20)):
        for period in periods.between("2024-10", "2025-04"):
            assert queries.period_state(forms, "burden", period, today, closed) == (
                services.period_state("burden", period, today)
            ), (today, period)


# --- The page -----------------------------------------------------------------------------------


def test_the_page_shows_the_figures_and_the_missing_points(login, data):
    with clock.frozen(TODAY):
        page = login("office").get(reverse("completeness"), {"last": "2025-03", "n": 6})
        assert page.status_code == 200
        c = page.context["c"]
        assert c.periods[-3:] == PERIODS and len(c.periods) == 6
        assert numbers(c.by_period[-1]) == (2, 1, 1, 0, 1)
        assert page.context["missing_period"] == "2025-03"
        assert [p.unit.name for p in page.context["missing_page"]] == ["甲一村"]
        text = page.content.decode()
        assert "发送提醒" in text and "不发短信" in text
        by_kind = login("office").get(reverse("completeness"), {"last": "2025-03", "by": "kind"})
        assert [r["key"] for r in by_kind.context["rows"]] == ["township", "village"]
        # The default range: the last 12 periods due or closed (March, due 5 April).
        default = login("office").get(reverse("completeness"))
        assert default.context["c"].periods[-1] == "2025-03"
        assert len(default.context["c"].periods) == 12


def test_rates_below_the_alert_lines_are_marked(login, data):
    with clock.frozen(TODAY):
        page = login("office").get(reverse("completeness"), {"last": "2025-03", "n": 6})
    assert (page.context["alert_completeness"], page.context["alert_timeliness"]) == (90, 75)
    assert "table-danger" in page.content.decode()


def test_the_contact_sees_only_their_county_and_no_reminder_button(login, data):
    with clock.frozen(TODAY):
        page = login("contact_b").get(reverse("completeness"), {"last": "2025-03"})
    assert [r["label"] for r in page.context["rows"]] == ["乙县"]
    text = page.content.decode()
    assert "甲县" not in text and "全部发送提醒" not in text and "提前关闭" not in text


def test_the_office_closes_and_reopens_a_period_early(login, data):
    client = login("office")
    with clock.frozen(dt.date(2025, 4, 3)):
        response = client.post(
            reverse("period_toggle"),
            {"form": "burden", "period": "2025-03", "closed": "1", "next": "/monitoring/x"},
        )
        assert response.status_code == 302
        assert services.period_state("burden", "2025-03") == "closed"
        client.post(reverse("period_toggle"), {"form": "burden", "period": "2025-03"})
        assert services.period_state("burden", "2025-03") == "open"
        bad = client.post(reverse("period_toggle"), {"period": "2025-13", "closed": "1"})
        assert bad.status_code == 302 and not PeriodClosure.objects.filter(period="2025-13")
