"""Comparing texts: the share copied and the passages on hand-made texts, similar() finding a
planted copy among many, and the index kept fresh when a document is added or changed."""

import datetime as dt
import random

import pytest

from jianfu.core.models import Unit
from jianfu.demo import gate_copies as bank
from jianfu.gate.copies import index, queries, text
from jianfu.gate.copies.models import Match, Signature
from jianfu.registry.models import Document

rng = random.Random(7)


def own(seed: int, length: int = 2500) -> str:
    r = random.Random(seed)
    return bank._own(r, "某单位", "关于做好有关工作的通知")[0][:length]


def test_a_copy_with_changed_punctuation_and_line_breaks_is_wholly_copied():
    source = own(1)
    copy = source.replace("，", "、").replace("。", "；\n")
    c = text.compare(copy, source)
    assert c.share > 0.99
    assert c.jaccard > 0.99
    # The passage is marked on the copy's own characters.
    p = c.passages[0]
    assert copy[p.a_start : p.a_start + 5] == source[p.b_start : p.b_start + 5]


def test_a_partial_copy_counts_the_copied_characters_only():
    source, other = own(2), own(3)
    copy = source[:1000] + other[:1000]
    c = text.compare(copy, source)
    assert 0.45 < c.share < 0.55
    assert len(c.passages) >= 1
    p = c.passages[0]
    assert (p.a_start, p.b_start) == (0, 0) and p.a_end >= 990
    # The other way round: the share of the source's characters, the same passage.
    back = text.compare(source, copy)
    assert back.passages[0] == text.Passage(p.b_start, p.b_end, p.a_start, p.a_end)
    assert back.share == back.copied_chars / back.length


def test_a_paraphrase_on_the_same_subject_is_not_a_copy():
    a, b = own(4), own(5)
    c = text.compare(a, b)
    assert c.share < 0.1
    assert c.jaccard < 0.1


def test_a_short_shared_phrase_is_not_a_passage():
    a = "深入学习贯彻会议精神" + own(6, 400)[80:]
    b = "深入学习贯彻会议精神" + own(8, 400)[80:]
    assert text.compare(a, b).passages == ()


def test_signature_estimates_jaccard():
    a = own(9, 4000)
    b = a[:3000] + own(10, 1000)
    exact = text.compare(a, b).jaccard
    est = text.jaccard_estimate(text.signature(a), text.signature(b))
    assert abs(est - exact) < 0.12
    assert text.signature("短").shape == (text.NUM_PERM,)


def test_side_by_side_numbers_the_passages_alike():
    source = own(11, 1500)
    copy = "本县补充：" + own(12, 200) + source[200:1200]
    shown = queries.side_by_side(copy, source)
    marked_a = [s for s in shown["a"] if s["n"]]
    marked_b = [s for s in shown["b"] if s["n"]]
    assert marked_a and marked_b
    assert marked_a[0]["n"] == marked_b[0]["n"] == 1
    assert "".join(s["text"] for s in shown["a"]) == copy


def _doc(unit, title, body, day=dt.date(2025, 3, 1)) -> Document:
    return Document.objects.create(
        unit=unit, title=title, issued_on=day, kind="red_header", full_text=body
    )


@pytest.fixture
def many(units):
    city = units["TD01"]
    docs = [_doc(city, f"市文件{i}", own(100 + i)) for i in range(60)]
    index.index_documents()
    return docs


def test_similar_finds_a_planted_copy_among_many(many):
    source = many[17]
    draft = source.full_text[:1800].replace("某单位", "甲县") + own(999, 300)
    found = queries.similar(draft)
    assert found and found[0].document.pk == source.pk
    assert found[0].share > 70
    assert found[0].passages
    assert all(s.share < 30 for s in found[1:])
    assert queries.similar(draft, exclude_document_id=source.pk)[:1] != found[:1]


def test_the_index_stays_fresh_when_a_document_is_added_or_changed(many, units):
    county = units["TA"]
    day = dt.date(2025, 6, 1)
    copy = _doc(county, "甲县转发", many[3].full_text.replace("某单位", "甲县"), day)
    assert index.stale().filter(pk=copy.pk).exists()
    assert index.index_documents() == 1
    assert Signature.objects.filter(document=copy).exists()
    m = Match.objects.get(document=copy)
    assert m.source_id == many[3].pk and m.share > 90 and m.higher
    assert queries.similar(copy.full_text, exclude_document_id=copy.pk)[0].document == many[3]
    # Rewritten in its own words: the signature is replaced and the match goes.
    copy.full_text = own(4242)
    copy.save()
    assert index.index_documents() == 1
    assert not Match.objects.filter(document=copy).exists()
    # Nothing changed: nothing to do.
    assert index.index_documents() == 0


def test_a_sister_county_or_a_later_document_is_not_higher(units):
    city, a, b, dept = (Unit.objects.get(code=c) for c in ("T", "TA", "TB", "TD01"))
    town = Unit.objects.get(code="TA01")
    assert index.is_higher(city, a) and index.is_higher(dept, a) and index.is_higher(a, town)
    assert index.is_higher(dept, town)
    assert not index.is_higher(b, a) and not index.is_higher(a, dept)
    assert not index.is_higher(a, a) and not index.is_higher(a, city)


def test_a_document_moved_to_another_date_is_judged_again(many, units):
    copy = _doc(units["TA"], "甲县文件", many[5].full_text, dt.date(2025, 6, 1))
    index.index_documents()
    assert Match.objects.get(document=copy, source=many[5]).higher
    copy.issued_on = dt.date(2025, 1, 2)  # before the city's: no longer a copy of a higher one
    copy.save()
    index.index_documents()
    assert not Match.objects.get(document=copy, source=many[5]).higher


def test_a_document_is_indexed_on_demand(many, units):
    from jianfu.gate.copies import services

    copy = _doc(units["TB"], "乙县文件", many[8].full_text, dt.date(2025, 7, 1))
    assert services.document_index(document_id=copy.pk) == 1
    assert Match.objects.get(document=copy).source_id == many[8].pk
    empty = _doc(units["TB"], "乙县无正文", "", dt.date(2025, 7, 2))
    assert services.document_index(document_id=empty.pk) == 0


def test_a_page_brings_a_few_new_documents_into_the_index_but_leaves_a_bulk_import_to_the_night(
    many, units
):
    county = units["TA"]
    new = [_doc(county, f"甲县文件{i}", own(500 + i), dt.date(2025, 6, 1)) for i in range(3)]
    assert not index.refresh(limit=2)  # three waiting: more than a page should sign
    assert not Signature.objects.filter(document__in=new).exists()
    assert index.refresh(limit=3)
    assert Signature.objects.filter(document__in=new).count() == 3
    assert index.refresh(limit=0)  # nothing waits any more
