"""Every registry rule's evidence opens: the links on a signal's page lead to the registry's list
showing exactly the records behind it (that unit alone, that category, those months), without a
form error, for the office and for the county's contact who may see the signal."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.registry.kinds import WHITE_KINDS
from jianfu.registry.models import Document, Inspection, Meeting
from jianfu.signals import runner
from jianfu.signals.models import Signal

from . import factories as f
from .evidence_pages import DETAIL, links
from .evidence_pages import registry_rows as shown

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 30)


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def city(units):
    """甲县 over its document quota with inspections outside its plan, 乙县's meetings rising and
    its red-header documents turned white, 市教育局 writing fewer but longer documents — with
    records around them that must stay out: the same unit's later months and other kinds, and
    their townships' records."""
    ta, tb, td, ta01, tb01 = (units[c] for c in ("TA", "TB", "TD01", "TA01", "TB01"))
    f.quota(ta, 2025, "document", 10)
    f.documents(ta, 2025, f.flat(4, 6))
    f.documents(ta, 2025, [1], kind="notice", assigns_work=False)  # not counted
    f.documents(ta01, 2025, f.flat(1, 6))
    f.inspections(ta, 2025, [0, 2, 0, 1], in_plan=False)
    f.inspections(ta, 2025, [1, 1, 1])
    f.inspections(ta, 2025, [0] * 8 + [1], in_plan=False)  # September: after the as-of date
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, f.flat(5, 6))
    f.meetings(tb, 2025, [0] * 8 + [5])
    f.meetings(tb01, 2025, f.flat(1, 6))
    f.documents(tb, 2024, f.flat(6, 6))
    f.documents(tb, 2024, f.flat(4, 6), kind="white_header")
    f.documents(tb, 2025, f.flat(3, 6))
    f.documents(tb, 2025, f.flat(7, 6), kind="white_header", assigns_work=False)
    f.documents(tb, 2025, [0] * 8 + [2], kind="notice")
    f.documents(tb01, 2025, f.flat(2, 6), kind="white_header")
    f.documents(td, 2024, f.flat(10, 6), pages=4, characters=3000)
    f.documents(td, 2025, f.flat(8, 6), pages=6, characters=4000)
    f.inspections(tb, 2024, f.flat(3, 6))
    f.inspections(tb, 2024, [1, 0, 0, 0, 0, 1], method="materials")
    f.inspections(tb, 2025, f.flat(1, 6))
    f.inspections(tb, 2025, f.flat(3, 6), method="phone")
    f.inspections(tb, 2025, f.flat(1, 6), method="online")
    with clock.frozen(AS_OF):
        runner.run()
    return units


def _range(year, last_month):
    return dt.date(year, 1, 1), dt.date(year, last_month, 30 if last_month == 6 else 31)


def expected(city):
    ta, tb, td = city["TA"], city["TB"], city["TD01"]
    this, last = _range(2025, 6), _range(2024, 6)
    docs, meets, insp = Document.objects, Meeting.objects, Inspection.objects
    return {
        ("quota_pacing", ta, "document"): [
            ids(docs.filter(unit=ta, issued_on__year=2025, counted=True)),
        ],
        ("inspection_plan", ta, ""): [
            ids(insp.filter(unit=ta, starts_on__range=this, in_plan=False)),
        ],
        ("quota_rising", tb, "meeting"): [
            ids(meets.filter(unit=tb, held_on__range=this, counted=True)),
            ids(meets.filter(unit=tb, held_on__range=last, counted=True)),
        ],
        ("gaming", tb, "white_header"): [
            ids(docs.filter(unit=tb, issued_on__range=this, kind__in=WHITE_KINDS)),
            ids(docs.filter(unit=tb, issued_on__range=last, kind__in=WHITE_KINDS)),
            ids(docs.filter(unit=tb, issued_on__range=this, kind__in=["red_header", "joint"])),
            ids(docs.filter(unit=tb, issued_on__range=last, kind__in=["red_header", "joint"])),
        ],
        ("gaming", tb, "remote_inspection"): [
            ids(insp.filter(unit=tb, starts_on__range=this, method__in=["phone", "materials"])),
            ids(insp.filter(unit=tb, starts_on__range=last, method__in=["phone", "materials"])),
            ids(insp.filter(unit=tb, starts_on__range=this, method="on_site")),
            ids(insp.filter(unit=tb, starts_on__range=last, method="on_site")),
        ],
        ("gaming", td, "document_length"): [
            ids(docs.filter(unit=td, issued_on__range=this, counted=True)),
            ids(docs.filter(unit=td, issued_on__range=last, counted=True)),
        ],
    }


@pytest.mark.parametrize("who", ["office", "contact_a", "contact_b"])
def test_each_registry_rules_links_show_exactly_its_records(city, login, who):
    client = login(who)
    county = {"contact_a": city["TA"], "contact_b": city["TB"]}.get(who)
    checked = 0
    for (rule, unit, subject), want in expected(city).items():
        signal = Signal.objects.get(rule=rule, unit=unit, subject=subject)
        if county is not None and not unit.path.startswith(county.path):
            assert client.get(reverse("signal_detail", args=[signal.pk])).status_code == 404
            continue
        found = links(client, signal)
        assert len(found) == len(want), (rule, subject, found)
        for (label, url), records in zip(found, want, strict=True):
            assert records, (rule, subject, label)
            assert shown(client, url) == records, (rule, subject, label, url)
            checked += 1
        kept = signal.evidence.get("records")
        if kept:  # the ids the rule kept are the first link's rows
            assert set(kept["ids"]) == want[0] and kept["count"] == len(want[0])
    assert checked >= (2 if county is not None else 13)


def test_the_gaming_link_asks_for_the_months_compared_not_the_year(city, login):
    signal = Signal.objects.get(rule="gaming", subject="white_header")
    (_label, url), *_rest = links(login("office"), signal)
    assert "month_from=1" in url and "month_to=6" in url and "month_to=26" not in url


def test_a_broken_month_range_is_an_error_and_shows_nothing(city, login):
    client = login("office")
    url = reverse("document_list")
    for bad in ({"month_to": "26"}, {"month_from": "7", "month_to": "3"}):
        response = client.get(url, {"year": "2025", **bad})
        body = response.content.decode()
        assert "is-invalid" in body
        assert "共 <strong>0</strong> 条" in body and not DETAIL.search(body)
    body = client.get(url, {"year": "2025", "month_to": "26"}).content.decode()
    assert "月份“26”无效，应为 1 至 12。" in body
    body = client.get(url, {"year": "2025", "month_from": "7", "month_to": "3"}).content.decode()
    assert "截止月（3月）不能早于起始月（7月）。" in body


def test_a_unit_outside_ones_scope_is_refused_not_ignored(city, login):
    client = login("contact_a")
    body = client.get(
        reverse("document_list"), {"year": "2025", "unit": city["TB"].pk}
    ).content.decode()
    assert "不存在或不在您的范围内" in body and not DETAIL.search(body)


def test_a_unit_with_no_records_of_the_kind_can_still_be_asked_for(city, login):
    """A link for a unit the select does not list (no records of this kind) filters on it."""
    client = login("office")
    url = reverse("meeting_list")
    assert shown(client, f"{url}?year=2025&unit={city['TD01'].pk}") == set()
