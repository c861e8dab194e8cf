"""The home page's quota cards: a county contact's quotas near their limit (exceeded, projected
to run out within the year, or 80% used), linked to its quota page; a leader's quota use and
pacing over the city."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.signals.tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


def test_a_contact_sees_its_quotas_near_the_limit(units, login):
    a = units["TA"]
    f.documents(a, 2026, f.flat(10, 6))  # 60 documents by June
    f.quota(a, 2026, "document", 50)  # exceeded
    f.meetings(a, 2026, f.flat(2, 6))  # 12 meetings by June
    f.quota(a, 2026, "meeting", 100)  # far from it
    page = login("contact_a").get(reverse("home")).content.decode()
    m = re.search(r'<a class="card jf-todo[^"]*" href="([^"]+)">(.*?)</a>', page, re.S)
    assert m and "硬性指标接近上限" in m.group(2)
    assert re.search(r'jf-todo-count">1<', m.group(2)) and "发文 已超出" in m.group(2)
    assert m.group(1) == reverse("quota_unit", args=[a.pk])
    # County B has no quota near its limit: no card, and nothing of county A.
    page_b = login("contact_b").get(reverse("home")).content.decode()
    assert "硬性指标接近上限" not in page_b and "没有待办事项" in page_b


def test_the_leader_sees_quota_use_and_pacing(units, login):
    f.documents(units["TA"], 2026, f.flat(10, 6))
    f.quota(units["TA"], 2026, "document", 50)
    f.documents(units["TB"], 2026, f.flat(1, 6))
    f.quota(units["TB"], 2026, "document", 100)
    page = login("leader").get(reverse("home")).content.decode()
    glance = page[page.index("硬性指标") :]
    parts = re.findall(
        r'<a href="([^"]+)">([^<]+)</a>\s*<span class="jf-part-value[^"]*">(\d+)<', glance
    )
    figures = {label: n for _url, label, n in parts[:3]}
    assert figures["已超出"] == "1"
    assert all(url == reverse("quota_overview") + "?sort=pace" for url, _l, _n in parts[:3])
