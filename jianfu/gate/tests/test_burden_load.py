"""A unit's monthly load adds the platform's requests and returns to the documents, meetings and
inspections reaching it; the senders are ranked by the load they impose, and the bulletin's
section says what the ranking page shows; what the catalogue holds once returned is found in an
inspection's demand for materials, on the proposal's review panel."""

import datetime as dt

import pytest
from django.utils import timezone

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.gate import held, review
from jianfu.gate.burden import bulletin, queries, services
from jianfu.gate.burden.models import Return
from jianfu.gate.proposals.models import Proposal
from jianfu.gate.tests.burden_city import admitted_form, dictionary, draft
from jianfu.registry.models import Document, Inspection, Meeting

pytestmark = pytest.mark.django_db

VALUES = {"households": "312", "docs_received": "4", "road": "良好", "clinic": "yes"}
MARCH = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0))


@pytest.fixture
def march(people, units):
    """In March 2026: a request of county A to its village, returned in 6 minutes; a city
    document and a county meeting reaching the grassroots; an inspection of the village."""
    fields = dictionary(people["office"])
    form = admitted_form(people, units, fields)
    with clock.frozen(MARCH):
        req = draft(people, form)
        services.request_send(by=people["contact_a"], request=req, confirm=True)
        ret = Return.objects.get(request=req)
        services.return_open(by=people["reporter"], ret=ret)
    with clock.frozen(MARCH + dt.timedelta(minutes=6)):
        services.return_submit(by=people["reporter"], ret=ret, values=VALUES)
    Document.objects.create(
        unit=units["T"], title="市通知", issued_on=dt.date(2026, 3, 2), kind="notice",
        reaches_grassroots=True,
    )  # fmt: skip
    Document.objects.create(  # a city department's document reaches the city's villages too
        unit=units["TD01"], title="教育局通知", issued_on=dt.date(2026, 3, 3), kind="notice",
        reaches_grassroots=True,
    )  # fmt: skip
    Meeting.objects.create(
        unit=units["TA"], title="县调度会", held_on=dt.date(2026, 3, 12), level="county",
        form="onsite", grassroots_required=True,
    )  # fmt: skip
    Meeting.objects.create(  # the other county's meeting does not reach 甲一村
        unit=units["TB"], title="乙县会", held_on=dt.date(2026, 3, 12), level="county",
        form="onsite", grassroots_required=True,
    )  # fmt: skip
    insp = Inspection.objects.create(
        unit=units["TA"], title="春耕督查", kind="supervision", method="onsite",
        starts_on=dt.date(2026, 3, 20), ends_on=dt.date(2026, 3, 21),
    )  # fmt: skip
    insp.targets.set([units["TA0101"]])
    return req


def test_the_load_adds_the_four_sources_by_month(march, units):
    months = queries.load(units["TA0101"], 2026)
    m = months[2]
    assert (m.requests, m.returns, m.minutes) == (1, 1, 6.0)
    assert (m.documents, m.meetings, m.inspections) == (2, 1, 1)
    assert m.total == 1 + 2 + 1 + 1
    assert all(x.total == 0 for i, x in enumerate(months) if i != 2)


def test_the_load_page_shows_it_to_the_village(march, units, login):
    client = login("reporter")
    page = client.get("/gate/burden/load/?year=2026")
    assert page.status_code == 200
    row = page.content.decode().split('<td class="jf-nowrap">2026-03</td>')[1].split("</tr>")[0]
    assert [c.split("</td>")[0] for c in row.split("<td>")[1:]] == [
        "1",
        "1",
        "6.0",
        "2",
        "1",
        "1",
        "5",
    ]
    # Another unit's load is not the village's to read.
    assert client.get(f"/gate/burden/load/{units['TA01'].pk}/").status_code == 404
    assert login("contact_b").get(f"/gate/burden/load/{units['TA0101'].pk}/").status_code == 404


def test_the_senders_are_ranked_and_the_bulletin_says_what_the_page_shows(march, people, login):
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    rows = queries.senders(people["office"], start, end, perm=services.VIEW)
    names = [r.name for r in rows]
    assert names[0] == "甲县"  # the only data request, then records
    ta = rows[0]
    assert (ta.requests, ta.meetings, ta.inspections, ta.returns) == (1, 1, 1, 1)
    assert ta.measured_hours == 0.1 and ta.estimated_hours == round(75 / 3600, 1)
    assert set(names) == {"甲县", "测试市", "市教育局", "乙县"}

    page = login("office").get("/gate/burden/senders/?start=2026-03-01&end=2026-03-31")
    shown = page.context["rows"]
    part = bs.SECTIONS["gate_burden"].build(bs.Context(people["office"], start, end, "3月"))
    assert [ln["text"] for ln in part.lines] == [bulletin.sentence(r) for r in shown]
    assert [ln["unit"] for ln in part.lines] == [r.unit_id for r in shown]
    assert part.figures[0]["value"] == sum(r.requests for r in shown) == 1
    assert bs.SECTIONS["gate_burden"].order == 68
    assert str(bs.SECTIONS["gate_burden"].label) == "向基层要数据最多的单位"


def test_the_senders_ranking_is_shown_a_page_at_a_time(march, people, login, monkeypatch):
    from jianfu.gate.burden import views

    monkeypatch.setattr(views, "SENDERS_PER_PAGE", 3)
    client = login("office")
    url = "/gate/burden/senders/?start=2026-03-01&end=2026-03-31"
    first, second = client.get(url), client.get(url + "&page=2")
    assert [r.rank for r in first.context["rows"]] == [1, 2, 3]
    assert [r.rank for r in second.context["rows"]] == [4]
    assert first.context["rows"][0].name == "甲县"
    assert "共 4 条" in first.content.decode()


def test_a_county_contact_ranks_only_its_own_units(march, people):
    rows = queries.senders(
        people["contact_b"], dt.date(2026, 3, 1), dt.date(2026, 3, 31), perm=services.VIEW
    )
    assert [r.name for r in rows] == ["乙县"]


def test_returned_catalogue_fields_become_held_and_an_inspection_demanding_them_is_warned(
    march, people, units
):
    found = held.matches("请提供农户户数和本年度发文清单")
    codes = [e.code for e in found]
    assert "registry.documents" in codes
    form_entry = next(e for e in found if e.code.startswith("form."))
    assert str(form_entry.name) == "报表目录：村情月报 的 农户户数"

    proposal = Proposal.objects.create(
        unit=units["TA"], category="inspection", title="春耕检查",
        materials_demanded="请提供农户户数、发文清单和会议台账", forms_demanded=3,
    )  # fmt: skip
    built = dict((p.code, ctx) for p, ctx in review.build(proposal, people["office"]))
    panel = built["held"]
    assert {e.code for e in panel["found"]} >= {"registry.documents", "registry.meetings"}
    assert any("农户户数" in w and "报表目录" in w for w in panel["warnings"])
    assert any("发文登记" in w for w in review.warnings(review.build(proposal, people["office"])))

    meeting = Proposal(unit=units["TA"], category="meeting", title="会")
    assert review.PANELS["held"].build(meeting, people["office"]) is None


def test_a_form_not_yet_returned_holds_nothing(people, units):
    fields = dictionary(people["office"])
    admitted_form(people, units, fields)
    assert not [e for e in held.matches("农户户数") if e.code.startswith("form.")]
