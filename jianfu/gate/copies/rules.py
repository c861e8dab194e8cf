"""The signal rule of copy-through (group "gate"), added to the signals' registry by setup.ready.

gate_copied: a unit whose registered documents of the year are mostly copied (share at least the
setting, default 70 %) from a higher level's document issued earlier — one of its ancestors', or
their departments' (the city's documents for a county) — in at least MIN_DOCUMENTS of them
(default 2). One document alone is not raised: forwarding a higher document whole (转发) is an
accepted form, and a copied implementing document now and then is the office's review's business
on the proposal; the habit of implementing documents by copying them (以文件落实文件) is what the
rule is for. One signal per unit and year (subject "copied"), evidence naming each document, its
source and share, linking to the side-by-side page. Severity: 1, 2 from twice the minimum, 3 from
four times.

The rule first brings the index up to date (index.index_documents: only the documents new or
changed since they were indexed, nothing when none), so a run after an import judges the new
texts without waiting for the nightly index.
"""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import config, queries

GROUP = "gate"
CODE = "gate_copied"


def evaluate(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding, figure, records

    from . import index

    index.index_documents()
    minimum = int(settings[config.MIN_DOCUMENTS])
    found = queries.findings(
        start=dt.date(as_of.year, 1, 1), end=as_of, share=float(settings[config.SHARE])
    )
    out = []
    for group in queries.by_unit(found):
        if len(group.matches) < minimum or (unit_ids is not None and group.unit_id not in unit_ids):
            continue
        n = len(group.matches)
        out.append(
            Finding(
                unit_id=group.unit_id,
                period=str(as_of.year),
                subject="copied",
                severity=3 if n >= 4 * minimum else 2 if n >= 2 * minimum else 1,
                conditions=("copied",),
                evidence={
                    "conditions": ["copied"],
                    "as_of": as_of.isoformat(),
                    "copies": [
                        {
                            "document": m.document_id,
                            "title": m.document.title,
                            "issued_on": m.issued_on.isoformat(),
                            "source": m.source_id,
                            "source_title": m.source.title,
                            "source_unit": m.source_unit.name,
                            "share": m.share,
                            "passages": m.passages,
                        }
                        for m in group.matches
                    ],
                    "figures": [
                        figure("gate_copied_documents", n, "count"),
                        figure("gate_copied_mean_share", queries.mean_share(group.matches), "pct"),
                    ],
                    "records": records("registry.document", [m.document_id for m in group.matches]),
                },
            )
        )
    return out


def headline(subject: str, evidence: dict) -> str:
    copies = evidence.get("copies", [])
    return gettext("本年 %(n)s 件文件照抄照搬上级文件（以文件落实文件），照抄比例最高 %(s)s%%") % {
        "n": len(copies),
        "s": max((c["share"] for c in copies), default=0),
    }


def links(signal, evidence: dict) -> list:
    from jianfu.signals.links import Link

    return [
        Link(
            gettext("对照：%(t)s ← %(u)s《%(s)s》（%(p)s%%）")
            % {"t": c["title"], "u": c["source_unit"], "s": c["source_title"], "p": c["share"]},
            reverse("gate_copies_compare", args=[c["document"], c["source"]]),
        )
        for c in evidence.get("copies", [])
    ]


FIGURE_LABELS = {
    "gate_copied_documents": _("照抄上级文件件数"),
    "gate_copied_mean_share": _("平均照抄比例"),
}


def register() -> None:
    from jianfu.signals import links as signal_links
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES, Rule

    FIGURES.update(FIGURE_LABELS)
    RULES[CODE] = Rule(
        code=CODE,
        label=_("照抄照搬上级文件"),
        sentence=_(
            "一个单位一年内有 %(min_documents)s 件及以上登记文件的正文 %(share)s%% 以上照抄上级"
            "先发的文件（以文件落实文件）即预警。"
        ),
        evaluate=evaluate,
        settings=(config.SHARE, config.MIN_DOCUMENTS),
        subjects={"copied": _("照抄照搬文件")},
        headline=headline,
        group=GROUP,
    )
    signal_links.RULE_LINKS[CODE] = links
