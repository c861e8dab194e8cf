"""Reads of copy-through: a text against the index, two texts against each other, the findings
(documents mostly copied from a higher level's earlier document) for the list page, the bulletin
and the rule."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import QuerySet

from jianfu.core import scope
from jianfu.registry.models import Document

from . import config, index, text
from .models import Match

VIEW = "gate.copies:view"


@dataclass(frozen=True)
class Similar:
    document: Document
    share: float  # percent of the text asked about, copied from the document
    jaccard: float  # percent
    passages: tuple[text.Passage, ...]


def compare(a: str, b: str) -> text.Comparison:
    """How much of `a` is found in `b`: the share, the Jaccard and the passages."""
    return text.compare(a, b)


def similar(text_: str, *, exclude_document_id: int | None = None, limit: int = 5) -> list[Similar]:
    """The registered documents the text copies from, most copied first: the LSH's candidates,
    then the exact share for them only (those sharing nothing are left out)."""
    prepared = text.Prepared(text_)
    if prepared.length < text.K:
        return []
    signature = text.signatures([prepared.hashes])[0]
    found = [d for d in index.current().candidates(signature) if d != exclude_document_id]
    if not found:
        return []
    out = []
    for doc in Document.objects.filter(pk__in=found).select_related("unit"):
        c = text.compare(prepared, text.Prepared(doc.full_text))
        if c.share > 0:
            out.append(Similar(doc, round(c.share * 100, 1), round(c.jaccard * 100, 1), c.passages))
    out.sort(key=lambda s: (-s.share, s.document.pk))
    return out[:limit]


def side_by_side(a: str, b: str) -> dict:
    """Both texts cut into pieces, the copied passages numbered alike on each side."""
    c = text.compare(a, b)
    a_spans = [(p.a_start, p.a_end, n) for n, p in enumerate(c.passages, 1)]
    b_spans = [(p.b_start, p.b_end, n) for n, p in enumerate(c.passages, 1)]
    return {
        "share": round(c.share * 100, 1),
        "jaccard": round(c.jaccard * 100, 1),
        "passages": len(c.passages),
        "a": text.segments(a or "", a_spans),
        "b": text.segments(b or "", _disjoint(b_spans)),
    }


def _disjoint(spans):
    """Two passages of a may copy one place of b: b's spans are merged where they overlap, the
    first number kept."""
    out = []
    for start, end, n in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]), out[-1][2])
        else:
            out.append((start, end, n))
    return out


# --- Findings -------------------------------------------------------------------------------------


def findings(qs: QuerySet | None = None, *, start: dt.date | None = None, end=None, share=None):
    """The copy-through documents: each document's most copied higher-level earlier source at or
    above the share threshold (one row per document), by unit then date."""
    threshold = config.share() if share is None else share
    qs = Match.objects.all() if qs is None else qs
    qs = qs.filter(higher=True, share__gte=threshold)
    if start is not None:
        qs = qs.filter(issued_on__gte=start)
    if end is not None:
        qs = qs.filter(issued_on__lte=end)
    rows = qs.select_related("document", "source", "unit", "source_unit").order_by(
        "unit__path", "issued_on", "document_id", "-share", "source_id"
    )
    best, seen = [], set()
    for m in rows:
        if m.document_id not in seen:
            seen.add(m.document_id)
            best.append(m)
    return best


def visible_findings(principal, *, start=None, end=None) -> list[Match]:
    return findings(scope.visible(Match.scoped.all(), principal, perm=VIEW), start=start, end=end)


@dataclass(frozen=True)
class UnitFindings:
    unit_id: int
    name: str
    matches: list[Match]


def by_unit(matches: list[Match]) -> list[UnitFindings]:
    out: dict[int, UnitFindings] = {}
    for m in matches:
        out.setdefault(m.unit_id, UnitFindings(m.unit_id, m.unit.name, [])).matches.append(m)
    return list(out.values())


def mean_share(matches: list[Match]) -> float:
    return float(np.mean([m.share for m in matches])) if matches else 0.0
