"""The copies panel on a proposal's review page (gate/review.py): for a document proposal, the
share of its draft copied from the document it implements (exact) and from other units'
registered documents (the index's candidates), each linking to the side-by-side page; a warning
when a share reaches the setting."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.gate import review

from . import config, index, queries

SIBLINGS = 5


def build(proposal, principal) -> dict | None:
    if proposal.category != "document" or not (proposal.draft_text or "").strip():
        return None
    threshold = config.share()
    fresh = index.refresh()
    url = reverse("gate_copies_proposal", args=[proposal.pk])
    source, warnings = None, []
    source_text = proposal.implements.full_text if proposal.implements_id else ""
    source_text = source_text or proposal.implements_text
    if source_text:
        c = queries.compare(proposal.draft_text, source_text)
        source = {"share": round(c.share * 100, 1), "url": url}
        if source["share"] >= threshold:
            warnings.append(
                gettext("文稿 %(s)s%% 的文字照抄所贯彻落实的文件（以文件落实文件）")
                % {"s": source["share"]}
            )
    siblings = []
    for s in queries.similar(
        proposal.draft_text, exclude_document_id=proposal.implements_id, limit=SIBLINGS
    ):
        if s.document.unit_id == proposal.unit_id:
            continue
        siblings.append(
            {
                "unit": s.document.unit.name,
                "title": s.document.title,
                "share": s.share,
                "url": f"{url}?{urlencode({'document': s.document.pk})}",
            }
        )
        if s.share >= threshold:
            warnings.append(
                gettext("文稿 %(s)s%% 的文字与%(u)s《%(t)s》雷同")
                % {"s": s.share, "u": s.document.unit.name, "t": s.document.title}
            )
    return {"source": source, "siblings": siblings, "warnings": warnings, "fresh": fresh}


def register() -> None:
    review.register(review.Panel("copies", _("照抄照搬比对"), 30, "gate/copies/_panel.html", build))
