import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.registry.models import Document, MonthlyUsage
from jianfu.registry.quotas import services as quota_services
from jianfu.registry.quotas.figures import quota_status
from jianfu.registry.records import services

AS_OF = dt.date(2025, 5, 31)


def _docs(people, unit, day: dt.date, n: int, kind="red_header"):
    for i in range(n):
        services.record_create(
            Document,
            by=people["office"],
            unit=unit,
            title=f"文件{i}",
            number=f"{unit.code}〔{day.year}〕{day.month}-{day.day}-{i}",
            issued_on=day,
            kind=kind,
            addressed_levels=["township"],
            assigns_work=True,
            pages=2,
            characters=1000,
        )


def _status(unit, year=2025, as_of=AS_OF, category="document"):
    return next(
        s
        for s in quota_status(year=year, as_of=as_of, unit_ids=[unit.pk])
        if s.category == category
    )


@pytest.mark.django_db
def test_used_left_and_pace(people, units):
    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=20
    )
    _docs(people, units["TA"], dt.date(2025, 2, 10), 6)
    _docs(people, units["TA"], dt.date(2025, 4, 10), 6)
    st = _status(units["TA"])
    assert (st.limit, st.used, st.left) == (20, 12, 8)
    assert st.share_used == pytest.approx(0.6)
    assert st.share_year == pytest.approx(151 / 365)
    assert st.pace == pytest.approx(0.6 / (151 / 365))
    assert st.monthly[1] == 6 and st.monthly[3] == 6


@pytest.mark.django_db
def test_projection_follows_the_units_own_monthly_profile(people, units):
    # In earlier years the unit issued half its documents in March and half in September.
    for year in (2023, 2024):
        _docs(people, units["TA"], dt.date(year, 3, 5), 6)
        _docs(people, units["TA"], dt.date(year, 9, 5), 6)
    _docs(people, units["TA"], dt.date(2025, 3, 5), 4)
    st = _status(units["TA"])
    assert st.profile == "own"
    # By the end of May such a unit has reached half its year: 4 now means 8 by December,
    # where a straight line would have said about 9.7.
    assert st.share_profile == pytest.approx(0.5)
    assert st.projected == pytest.approx(8)


@pytest.mark.django_db
def test_projected_exhaustion_date_and_exceeded(people, units):
    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=10
    )
    _docs(people, units["TA"], dt.date(2025, 1, 15), 4)
    st = _status(units["TA"], as_of=dt.date(2025, 1, 31))
    # A straight line: 4 in January projects to about 47 a year; 10 is reached in mid-March.
    assert st.profile == "linear"
    assert st.exhaustion is not None and dt.date(2025, 3, 1) <= st.exhaustion <= dt.date(
        2025, 3, 31
    )
    _docs(people, units["TA"], dt.date(2025, 1, 20), 7)
    st = _status(units["TA"], as_of=dt.date(2025, 1, 31))
    assert st.exceeded and st.left == -1


@pytest.mark.django_db
def test_year_on_year_compares_the_same_months(people, units):
    _docs(people, units["TA"], dt.date(2024, 3, 1), 4)
    _docs(people, units["TA"], dt.date(2024, 9, 1), 10)
    _docs(people, units["TA"], dt.date(2025, 3, 1), 6)
    st = _status(units["TA"])
    assert st.ytd(5) == 6 and st.ytd_last_year(5) == 4
    assert st.change_pct(5) == pytest.approx(50.0)


@pytest.mark.django_db
def test_rollup_is_fresh_after_edit_and_delete(people, units):
    _docs(people, units["TA"], dt.date(2025, 3, 1), 2)
    doc = Document.objects.filter(unit=units["TA"]).first()
    services.record_update(doc, by=people["office"], issued_on=dt.date(2025, 4, 1))
    months = dict(
        MonthlyUsage.objects.filter(unit=units["TA"], category="document").values_list(
            "month", "counted"
        )
    )
    assert months == {3: 1, 4: 1}
    services.record_delete(doc, by=people["office"])
    assert _status(units["TA"]).used == 1


