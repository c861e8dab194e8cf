"""The quota overview as the office reads it: laggards first, filtered by unit kind and state
(kept in the URL), counts per state, paged, and a bounded number of queries however many units."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import Unit
from jianfu.registry import rollup
from jianfu.registry.models import Document, Meeting, Quota
from jianfu.registry.quotas import services as quota_services
from jianfu.registry.records import services

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def _docs(by, unit, n, day=dt.date(2025, 3, 5)):
    for i in range(n):
        services.record_create(
            Document,
            by=by,
            unit=unit,
            title=f"关于第{i}项工作的通知",
            number=f"{unit.code}发〔{day.year}〕{i}号",
            issued_on=day,
            kind="red_header",
        )


def _meetings(by, unit, n, day=dt.date(2025, 4, 2)):
    for i in range(n):
        services.record_create(
            Meeting,
            by=by,
            unit=unit,
            title=f"第{i}次工作会议",
            held_on=day,
            level="county",
            form="in_person",
        )


@pytest.fixture
def states(people, units):
    """One (unit, category) in each state but 'fast' (which needs a unit's own history)."""
    office = people["office"]

    def quota(code, category, limit):
        quota_services.quota_set(
            by=office, unit=units[code], year=2025, category=category, limit=limit
        )

    quota("TA", "document", 5)  # 6 used: exceeded
    _docs(office, units["TA"], 6)
    quota("TA", "meeting", 2)  # 2 used: used up
    _meetings(office, units["TA"], 2)
    quota("TB", "meeting", 10)  # 6 used by mid-June: runs out within the year
    _meetings(office, units["TB"], 6)
    quota("TB", "document", 100)  # 1 used: on track
    _docs(office, units["TB"], 1)
    _docs(office, units["TD01"], 1)  # used, no quota
    return units


def _row_states(body: str) -> list[str]:
    return re.findall(r'<td class="jf-nowrap" data-state="(\w+)"', body)


@pytest.mark.django_db
def test_laggards_come_first_and_the_page_says_what_a_laggard_is(login, states):
    body = login("office").get(reverse("quota_overview")).content.decode()
    assert _row_states(body) == ["exceeded", "used_up", "at_risk", "on_track", "no_quota"]
    assert "“落后”指用指标比时间快的单位" in body
    # Counts per state: each state's button carries its number.
    for state, n in {"exceeded": 1, "used_up": 1, "at_risk": 1, "fast": 0, "no_quota": 1}.items():
        assert re.search(rf'data-state="{state}">[^<]+<span class="badge[^"]*">{n}</span>', body)


@pytest.mark.django_db
def test_filter_by_unit_kind_and_state_kept_in_the_links(login, states):
    client = login("office")
    page = client.get(reverse("quota_overview"), {"kind": "county"})
    assert {st.unit.code for st in page.context["statuses"]} == {"TA", "TB"}
    assert page.context["total"] == 4
    page = client.get(reverse("quota_overview"), {"kind": "county", "state": "exceeded"})
    assert [(st.unit.code, st.category) for st in page.context["statuses"]] == [("TA", "document")]
    body = page.content.decode()
    # The sort links and the state buttons keep the other filters.
    assert "?kind=county&amp;state=exceeded&amp;sort=unit" in body
    assert "?kind=county&amp;state=used_up" in body
    assert "selected>县（市、区）</option>" in body
    # A state nobody is in says so instead of an empty table.
    none = client.get(reverse("quota_overview"), {"state": "fast"}).content.decode()
    assert "没有符合条件的单位。" in none
    # A value not offered is ignored rather than answered with an error.
    assert client.get(reverse("quota_overview"), {"kind": "x", "state": "y"}).status_code == 200


@pytest.mark.django_db
def test_the_overview_is_paged_and_the_pages_keep_the_filters(login, people, units):
    city = units["T"]
    for i in range(20):
        unit = Unit.objects.add_child(
            city, {"code": f"TP{i:02d}", "name": f"市第{i}局", "kind": "department"}
        )
        for category in ("document", "meeting", "inspection"):
            Quota.objects.create(unit=unit, year=2025, category=category, limit=10 + i)
    rollup.rebuild_quota_usage()  # the quotas were written directly, not by the service
    client = login("office")
    first = client.get(reverse("quota_overview"), {"kind": "department"})
    assert first.context["page"].paginator.count == 60
    assert len(first.context["statuses"]) == 50
    body = first.content.decode()
    assert "第 1–50 条，共 60 条" in body
    assert "?kind=department&amp;page=2" in body
    second = client.get(reverse("quota_overview"), {"kind": "department", "page": "2"})
    assert len(second.context["statuses"]) == 10
    seen = [(st.unit_id, st.category) for st in first.context["statuses"]]
    seen += [(st.unit_id, st.category) for st in second.context["statuses"]]
    assert len(set(seen)) == 60


@pytest.mark.django_db
def test_the_overview_takes_the_same_queries_for_many_units(
    login, states, django_assert_max_num_queries
):
    client = login("office")
    client.get(reverse("home"))  # the session's first request stamps it
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("quota_overview")).status_code == 200
    city = states["T"]
    for i in range(30):
        unit = Unit.objects.add_child(
            city, {"code": f"TQ{i:02d}", "name": f"市第{i}办", "kind": "department"}
        )
        Quota.objects.create(unit=unit, year=2025, category="document", limit=5)
    rollup.rebuild_quota_usage()  # the quotas were written directly, not by the service
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("quota_overview"))
    assert page.context["total"] == 35


@pytest.mark.django_db
def test_a_contact_sees_only_their_own_units(login, states):
    page = login("contact_a").get(reverse("quota_overview"))
    assert {st.unit.code for st in page.context["statuses"]} == {"TA"}
    assert page.context["states"][0] == {"value": "exceeded", "label": "已超指标", "count": 1}
