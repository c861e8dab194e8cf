"""The bulletin section "向基层要数据最多的单位": the senders ranked by the grassroots load they
imposed in the bulletin's period, read by queries.senders — the same function as the ranking
page (burden_senders), so the two agree."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries
from .services import VIEW

TOP = 10


def sentence(r: queries.Sender) -> str:
    return _(
        "第%(rank)s名 %(unit)s：下发数据填报任务%(req)s项，预计基层耗时%(est)s小时，"
        "实测%(mea)s小时；发至基层的文件%(d)s件，要求基层参加的会议%(m)s次，"
        "对基层的督查检查考核%(i)s次。"
    ) % {
        "rank": r.rank,
        "unit": r.name,
        "req": r.requests,
        "est": r.estimated_hours,
        "mea": r.measured_hours,
        "d": r.documents,
        "m": r.meetings,
        "i": r.inspections,
    }


def build(ctx: bs.Context) -> bs.Part:
    rows = queries.senders(ctx.principal, ctx.start, ctx.end, perm=VIEW)
    url = (
        reverse("burden_senders")
        + "?"
        + urlencode({"start": ctx.start.isoformat(), "end": ctx.end.isoformat()})
    )
    part = bs.Part(
        url=url,
        note=_(
            "按向基层下发数据填报任务的预计耗时排序，同时列出发至基层的文件、会议和督查检查考核。"
        ),
        figures=[
            bs.figure(_("数据填报任务"), sum(r.requests for r in rows)),
            bs.figure(_("预计基层耗时（小时）"), round(sum(r.estimated_hours for r in rows), 1)),
            bs.figure(_("实测基层耗时（小时）"), round(sum(r.measured_hours for r in rows), 1)),
        ],
    )
    for r in rows[:TOP]:
        part.lines.append(bs.line(sentence(r), url, unit=r.unit_id))
    if rows:
        top = rows[:TOP]
        part.chart = {
            "title": _("向基层要数据的预计耗时（小时）"),
            "labels": [r.name for r in top],
            "values": [r.estimated_hours for r in top],
            "mark": None,
            "unit": _("小时"),
        }
    return part


def register() -> None:
    bs.register(bs.Section("gate_burden", gettext_lazy("向基层要数据最多的单位"), 68, build))