@pytest.mark.django_db
def test_uncounted_documents_stay_out_of_the_quota(people, units):
    _docs(people, units["TA"], dt.date(2025, 3, 1), 2)
    services.record_create(
        Document,
        by=people["office"],
        unit=units["TA"],
        title="内部白头",
        issued_on=dt.date(2025, 3, 2),
        kind="white_header",
        assigns_work=False,
    )
    st = _status(units["TA"])
    assert st.used == 2
    row = MonthlyUsage.objects.get(unit=units["TA"], category="document", month=3)
    assert (row.total, row.counted, row.white_header) == (3, 2, 1)


@pytest.mark.django_db
def test_without_any_history_the_share_reached_is_the_share_of_the_days(people, units):
    _docs(people, units["TA"], dt.date(2025, 3, 5), 3)
    assert _status(units["TA"], as_of=dt.date(2025, 6, 30)).share_profile == pytest.approx(
        181 / 365
    )
    december = _status(units["TA"], as_of=dt.date(2025, 12, 31))
    assert december.profile == "linear"
    assert (december.share_profile, december.projected) == (pytest.approx(1.0), 3)


@pytest.mark.django_db
def test_overview_and_unit_pages(login, people, units):
    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=5
    )
    _docs(people, units["TA"], dt.date(2025, 2, 1), 6)
    with clock.frozen(AS_OF):
        page = login("office").get(reverse("quota_overview"))
        assert page.status_code == 200
        body = page.content.decode()
        assert "甲县" in body and "已超指标" in body
        unit_page = login("office").get(reverse("quota_unit", args=[units["TA"].pk]))
        assert unit_page.status_code == 200
        assert 'data-chart="burn-document"' in unit_page.content.decode()
        assert (
            login("contact_b").get(reverse("quota_unit", args=[units["TA"].pk])).status_code == 404
        )
        own = login("contact_a").get(reverse("quota_overview")).content.decode()
        assert "甲县" in own and "乙县" not in own
        assert login("auditor").get(reverse("quota_overview")).status_code == 403


@pytest.mark.django_db
def test_burn_down_chart_shows_what_is_left_against_the_pace_line(people, units):
    from jianfu.registry.quotas.charts import burn_down

    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=20
    )
    _docs(people, units["TA"], dt.date(2025, 2, 10), 6)
    _docs(people, units["TA"], dt.date(2025, 4, 10), 6)
    option = burn_down(_status(units["TA"]), AS_OF)
    left, pace = option["series"][0]["data"], option["series"][1]["data"]
    assert left[:6] == [20, 14, 14, 8, 8, None]
    assert pace[11] == 0 and pace[5] == pytest.approx(20 * (1 - 181 / 365), abs=0.1)


@pytest.mark.django_db
def test_the_used_up_line_is_labelled_inside_the_plot(people, units):
    """At the line's end (ECharts' default) the label fell outside the grid and the chart's
    edge clipped "用尽" to "用"."""
    from jianfu.registry.quotas.charts import burn_down

    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=20
    )
    mark = burn_down(_status(units["TA"]), AS_OF)["series"][0]["markLine"]
    assert mark["label"]["formatter"] == "用尽"
    assert mark["label"]["position"].startswith("inside")


def test_each_status_has_one_state_worst_first():
    from jianfu.registry.quotas.figures import State, Status

    def st(limit, used, share_year=0.5, exhaustion=None):
        return Status(
            unit_id=1,
            category="document",
            year=2025,
            limit=limit,
            used=used,
            share_year=share_year,
            exhaustion=exhaustion,
        )

    soon = dt.date(2025, 11, 1)
    assert st(10, 11, exhaustion=soon).state == State.EXCEEDED
    assert st(10, 10, exhaustion=soon).state == State.USED_UP
    assert st(10, 6, exhaustion=soon).state == State.AT_RISK
    # Spending faster than the year goes (pace 1.2), though the unit's own monthly profile
    # still projects it within its quota: fast, not at risk.
    assert st(10, 6).state == State.FAST
    assert st(10, 5).state == State.ON_TRACK
    assert st(None, 5).state == State.NO_QUOTA
    ranked = sorted([st(10, 5), st(10, 6), st(10, 11, exhaustion=soon)], key=Status.laggard_key)
    assert [s.state for s in ranked] == [State.EXCEEDED, State.FAST, State.ON_TRACK]
