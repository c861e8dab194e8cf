"""The gate's copies part: pages — the side-by-side comparison (a document against the document
it copies, a proposal's draft against its source or a document found like it) and the office's
list of copy-through documents.

Scope. The document compared is reached through the account's scope (404 outside). The document
beside it is shown when the account may see it, or when it is of a higher level than the first
(an ancestor's, or its departments': is_higher) — a higher document is sent down to the units
below it, so showing it beside their copy discloses nothing they did not receive; a sister
county's document stays 404 to a county.
"""

import datetime as dt

from django.apps import apps
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from jianfu.core import clock, scope
from jianfu.registry.models import Document

from . import config, queries
from .index import is_higher

VIEW = queries.VIEW
RECORDS = "registry.record:view"


def _beside(principal, pk, below_unit) -> Document:
    doc = (
        Document.objects.select_related("unit").filter(pk=pk).first()  # unscoped: checked below
    )
    if doc is None:
        raise Http404
    if not scope.covers(principal, doc) and not is_higher(doc.unit, below_unit):
        raise Http404
    return doc


def compare_documents(request, pk, source_pk):
    doc = scope.get_for(Document.scoped.select_related("unit"), request.user, pk, perm=RECORDS)
    source = _beside(request.user, source_pk, doc.unit)
    return _page(request, doc.title, doc.full_text, source, source.full_text, doc=doc)


def compare_proposal(request, pk):
    # The proposals part sits above this one: its model is read by label, not imported.
    proposal_model = apps.get_model("gate", "Proposal")
    proposal = scope.get_for(
        proposal_model.scoped.select_related("unit", "implements__unit"),
        request.user,
        pk,
        perm=VIEW,
    )
    other = request.GET.get("document", "")
    if other.isdigit():
        source = _beside(request.user, int(other), proposal.unit)
        source_text = source.full_text
    elif proposal.implements_id and proposal.implements.full_text:
        source, source_text = proposal.implements, proposal.implements.full_text
    elif proposal.implements_text:
        source, source_text = None, proposal.implements_text
    else:
        raise Http404
    title = proposal.implements_title if source is None else ""
    return _page(
        request, proposal.title, proposal.draft_text, source, source_text, source_title=title
    )


def _page(request, title, body, source, source_text, *, doc=None, source_title=""):
    shown = queries.side_by_side(body, source_text)
    context = {
        "title": title,
        "doc": doc,
        "source": source,
        "source_title": source_title or (source.title if source else ""),
        "threshold": config.share(),
        **shown,
    }
    context["reached"] = shown["share"] >= context["threshold"]
    return render(request, "gate/copies/compare.html", context)


def finding_list(request):
    today = clock.today()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    found = queries.visible_findings(
        request.user, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    context = {
        "year": year,
        "years": list(range(today.year, today.year - 5, -1)),
        "groups": queries.by_unit(found),
        "count": len(found),
        "threshold": config.share(),
    }
    return render(request, "gate/copies/list.html", context)


urlpatterns: list = [
    path("copies/", finding_list, name="gate_copies_list"),
    path(
        "copies/compare/<int:pk>/<int:source_pk>/",
        compare_documents,
        name="gate_copies_compare",
    ),
    path("copies/proposal/<int:pk>/", compare_proposal, name="gate_copies_proposal"),
]
