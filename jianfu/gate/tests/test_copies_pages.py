"""Copy-through as the office and the units see it: the side-by-side page and its scope, the
list of findings, the rule on planted and clean data, the bulletin section equal to the page, and
the panel on a proposal's review page."""

import datetime as dt
import random

import pytest
from django.urls import reverse

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.scope_guard import unscoped
from jianfu.demo import gate_copies as bank
from jianfu.gate import review
from jianfu.gate.copies import bulletin, index, queries, rules
from jianfu.gate.proposals.models import Proposal
from jianfu.registry.models import Document
from jianfu.signals import runner
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)


def own(seed: int) -> str:
    return bank._own(random.Random(seed), "某单位", "关于做好有关工作的通知")[0]


def _doc(unit, title, body, day) -> Document:
    return Document.objects.create(
        unit=unit, title=title, issued_on=day, kind="red_header", full_text=body
    )


@pytest.fixture
def city(units):
    """The city's department issues 4 documents; county A copies 3 of them (later), county B
    writes its own 4 and copies nothing; county A's 4th is its own."""
    dept, a, b = units["TD01"], units["TA"], units["TB"]
    sources = [_doc(dept, f"市教育局文件{i}", own(i), dt.date(2025, 2, 1 + i)) for i in range(4)]
    copies = [
        _doc(a, f"甲县贯彻文件{i}", s.full_text.replace("某单位", "甲县") + own(50 + i)[:200],
             dt.date(2025, 5, 1 + i))
        for i, s in enumerate(sources[:3])
    ]  # fmt: skip
    mine = _doc(a, "甲县自拟文件", own(60), dt.date(2025, 5, 9))
    clean = [_doc(b, f"乙县文件{i}", own(70 + i), dt.date(2025, 6, 1 + i)) for i in range(4)]
    # A county's copy of the other county is a sister's, not a higher level's.
    sister = _doc(b, "乙县照抄甲县", mine.full_text, dt.date(2025, 7, 1))
    index.index_documents()
    return {"sources": sources, "copies": copies, "mine": mine, "clean": clean, "sister": sister}


def test_the_county_copying_the_city_raises_the_rule_and_no_clean_unit_does(city, units):
    with clock.frozen(AS_OF):
        runner.run(as_of=AS_OF, rules=[rules.CODE])
    s = Signal.objects.get(rule=rules.CODE)
    assert s.unit == units["TA"] and s.period == "2025" and s.subject == "copied"
    copies = s.evidence["copies"]
    assert [c["document"] for c in copies] == [d.pk for d in city["copies"]]
    assert [c["source"] for c in copies] == [d.pk for d in city["sources"][:3]]
    assert all(c["share"] >= 70 for c in copies)
    # Raised on 2 or more: the sister copy makes no signal for county B.
    assert not Signal.objects.filter(rule=rules.CODE, unit=units["TB"]).exists()


def test_a_single_copy_is_below_the_minimum(city, units):
    Document.objects.filter(pk__in=[d.pk for d in city["copies"][1:]]).delete()
    assert (
        rules.evaluate(AS_OF, None, {"gate.copies.share": 70, "gate.copies.min_documents": 2}) == []
    )


