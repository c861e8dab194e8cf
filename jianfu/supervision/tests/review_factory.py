"""Targets of the mid-year review for tests, written through the services as the office would."""

import datetime as dt

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.supervision.review import services

YEAR = 2025
AS_OF = dt.date(2025, 7, 10)  # after the default stock-taking date, 30 June 2025


def office():
    return User.objects.get(username="office")


def target(unit, name, *, kind="economic", target_value=None, done=None, percent=None, measure=""):
    with clock.frozen(AS_OF):
        return services.target_create(
            by=office(),
            year=YEAR,
            unit_id=unit.pk,
            kind=kind,
            name=name,
            target_value=target_value,
            measure=measure,
            done_value=done,
            percent=percent,
            note="",
        )


def city(units):
    """甲县 lags (20 % and 30 % done at mid-year), 乙县 does not (55 % and 60 %)."""
    a, b = units["TA"], units["TB"]
    return {
        "a1": target(a, "地区生产总值", target_value=100, done=20, measure="亿元"),
        "a2": target(a, "老旧小区改造", kind="livelihood", percent=30),
        "b1": target(b, "地区生产总值", target_value=200, done=110, measure="亿元"),
        "b2": target(b, "乡村振兴示范村", kind="key_work", percent=60),
    }
