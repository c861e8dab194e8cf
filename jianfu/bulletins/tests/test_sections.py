"""Each section's figures equal what the platform's own pages and queries show for the same
period, and each line links to its evidence page."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.bulletins import sections
from jianfu.core import clock
from jianfu.monitoring.points import queries as point_queries
from jianfu.rectification.problems import queries as rect_queries
from jianfu.registry.quotas.figures import State
from jianfu.registry.quotas.queries import quota_overview
from jianfu.signals.models import SignalStatus

from .conftest import draft, last_month

pytestmark = pytest.mark.django_db


def section(b, code) -> dict:
    return next(s for s in b.content if s["code"] == code)


def figures(s) -> dict:
    return {f["label"]: f["value"] for f in s["figures"]}


def test_quota_figures_are_the_quota_overview_as_of_the_period_end(city, people, login):
    b = draft(people["office"])
    s = section(b, "quota")
    rows = [
        st
        for st in quota_overview(people["office"], year=b.period_end.year, as_of=b.period_end)
        if st.limit
    ]
    f = figures(s)
    assert f["设定指标（单位×类别）"] == len(rows) == 2
    assert f["已超指标"] == sum(1 for st in rows if st.state == State.EXCEEDED) == 1
    ta = next(st for st in rows if st.unit.code == "TA")
    (line,) = s["lines"]
    assert f"发文{ta.used}件" in line["text"] and f"（{ta.limit}件）" in line["text"]
    assert line["url"] == reverse("quota_unit", args=[ta.unit_id])
    # The evidence page shows the same use.
    page = login("office").get(line["url"]).content.decode()
    assert str(ta.used) in page


def test_signal_lines_are_the_signals_confirmed_in_the_period(city, people, login):
    b = draft(people["office"])
    s = section(b, "signals")
    ta = city["signals"]["TA"]
    assert figures(s)["本期确认"] == 1
    (line,) = s["lines"]
    assert line["url"] == reverse("signal_detail", args=[ta.pk]) and "甲县" in line["text"]
    inbox = login("office").get(reverse("signal_list") + "?status=confirmed").content.decode()
    assert reverse("signal_detail", args=[ta.pk]) in inbox
    # A signal confirmed after the period is not in it.
    ta.decided_at = ta.decided_at.replace(year=ta.decided_at.year + 1)
    ta.save()
    assert not sections.SECTIONS["signals"].build(context(people, b)).lines
    assert ta.status == SignalStatus.CONFIRMED


def context(people, b):
    return sections.Context(people["office"], b.period_start, b.period_end, b.period_label)


def test_truthfulness_section_is_internal(city, people):
    b = draft(people["office"])
    s = section(b, "truth")
    assert s["public"] is False and all(not ln["public"] for ln in s["lines"])
    assert s["lines"][0]["url"] == reverse("signal_detail", args=[city["signals"]["TB"].pk])


def test_reporting_rates_are_the_completeness_page(city, people, login):
    start, end, label = last_month()
    # Drafted once the month's reports are past their due day.
    with clock.frozen(end + dt.timedelta(days=25)):
        b = draft(people["office"], start, end, label)
    s = section(b, "monitoring")
    key = f"{start:%Y-%m}"
    c = point_queries.completeness(people["office"], form_code="burden", period_keys=[key])
    f = figures(s)
    assert (f["应报"], f["实报"]) == (c.total.expected, c.total.received)
    (line,) = s["lines"]
    assert "甲县" in line["text"] and f"应报{c.total.expected}份" in line["text"]
    r = login("office").get(line["url"])
    assert r.status_code == 200


def test_rectification_figures_are_the_ledger_overview(city, people, login):
    b = draft(people["office"])
    s = section(b, "rectification")
    rows = rect_queries.overview(people["office"])
    f = figures(s)
    assert f["逾期未完成整改措施"] == sum(r.overdue for r in rows) == 1
    assert f["销号后反弹问题"] == sum(r.relapsed for r in rows) == 1
    urls = {ln["url"] for ln in s["lines"]}
    assert reverse("rect_ledger", args=[city["problems"]["TB"].unit_id]) in urls
    assert login("office").get(next(iter(urls))).status_code == 200


def test_reporting_periods_not_yet_due_are_not_judged(city, people):
    start, end, label = last_month()
    with clock.frozen(end + dt.timedelta(days=1)):
        b = draft(people["office"], start, end, label)
    s = section(b, "monitoring")
    assert not s["lines"] and not s["figures"] and "尚未到截止日期" in s["note"]
