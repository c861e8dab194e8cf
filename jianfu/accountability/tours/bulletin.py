"""The tours' section of the bulletin (巡察发现问题整改情况, order 72): the tours of the period,
and for each target unit its findings, the problems they became and where their rectification
stands — read with queries.rectification, as the tour's page reads it (tested equal)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs
from jianfu.core import scope

from . import queries
from .services import VIEW


def unit_sentence(tour, u: queries.UnitRows) -> str:
    text = _(
        "%(t)s：%(u)s 发现问题 %(f)s 个，列入问题清单 %(l)s 个，已销号 %(c)s 个，整改中 %(m)s 个，"
        "逾期 %(o)s 个，反弹 %(r)s 个，未制定措施 %(n)s 个"
    ) % {
        "t": tour.name,
        "u": u.unit.name,
        "f": len(u.rows),
        "l": u.listed,
        "c": u.closed,
        "m": u.count("measures"),
        "o": u.count("overdue"),
        "r": u.count("relapsed"),
        "n": u.count("open"),
    }
    if u.fixes_nothing:
        text += _("；%(s)s 个问题超过 %(d)s 天未整改，整改不力") % {
            "s": u.stalled,
            "d": queries.stall_days(),
        }
    return text + "。"


def build(ctx: bs.Context) -> bs.Part:
    url = reverse("tour_list")
    if not scope.can(ctx.principal, VIEW):
        return bs.Part(url=url)
    tours = list(queries.period_tours(ctx.principal, ctx.start, ctx.end))
    if not tours:
        return bs.Part(url=url)
    units = [(t, u) for t in tours for u in queries.rectification(ctx.principal, t)]
    part = bs.Part(
        url=url,
        figures=[
            bs.figure(_("巡察"), len(tours)),
            bs.figure(_("被巡察单位"), len(units)),
            bs.figure(_("发现问题"), sum(len(u.rows) for _t, u in units)),
            bs.figure(_("列入问题清单"), sum(u.listed for _t, u in units)),
            bs.figure(_("已销号"), sum(u.closed for _t, u in units)),
            bs.figure(_("整改不力的单位"), sum(1 for _t, u in units if u.fixes_nothing)),
        ],
    )
    for t, u in units:
        part.lines.append(
            bs.line(unit_sentence(t, u), reverse("tour_detail", args=[t.pk]), unit=u.unit.pk)
        )
    return part


def register() -> None:
    bs.register(bs.Section("acc_tours", gettext_lazy("巡察发现问题整改情况"), 72, build))
