"""The bulletin's section of copy-through documents (照抄照搬文件): the period's findings by unit,
from the list page's own query (queries.visible_findings), so the section is what the page shows."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries


def build(ctx: bs.Context) -> bs.Part:
    found = queries.visible_findings(ctx.principal, start=ctx.start, end=ctx.end)
    groups = queries.by_unit(found)
    part = bs.Part(
        url=f"{reverse('gate_copies_list')}?{urlencode({'year': ctx.end.year})}",
        figures=[
            bs.figure(_("照抄照搬文件"), len(found)),
            bs.figure(_("涉及单位"), len(groups)),
        ],
    )
    for g in groups:
        part.lines.append(
            bs.line(
                _("%(unit)s有 %(n)s 件文件照抄上级文件，照抄比例 %(shares)s。")
                % {
                    "unit": g.name,
                    "n": len(g.matches),
                    "shares": "、".join(f"{m.share:g}%" for m in g.matches),
                },
                reverse(
                    "gate_copies_compare", args=[g.matches[0].document_id, g.matches[0].source_id]
                ),
                unit=g.unit_id,
            )
        )
    return part


def register() -> None:
    bs.register(bs.Section("gate_copies", gettext_lazy("照抄照搬文件"), 67, build))
