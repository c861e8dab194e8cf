"""The inbox and a signal's page for every role: outside one's units 404, without the code 403;
triage by the office; htmx rows; bounded queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jianfu.core import clock
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.problems import problem_for

from . import factories as f

pytestmark = pytest.mark.django_db

ROLES = [
    "office",
    "leader",
    "discipline",
    "contact_a",
    "contact_b",
    "reporter",
    "sysadmin",
    "secadmin",
    "auditor",
]


@pytest.fixture
def signals(units):
    """甲县 exceeds its document quota and holds three of its 27 inspections outside the plan;
    乙县's meetings rise on last year."""
    ta, tb = units["TA"], units["TB"]
    f.quota(ta, 2025, "document", 10)
    f.documents(ta, 2025, f.flat(4, 6))
    f.inspections(ta, 2025, f.flat(4, 6))
    f.inspections(ta, 2025, [0, 2, 1], in_plan=False)
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, f.flat(5, 6))
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run()
    return {
        "pacing": Signal.objects.get(rule="quota_pacing", unit=ta),
        "plan": Signal.objects.get(rule="inspection_plan", unit=ta),
        "rising": Signal.objects.get(rule="quota_rising", unit=tb),
    }


# (url builder, {role: expected status}, default status)
PAGES = [
    (
        lambda s: reverse("signal_list"),
        {"reporter": 403, "sysadmin": 403, "secadmin": 403, "auditor": 403},
        200,
    ),
    (
        lambda s: reverse("signal_detail", args=[s["pacing"].pk]),
        {"contact_b": 404, "reporter": 404, "sysadmin": 404, "secadmin": 404, "auditor": 404},
        200,
    ),
    (
        lambda s: reverse("signal_detail", args=[s["rising"].pk]),
        {"contact_a": 404, "reporter": 404, "sysadmin": 404, "secadmin": 404, "auditor": 404},
        200,
    ),
]

