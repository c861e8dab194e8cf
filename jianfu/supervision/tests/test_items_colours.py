"""Colours of supervision items on the working-day clock, across real 2026 holidays and their
make-up working days (National Day with Saturday 10 October worked; the Spring Festival with
Saturday 14 February worked)."""

import datetime as dt

import pytest

from jianfu.core import workdays
from jianfu.core.models import HolidayKind, HolidayOverride
from jianfu.supervision.items import queries
from jianfu.supervision.items.models import Item, ItemStatus
from jianfu.supervision.items.queries import BLUE, GREEN, RED, YELLOW, DayClock

from .test_items_services import make

pytestmark = pytest.mark.django_db

D = dt.date


def item(people, units, created, deadline, percent, **kw):
    with_date = dict(created_on=created, deadline=deadline, **kw)
    from jianfu.core import clock
    from jianfu.supervision.items import services

    with clock.frozen(created):
        it = services.item_create(
            by=people["office"],
            source="annual",
            title="年度重点任务",
            lead_unit_id=units["TA"].pk,
            issue=True,
            **with_date,
        )
    Item.objects.filter(pk=it.pk).update(percent=percent)
    it.refresh_from_db()
    return it


def colour(it, day):
    return queries.colour_of(it, day)


def test_blue_counts_working_days_across_national_day_and_its_make_up_saturday(people, units):
    it = item(people, units, D(2026, 9, 1), D(2026, 10, 12), 95)
    # 30 Sep: left are 8, 9, 10 (the make-up Saturday) and 12 October — four working days.
    assert colour(it, D(2026, 9, 30)) == GREEN
    # On the holiday nothing has moved: still four working days.
    assert colour(it, D(2026, 10, 7)) == GREEN
    # 8 Oct: 9, 10 and 12 left — three, blue.
    assert colour(it, D(2026, 10, 8)) == BLUE
    assert colour(it, D(2026, 10, 12)) == BLUE
    assert colour(it, D(2026, 10, 13)) == RED


def test_a_calendar_day_item_ignores_the_holidays(people, units):
    it = item(people, units, D(2026, 9, 1), D(2026, 10, 12), 95, working_days=False)
    assert colour(it, D(2026, 10, 8)) == GREEN  # four calendar days left
    assert colour(it, D(2026, 10, 9)) == BLUE


def test_yellow_when_time_runs_ahead_of_work_and_the_make_up_saturday_counts(people, units):
    # 28 Sep – 16 Oct: ten working days (29, 30 Sep; 8, 9, 10, 12–16 Oct). 30 % done, margin 10.
    it = item(people, units, D(2026, 9, 28), D(2026, 10, 16), 30)
    assert colour(it, D(2026, 10, 7)) == GREEN  # 2 of 10 working days gone: 20 %
    assert colour(it, D(2026, 10, 9)) == GREEN  # 4 of 10: 40 %, 10 points ahead — not more
    assert colour(it, D(2026, 10, 10)) == YELLOW  # the make-up Saturday: 50 %
    assert colour(it, D(2026, 10, 11)) == YELLOW
    # Three working days left and behind: yellow stays (behind pace outranks near the deadline).
    assert colour(it, D(2026, 10, 13)) == YELLOW
    assert colour(it, D(2026, 10, 17)) == RED


def test_a_leaders_instruction_skips_a_level(people, units):
    it = item(people, units, D(2026, 9, 28), D(2026, 10, 16), 30, leader_instruction=True)
    assert colour(it, D(2026, 10, 9)) == GREEN
    assert colour(it, D(2026, 10, 10)) == RED  # yellow → red
    near = item(people, units, D(2026, 9, 1), D(2026, 10, 12), 95, leader_instruction=True)
    assert colour(near, D(2026, 10, 7)) == GREEN
    assert colour(near, D(2026, 10, 8)) == YELLOW  # blue → yellow


def test_blue_across_the_spring_festival(people, units):
    it = item(people, units, D(2026, 2, 2), D(2026, 2, 25), 95)
    # 12 Feb: 13, 14 (the make-up Saturday), 24, 25 — four working days.
    assert colour(it, D(2026, 2, 12)) == GREEN
    # 13 Feb: 14, 24, 25 — three; twelve calendar days, most of them the holiday.
    assert colour(it, D(2026, 2, 13)) == BLUE
    assert colour(it, D(2026, 2, 20)) == BLUE
    assert colour(it, D(2026, 2, 26)) == RED


def test_an_office_override_moves_the_colour(people, units):
    it = item(people, units, D(2026, 9, 1), D(2026, 10, 12), 95)
    HolidayOverride.objects.create(
        day=D(2026, 10, 10),
        kind=HolidayKind.HOLIDAY,
        name="调整",
        created_by=people["office"],
        created_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )
    assert colour(it, D(2026, 10, 7)) == BLUE  # only 8, 9 and 12 left


def test_submitted_and_closed_items_are_not_coloured_late(people, units):
    it = item(people, units, D(2026, 9, 1), D(2026, 10, 12), 50)
    Item.objects.filter(pk=it.pk).update(status=ItemStatus.SUBMITTED)
    assert colour(it, D(2026, 10, 20)) == GREEN
    Item.objects.filter(pk=it.pk).update(status=ItemStatus.CLOSED)
    assert colour(it, D(2026, 10, 20)) == "closed"


def test_the_day_clock_agrees_with_workdays():
    clock_ = DayClock(D(2026, 1, 1), D(2026, 12, 31))
    pairs = [
        (D(2026, 2, 10), D(2026, 2, 28)),
        (D(2026, 9, 28), D(2026, 10, 16)),
        (D(2026, 10, 16), D(2026, 9, 28)),
        (D(2026, 5, 1), D(2026, 5, 1)),
    ]
    for a, b in pairs:
        assert clock_.workdays_between(a, b) == workdays.workdays_between(a, b)


def test_the_board_counts_colours_by_unit_and_source_red_first(people, units):
    from jianfu.core import clock

    make(people, units)  # deadline 30 April
    late = item(people, units, D(2026, 1, 5), D(2026, 2, 10), 10)
    with clock.frozen(D(2026, 3, 2)):
        board = queries.board(people["office"])
    assert board.totals.get(RED) == 1
    assert board.by_unit[0].label == "甲县" and board.by_unit[0].counts[RED] == 1
    assert board.by_source[0].key == "annual"
    assert late.pk
    with clock.frozen(D(2026, 3, 2)):
        mine = queries.board(people["contact_b"])
    # 乙县 is a co-unit of the first item only.
    assert [r.label for r in mine.by_unit] == ["乙县"] and RED not in mine.totals
