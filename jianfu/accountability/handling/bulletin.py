"""The bulletin section "监督执纪问责情况": the outcomes of the period (counts by kind) and the
cases concluded in it, with the unit and the people by position only — never an informant, never
a person's name. Read by queries.period_outcomes, the same function as the outcomes page
(acc_outcomes), so the two agree."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries
from .services import STATS


def build(ctx: bs.Context) -> bs.Part:
    result = queries.period_outcomes(ctx.principal, ctx.start, ctx.end, perm=STATS)
    url = (
        reverse("acc_outcomes")
        + "?"
        + urlencode({"start": ctx.start.isoformat(), "end": ctx.end.isoformat()})
    )
    part = bs.Part(
        url=url,
        note=_(
            "本期纪检监察机关对形式主义、官僚主义问题作出的处理，按处理方式统计；涉及人员只列职务。"
        ),
        figures=[bs.figure(label, n) for _k, label, n in result.counts if n],
    )
    for row in result.cases:
        part.lines.append(bs.line(queries.case_sentence(row), url, unit=row["unit_id"]))
    return part


def register() -> None:
    bs.register(bs.Section("acc_handling", gettext_lazy("监督执纪问责情况"), 71, build))
