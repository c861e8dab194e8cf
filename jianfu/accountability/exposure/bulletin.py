"""The bulletin section "典型案例通报": the cases published into the bulletin in its period, their
redacted text, and how many units studied each — read by queries.studies, the function the study
tracking page (typical_studies, with the same period and bulletin=1) reads, so the two agree.
The text is the one that passed the redaction check and a second account's approval; no name of
the case's persons can be in it (checked again here: a line that would hold one is left out)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries
from .queries import TRACK


def sentence(row: queries.StudyRow) -> str:
    return _("%(title)s：%(body)s（已组织学习单位%(s)s个，共通报%(n)s个单位。）") % {
        "title": row.typical.title,
        "body": " ".join(row.typical.body.split()),
        "s": len(row.studied),
        "n": row.addressed,
    }


def build(ctx: bs.Context) -> bs.Part:
    rows = queries.studies(
        ctx.principal, start=ctx.start, end=ctx.end, bulletin_only=True, perm=TRACK
    )
    url = (
        reverse("typical_studies")
        + "?"
        + urlencode({"start": ctx.start.isoformat(), "end": ctx.end.isoformat(), "bulletin": "1"})
    )
    part = bs.Part(
        url=url,
        note=_("本期发布的形式主义、官僚主义典型案例，供各单位以案为镜、开展警示教育。"),
        figures=[
            bs.figure(_("发布典型案例"), len(rows)),
            bs.figure(_("组织学习单位（次）"), sum(len(r.studied) for r in rows)),
        ],
    )
    for r in rows:
        if queries.leaks_of(r.typical):
            continue  # never publish a name, whatever happened to the case after approval
        part.lines.append(bs.line(sentence(r), reverse("typical_detail", args=[r.typical.pk])))
    return part


def register() -> None:
    bs.register(bs.Section("accountability_exposure", gettext_lazy("典型案例通报"), 73, build))
