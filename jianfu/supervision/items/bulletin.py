"""The supervision section of the bulletin: open items' colours by unit (as the office's board
counts them, queries.board), the overdue items, and the period's ranking (queries.scores)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries

RANKED = 10  # units named in the ranking's lines


def build(ctx: bs.Context) -> bs.Part:
    b = queries.board(ctx.principal, ctx.end)
    totals = b.totals
    part = bs.Part(
        url=reverse("sup_board"),
        figures=[
            bs.figure(_("在办督办事项"), sum(totals.get(c, 0) for c in queries.COLOURS)),
            bs.figure(_("红色（逾期）"), totals.get(queries.RED, 0)),
            bs.figure(_("黄色（进度滞后）"), totals.get(queries.YELLOW, 0)),
            bs.figure(_("蓝色（临期）"), totals.get(queries.BLUE, 0)),
        ],
    )
    for r in b.by_unit:
        red, yellow = r.counts.get(queries.RED, 0), r.counts.get(queries.YELLOW, 0)
        if not red and not yellow:
            continue
        part.lines.append(
            bs.line(
                _("%(unit)s承办的督办事项中，逾期（红色）%(r)s项，进度滞后（黄色）%(y)s项。")
                % {"unit": r.label, "r": red, "y": yellow},
                reverse("sup_unit_todo", args=[r.key]),
                unit=r.key,
            )
        )
    ranking = [s for s in queries.scores(ctx.start, ctx.end) if s.total]
    scoped = {r.key for r in b.by_unit}
    ranking = [s for s in ranking if s.unit_id in scoped]
    for i, s in enumerate(ranking[:RANKED], 1):
        part.lines.append(
            bs.line(
                _("督办计分第%(i)s名：%(unit)s，%(p)s分（主办%(a)s分，协办%(c)s分）。")
                % {
                    "i": i,
                    "unit": s.name,
                    "p": f"{s.total:g}",
                    "a": f"{s.lead:g}",
                    "c": f"{s.co:g}",
                },
                reverse("sup_unit_todo", args=[s.unit_id]),
                unit=s.unit_id,
                public=False,
            )
        )
    red_units = [r for r in b.by_unit if r.counts.get(queries.RED)][:10]
    if red_units:
        part.chart = {
            "title": _("逾期督办事项较多的单位"),
            "labels": [r.label for r in red_units],
            "values": [r.counts.get(queries.RED, 0) for r in red_units],
            "mark": None,
            "unit": "",
        }
    return part


def register() -> None:
    bs.register(bs.Section("supervision_items", gettext_lazy("督查督办情况"), 55, build))
