"""The mid-year review's section of the bulletin: the share of the year gone, the units reviewed
and the lagging units with their figures — built from the review page's own query
(queries.stock), so its figures are the page's. Shown once the stock-taking date of the period's
year falls within or before the period's end."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries


def lagging_line(stock, r) -> str:
    """The sentence of one lagging unit (the page shows the same figures)."""
    names = "、".join(t.target.name for t in r.lagging_targets[:5])
    text = _(
        "%(unit)s：完成进度 %(s)s%%，低于时间进度 %(g)s 个百分点"
        "（%(n)s 项中 %(k)s 项滞后：%(names)s）"
    ) % {
        "unit": r.name,
        "s": r.share if r.share is not None else 0,
        "g": r.gap,
        "n": len(r.targets),
        "k": len(r.lagging_targets),
        "names": names,
    }
    if r.items.red:
        text += _("；督办事项逾期 %(r)s 项") % {"r": r.items.red}
    return text + _("。")


def build(ctx: bs.Context) -> bs.Part:
    year = ctx.end.year
    if queries.stock_date(year) > ctx.end:
        return bs.Part()
    stock = queries.stock(ctx.principal, year)
    url = reverse("review_board") + f"?year={year}"
    part = bs.Part(
        url=url,
        note=_("截至 %(d)s，全年时间进度 %(t)s%%（%(how)s）。")
        % {
            "d": stock.as_of.isoformat(),
            "t": stock.time_share,
            "how": _("按工作日计算") if stock.working_days else _("按日历天数计算"),
        },
        figures=[
            bs.figure(_("时间进度（%）"), stock.time_share),
            bs.figure(_("参加回头看单位"), len(stock.rows)),
            bs.figure(_("滞后单位"), len(stock.lagging)),
        ],
    )
    for r in stock.lagging:
        part.lines.append(
            bs.line(
                lagging_line(stock, r),
                reverse("review_unit", args=[r.unit_id]) + f"?year={year}",
                unit=r.unit_id,
            )
        )
    worst = stock.lagging[:10]
    if worst:
        part.chart = {
            "title": _("滞后单位完成进度"),
            "labels": [r.name for r in worst],
            "values": [r.share or 0 for r in worst],
            "mark": stock.time_share,
            "unit": "%",
        }
    return part


def register() -> None:
    bs.register(bs.Section("supervision_review", gettext_lazy("年中回头看"), 57, build))