POSTS = [
    (lambda s: reverse("signal_confirm", args=[s["pacing"].pk]), {"note": "属实"}),
    (lambda s: reverse("signal_dismiss", args=[s["pacing"].pk]), {"reason": "已核实"}),
]
POST_STATUS = {
    "office": 302,
    "contact_b": 404,
    "reporter": 404,
    # the administrators never see signals: 404, as for a missing id
    "sysadmin": 404,
    "secadmin": 404,
    "auditor": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_each_role_as_its_scope_and_codes_say(role, signals, login):
    client = login(role)
    for url, expected, default in PAGES:
        response = client.get(url(signals))
        assert response.status_code == expected.get(role, default), (role, url(signals))


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_triages(role, signals, login):
    client = login(role)
    for url, data in POSTS:
        Signal.objects.filter(pk=signals["pacing"].pk).update(status="open", reason="")
        response = client.post(url(signals), data)
        assert response.status_code == POST_STATUS.get(role, 403), (role, url(signals))


def test_a_contact_sees_only_the_signals_of_its_units(signals, login):
    page = login("contact_a").get(reverse("signal_list")).content.decode()
    assert reverse("signal_detail", args=[signals["pacing"].pk]) in page
    assert reverse("signal_detail", args=[signals["rising"].pk]) not in page
    page = login("contact_b").get(reverse("signal_list")).content.decode()
    assert reverse("signal_detail", args=[signals["rising"].pk]) in page
    assert reverse("signal_detail", args=[signals["pacing"].pk]) not in page


def test_the_inbox_lists_the_most_severe_first_with_counts_per_status(signals, login):
    response = login("office").get(reverse("signal_list"))
    rows = [s.pk for s in response.context["page"]]
    # Exceeded and rising two and a half times are high; three of 27 inspections outside the
    # plan (11%, q about 1.5%) medium.
    assert set(rows[:2]) == {signals["pacing"].pk, signals["rising"].pk}
    assert rows[2] == signals["plan"].pk
    tabs = {code: n for code, _label, n in response.context["tabs"]}
    assert tabs["open"] == 3 and tabs["dismissed"] == 0 and tabs["all"] == 3
    assert "已超出全年指标" in response.content.decode()


def test_filters_narrow_the_inbox_and_htmx_gets_the_rows_only(signals, login):
    client = login("office")
    response = client.get(
        reverse("signal_list"),
        {"rule": "quota_rising"},
        headers={"HX-Request": "true", "HX-Target": "signal-rows"},
    )
    body = response.content.decode()
    assert "<html" not in body
    assert [s.pk for s in response.context["page"]] == [signals["rising"].pk]
    response = client.get(reverse("signal_list"), {"unit": signals["pacing"].unit_id})
    assert {s.unit_id for s in response.context["page"]} == {signals["pacing"].unit_id}
    response = client.get(reverse("signal_list"), {"status": "dismissed"})
    assert list(response.context["page"]) == []


def test_the_signal_page_shows_the_rule_evidence_series_threshold_and_history(signals, login):
    body = login("office").get(reverse("signal_detail", args=[signals["pacing"].pk])).content
    body = body.decode()
    for text in (
        "指标使用过快",
        "全年指标",
        "已用",
        "计入指标的数量（按月）",
        "适用的阈值",
        "处理记录",
    ):
        assert text in body, text
    assert "前 5 个月已用超过全年指标的 50%" in body  # the rule with the threshold in force
    assert reverse("setting_list") in body
    assert f'action="{reverse("signal_dismiss", args=[signals["pacing"].pk])}"' in body


def test_the_signal_page_links_the_records_that_raised_it(signals, login):
    body = login("office").get(reverse("signal_detail", args=[signals["plan"].pk])).content
    for pk in signals["plan"].evidence["records"]["ids"]:
        assert reverse("inspection_detail", args=[pk]) in body.decode()


def test_dismissing_without_a_reason_says_so_in_chinese(signals, login):
    url = reverse("signal_dismiss", args=[signals["pacing"].pk])
    response = login("office").post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "排除预警须填写理由。" in response.content.decode()
    signals["pacing"].refresh_from_db()
    assert signals["pacing"].status == "open"


def test_confirming_on_the_page_freezes_the_evidence(signals, login):
    client = login("office")
    url = reverse("signal_confirm", args=[signals["pacing"].pk])
    response = client.post(url, {"note": "核实属实"})
    assert response.status_code == 302
    signals["pacing"].refresh_from_db()
    assert signals["pacing"].status == "confirmed"
    body = client.get(reverse("signal_detail", args=[signals["pacing"].pk])).content.decode()
    assert "证据（确认时固定）" in body and "核实属实" in body
    assert f'action="{url}"' not in body  # no triage on a confirmed signal
    # It is now a problem in the unit's list, one click away.
    problem = problem_for(signals["pacing"])
    assert reverse("problem_detail", args=[problem.pk]) in body
    # A leader reads it too, and may follow the link.
    other = login("leader").get(reverse("signal_detail", args=[signals["pacing"].pk]))
    assert reverse("problem_detail", args=[problem.pk]) in other.content.decode()
    assert login("leader").get(reverse("problem_detail", args=[problem.pk])).status_code == 200


def test_the_navigation_shows_the_inbox_to_those_who_may_see_it(signals, login):
    url = reverse("signal_list")
    assert url in login("office").get(reverse("home")).content.decode()
    assert url not in login("auditor").get(reverse("home")).content.decode()


def _many(unit, n):
    now = timezone.now()
    Signal.objects.bulk_create(
        Signal(
            rule="quota_rising",
            unit=unit,
            period=str(2000 + i),
            subject="meeting",
            severity=1 + i % 3,
            evidence={"figures": [{"key": "months", "value": 6, "unit": "months"}]},
            first_raised_at=now,
            last_seen_at=now,
        )
        for i in range(n)
    )


def test_the_inbox_reads_a_bounded_number_of_queries(units, login, django_assert_max_num_queries):
    client = login("office")
    client.get(reverse("signal_list"))  # the session's first request reads a few settings
    _many(units["TA"], 3)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("signal_list"), {"status": "all"})
    Signal.objects.all().delete()
    _many(units["TA"], 30)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("signal_list"), {"status": "all"})