def test_the_side_by_side_page_marks_the_passages(city, login):
    copy, source = city["copies"][0], city["sources"][0]
    r = login("contact_a").get(reverse("gate_copies_compare", args=[copy.pk, source.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('class="jf-copy-mark"') >= 2
    assert "style=" not in body.split("<main", 1)[-1]
    assert "市教育局文件0" in body


def test_the_page_answers_404_outside_the_accounts_units(city, login):
    copy, source = city["copies"][0], city["sources"][0]
    client = login("contact_b")
    # County A's document to county B: 404, whichever side it stands on.
    assert client.get(reverse("gate_copies_compare", args=[copy.pk, source.pk])).status_code == 404
    sister = city["sister"]
    assert (
        client.get(reverse("gate_copies_compare", args=[sister.pk, city["mine"].pk])).status_code
        == 404
    )
    # The city's document beside county B's own: readable (a higher level's).
    clean = city["clean"][0]
    assert client.get(reverse("gate_copies_compare", args=[clean.pk, source.pk])).status_code == 200


def test_the_list_shows_the_findings_by_unit(city, login, django_assert_max_num_queries):
    client = login("office")
    with django_assert_max_num_queries(12):
        r = client.get(reverse("gate_copies_list"), {"year": 2025})
    body = r.content.decode()
    for d in city["copies"]:
        assert d.title in body
    assert city["mine"].title not in body and "乙县照抄甲县" not in body
    assert "甲县" in body
    # Thirty rows in the same number of queries.
    for i in range(27):
        s = city["sources"][i % 4]
        _doc(city["mine"].unit, f"甲县再发{i}", s.full_text, dt.date(2025, 8, 1 + i))
    index.index_documents()
    with django_assert_max_num_queries(12):
        r = client.get(reverse("gate_copies_list"), {"year": 2025})
    assert r.content.decode().count("甲县再发") == 27


def test_the_bulletin_section_equals_the_page(city, people):
    office = people["office"]
    ctx = bs.Context(office, dt.date(2025, 1, 1), dt.date(2025, 9, 30), "1—9月")
    with unscoped():
        part = bulletin.build(ctx)
        page = queries.visible_findings(office, start=ctx.start, end=ctx.end)
    assert part.figures[0]["value"] == len(page) == 3
    assert len(part.lines) == 1 and "甲县" in part.lines[0]["text"]
    for m in page:
        assert f"{m.share:g}%" in part.lines[0]["text"]


def test_the_panel_shows_the_share_from_the_implemented_document_and_warns(city, people, units):
    source = city["sources"][3]
    p = Proposal.objects.create(
        unit=units["TA"], category="document", title="甲县关于贯彻的通知",
        draft_text=source.full_text.replace("某单位", "甲县"), implements=source,
    )  # fmt: skip
    shown = dict((panel.code, ctx) for panel, ctx in review.build(p, people["office"]))
    ctx = shown["copies"]
    assert ctx["source"]["share"] > 90
    assert ctx["warnings"] and "以文件落实文件" in ctx["warnings"][0]
    assert ctx["source"]["url"] == reverse("gate_copies_proposal", args=[p.pk])
    # Its own words against typed source text: no warning.
    p2 = Proposal.objects.create(
        unit=units["TA"], category="document", title="甲县自拟", draft_text=own(99),
        implements_text=source.full_text,
    )  # fmt: skip
    ctx2 = dict((panel.code, c) for panel, c in review.build(p2, people["office"]))["copies"]
    assert ctx2["source"]["share"] < 20 and not ctx2["warnings"]
    meeting = Proposal.objects.create(unit=units["TA"], category="meeting", title="会")
    assert "copies" not in dict(
        (panel.code, c) for panel, c in review.build(meeting, people["office"])
    )


def test_the_proposal_page_shows_the_draft_beside_its_source(city, units, login):
    source = city["sources"][3]
    p = Proposal.objects.create(
        unit=units["TA"], category="document", title="甲县关于贯彻的通知",
        draft_text=source.full_text, implements=source,
    )  # fmt: skip
    r = login("contact_a").get(reverse("gate_copies_proposal", args=[p.pk]))
    assert r.status_code == 200 and 'class="jf-copy-mark"' in r.content.decode()
    assert login("contact_b").get(reverse("gate_copies_proposal", args=[p.pk])).status_code == 404
    # A sibling shown on the panel: county B's document is not county A's to read.
    url = reverse("gate_copies_proposal", args=[p.pk])
    assert login("contact_a").get(url, {"document": city["clean"][0].pk}).status_code == 404


def test_the_rule_judges_documents_registered_since_the_last_index(city, units):
    b, dept = units["TB"], units["TD01"]
    for i, s in enumerate(city["sources"][:2]):
        _doc(b, f"乙县新登记{i}", s.full_text, dt.date(2025, 8, 1 + i))  # not indexed yet
    with clock.frozen(AS_OF):
        runner.run(as_of=AS_OF, rules=[rules.CODE])
    s = Signal.objects.get(rule=rules.CODE, unit=b)
    assert {c["source_unit"] for c in s.evidence["copies"]} == {dept.name}
