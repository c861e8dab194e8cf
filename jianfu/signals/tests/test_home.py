"""The home page's signal cards: the office's signals waiting for a decision (the inbox's open
tab, exactly), a leader's open signals by severity; bounded queries."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from jianfu.signals.models import Signal

pytestmark = pytest.mark.django_db


def make(units, code, severity, status="open", n=1, rule="quota_pacing"):
    now = timezone.now()
    for i in range(n):
        Signal.objects.create(
            rule=rule,
            unit=units[code],
            period=f"20{10 + i}",
            subject=f"{severity}-{status}-{code}",
            severity=severity,
            status=status,
            reason="不成立" if status == "dismissed" else "",
            first_raised_at=now,
            last_seen_at=now,
        )


@pytest.fixture
def signals(units):
    make(units, "TA", 3)
    make(units, "TA", 2, n=2)
    make(units, "TB", 1)
    make(units, "TB", 3, status="dismissed")


def todo(page: str, title: str) -> tuple[int, str, str]:
    for m in re.finditer(r'<a class="card jf-todo[^"]*" href="([^"]+)">(.*?)</a>', page, re.S):
        if title in m.group(2):
            count = int(re.search(r'jf-todo-count">(\d+)<', m.group(2)).group(1))
            note = re.search(r'jf-todo-note">(.*?)</div>', m.group(2))
            return count, note.group(1) if note else "", m.group(1).replace("&amp;", "&")
    raise AssertionError(f"no card {title}")


def test_the_office_sees_the_signals_waiting_for_a_decision(signals, login):
    client = login("office")
    count, note, url = todo(client.get(reverse("home")).content.decode(), "待研判预警")
    assert count == 4 and note == "其中高严重程度 1 条"
    assert url == reverse("signal_list") + "?status=open"
    inbox = client.get(url).content.decode()
    assert len(re.findall(r'href="/signals/\d+/"', inbox)) == 4


def test_the_leader_sees_open_signals_by_severity_and_decides_nothing(signals, login):
    page = login("leader").get(reverse("home")).content.decode()
    assert "待办事项" not in page
    glance = page[page.index("待研判预警") :]
    parts = dict(
        re.findall(r'<a href="([^"]+)">[^<]+</a>\s*<span class="jf-part-value[^"]*">(\d+)<', glance)
    )
    base = reverse("signal_list") + "?status=open&amp;severity="
    assert (parts[base + "3"], parts[base + "2"], parts[base + "1"]) == ("1", "2", "1")


def test_a_contact_gets_no_triage_card(signals, login):
    assert "待研判预警" not in login("contact_a").get(reverse("home")).content.decode()


def test_the_office_home_queries_do_not_grow_with_the_signals(
    signals, units, login, django_assert_max_num_queries
):
    client = login("office")
    client.get(reverse("home"))
    # Every app's cards share this budget (supervision's parts added theirs); what must not
    # happen is growth with the work, checked below.
    with django_assert_max_num_queries(25) as first:  # +1: the tours cards
        client.get(reverse("home"))
    make(units, "TA01", 2, n=30)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("home")).content.decode()
    assert todo(page, "待研判预警")[0] == 34
