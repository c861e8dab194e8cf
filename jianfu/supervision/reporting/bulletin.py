"""The information-reporting bulletin section: per unit, the pieces submitted in the bulletin's
period, adopted, instructed, false, and points, ranked — read by queries.figures, the same
function as the ranking page, so the two agree."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries


def build(ctx: bs.Context) -> bs.Part:
    rows = queries.figures(ctx.principal, ctx.start, ctx.end)
    url = (
        reverse("reporting_ranking")
        + "?"
        + urlencode({"start": ctx.start.isoformat(), "end": ctx.end.isoformat()})
    )
    part = bs.Part(
        url=url,
        figures=[
            bs.figure(_("报送信息"), sum(r.submitted for r in rows)),
            bs.figure(_("被采用"), sum(r.adopted_total for r in rows)),
            bs.figure(_("获领导批示"), sum(r.instructions for r in rows)),
            bs.figure(_("虚假信息"), sum(r.false for r in rows)),
        ],
    )
    for r in rows:
        if not (r.submitted or r.points):
            continue
        part.lines.append(
            bs.line(
                _("第%(rank)s名 %(unit)s：报送%(s)s篇，采用%(a)s篇，批示%(i)s条，得分%(p)s。")
                % {
                    "rank": r.rank,
                    "unit": r.name,
                    "s": r.submitted,
                    "a": r.adopted_total,
                    "i": r.instructions,
                    "p": r.points,
                },
                url,
                unit=r.unit_id,
            )
        )
    silent = [r for r in rows if not r.submitted]
    if silent:
        part.lines.append(
            bs.line(
                _("本期未报送信息的单位：%(u)s。") % {"u": "、".join(r.name for r in silent)}, url
            )
        )
    if rows:
        top = rows[:10]
        part.chart = {
            "title": _("信息报送得分"),
            "labels": [r.name for r in top],
            "values": [r.points for r in top],
            "mark": None,
            "unit": "",
        }
    return part


def register() -> None:
    bs.register(bs.Section("reporting", gettext_lazy("信息报送情况"), 60, build))
