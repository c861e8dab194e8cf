"""The review's arithmetic: the share of the year gone on the stock-taking date (calendar days, or
working days when the setting says so, with the office's calendar overrides), a target's share
done, a unit's share and its lag against the margin; the office's date and margin move the
verdict."""

import datetime as dt

import pytest

from jianfu.core import clock, runtime, workdays
from jianfu.core.models import HolidayOverride, RuntimeSetting
from jianfu.supervision.review import config, queries, services
from jianfu.supervision.review.models import Target

from . import review_factory as f

pytestmark = pytest.mark.django_db


def setting(key, value):
    RuntimeSetting.objects.update_or_create(key=key, defaults={"value": value})
    runtime.invalidate()


@pytest.fixture(autouse=True)
def _fresh_settings():
    runtime.invalidate()
    yield
    runtime.invalidate()


def test_calendar_share_of_the_year_gone():
    # 1 January to 30 June 2025 is 181 of 365 days.
    assert queries.year_share(dt.date(2025, 6, 30)) == round(181 / 365 * 100, 1) == 49.6
    assert queries.year_share(dt.date(2024, 6, 30)) == round(182 / 366 * 100, 1)
    assert queries.year_share(dt.date(2025, 12, 31)) == 100.0
    assert queries.year_share(dt.date(2025, 1, 1)) == round(1 / 365 * 100, 1)


def test_working_day_share_follows_the_calendar_and_its_overrides():
    start, end = dt.date(2024, 12, 31), dt.date(2025, 12, 31)
    day = dt.date(2025, 6, 30)
    total = workdays.workdays_between(start, end)
    gone = workdays.workdays_between(start, day)
    expected = round(gone / total * 100, 1)
    assert queries.year_share(day, working=True) == expected
    assert expected != queries.year_share(day)  # the two counts differ
    # The office declares a Saturday in May a working day: one more gone, one more in the year.
    saturday = dt.date(2025, 5, 17)
    assert not workdays.is_workday(saturday)
    HolidayOverride.objects.create(day=saturday, kind="workday", name="调休")
    assert queries.year_share(day, working=True) == round((gone + 1) / (total + 1) * 100, 1)


def test_a_targets_share_done():
    t = Target(target_value=200, done_value=50)
    assert queries.target_share(t) == 25.0
    assert queries.target_share(Target(target_value=None, percent=40)) == 40.0
    assert queries.target_share(Target(target_value=100, done_value=None)) is None
    assert queries.target_share(Target(target_value=100, done_value=130)) == 130.0
    # A unit's share caps each target at 100 and counts nothing entered as 0.
    assert queries.mean_share([130.0, 50.0, None]) == 50.0


def test_lag_is_the_share_of_time_over_the_share_done_beyond_the_margin():
    assert queries.lags(49.6, 39.6, 10) is False  # exactly the margin: not behind
    assert queries.lags(49.6, 39.5, 10) is True
    assert queries.lags(49.6, None, 10) is True
    assert queries.lags(49.6, 150.0, 10) is False


def test_the_lagging_units_worst_first_with_their_figures(units):
    f.city(units)
    with clock.frozen(f.AS_OF):
        stock = queries.stock(f.office(), f.YEAR)
    assert stock.as_of == dt.date(2025, 6, 30) and stock.time_share == 49.6
    assert [r.name for r in stock.rows] == ["甲县", "乙县"]
    a, b = stock.rows
    assert a.share == 25.0 and a.gap == 24.6 and a.lagging
    assert [t.target.name for t in a.lagging_targets] == ["地区生产总值", "老旧小区改造"]
    assert b.share == 57.5 and not b.lagging
    assert [r.name for r in stock.lagging] == ["甲县"]
    # Filter by kind: 乙县's key work alone; 甲县 has none.
    with clock.frozen(f.AS_OF):
        key_work = queries.stock(f.office(), f.YEAR, kind="key_work")
    assert [r.name for r in key_work.rows] == ["乙县"]


def test_worst_first_among_lagging_units(units):
    f.target(units["TA"], "工业增加值", target_value=100, done=30)
    f.target(units["TB"], "工业增加值", target_value=100, done=10)
    with clock.frozen(f.AS_OF):
        stock = queries.stock(f.office(), f.YEAR)
    assert [r.name for r in stock.lagging] == ["乙县", "甲县"]


def test_the_margin_and_the_date_are_the_offices(units):
    f.city(units)
    setting(config.LAG_MARGIN, 30)
    with clock.frozen(f.AS_OF):
        assert queries.stock(f.office(), f.YEAR).lagging == []
        services.review_set_date(by=f.office(), year=f.YEAR, stock_date=dt.date(2025, 3, 31))
        stock = queries.stock(f.office(), f.YEAR)
    assert stock.as_of == dt.date(2025, 3, 31) and stock.time_share == round(90 / 365 * 100, 1)
    assert stock.lagging == []


def test_working_days_setting_changes_the_time_share(units):
    f.city(units)
    setting(config.WORKING_DAYS, True)
    with clock.frozen(f.AS_OF):
        stock = queries.stock(f.office(), f.YEAR)
    assert stock.working_days
    assert stock.time_share == queries.year_share(dt.date(2025, 6, 30), working=True)


def test_items_and_projects_beside_the_targets(units):
    from . import projects_factory as pf

    f.city(units)
    pf.project(units["TA"], "甲县产业园", start_months_ago=6, money_months=(1, 2), done=2)
    with clock.frozen(f.AS_OF):
        row = queries.stock(f.office(), f.YEAR, unit_id=units["TA"].pk).rows[0]
    assert row.projects.count == 1 and row.projects.milestones == 4
    assert row.items.open == 0
