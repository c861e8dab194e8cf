"""The rectification bulletin section: overdue measures and relapsed problems per unit, as the
ledger overview counts them (rectification/problems/queries.overview) when the draft is made."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from .problems import queries


def build(ctx: bs.Context) -> bs.Part:
    rows = [r for r in queries.overview(ctx.principal) if r.overdue or r.relapsed]
    rows.sort(key=lambda r: (-r.overdue, -r.relapsed, r.path))
    part = bs.Part(
        url=reverse("rect_overview"),
        figures=[
            bs.figure(_("逾期未完成整改措施"), sum(r.overdue for r in rows)),
            bs.figure(_("销号后反弹问题"), sum(r.relapsed for r in rows)),
            bs.figure(_("涉及单位"), len(rows)),
        ],
    )
    for r in rows:
        bits = []
        if r.overdue:
            bits.append(_("逾期未完成整改措施%(n)s项") % {"n": r.overdue})
        if r.relapsed:
            bits.append(_("销号后反弹问题%(n)s个") % {"n": r.relapsed})
        part.lines.append(
            bs.line(
                _("%(unit)s有%(what)s。") % {"unit": r.name, "what": "，".join(bits)},
                reverse("rect_ledger", args=[r.unit_id]),
                unit=r.unit_id,
            )
        )
    if rows:
        top = rows[:10]
        part.chart = {
            "title": _("逾期整改措施较多的单位"),
            "labels": [r.name for r in top],
            "values": [r.overdue for r in top],
            "mark": None,
            "unit": "",
        }
    return part


def register() -> None:
    bs.register(bs.Section("rectification", gettext_lazy("整改落实情况"), 50, build))
