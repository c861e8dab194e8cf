"""The registry's bulletin section: quota use and pacing per unit, ranked, laggards named, in the
figures of the quota overview (registry/quotas/queries.quota_overview) as of the period's end."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from .models import Category
from .quotas.figures import State
from .quotas.queries import quota_overview

LAGGING = (State.EXCEEDED, State.USED_UP, State.AT_RISK, State.FAST)
CHART_BARS = 12


def _sentence(st, months: str, category: str) -> str:
    used = round((st.share_used or 0) * 100)
    ahead = round(((st.share_used or 0) - st.share_year) * 100)
    name = st.unit.short_name or st.unit.name
    if st.exceeded:
        return _(
            "%(unit)s%(months)s%(cat)s%(used)s件，已超出全年指标（%(limit)s件）%(over)s件。"
        ) % {
            "unit": name,
            "months": months,
            "cat": category,
            "used": st.used,
            "limit": st.limit,
            "over": st.used - st.limit,
        }
    return _(
        "%(unit)s%(months)s%(cat)s已用全年指标的%(used)s%%，超过时间进度 %(ahead)s 个百分点。"
    ) % {"unit": name, "months": months, "cat": category, "used": used, "ahead": ahead}


def build(ctx: bs.Context) -> bs.Part:
    rows = [
        st for st in quota_overview(ctx.principal, year=ctx.end.year, as_of=ctx.end) if st.limit
    ]
    months = _("1—%(m)s月") % {"m": ctx.end.month} if ctx.end.month > 1 else _("1月")
    labels = dict(Category.choices)
    lagging = [st for st in rows if st.state in LAGGING]
    part = bs.Part(
        url=reverse("quota_overview") + "?sort=pace",
        figures=[
            bs.figure(_("设定指标（单位×类别）"), len(rows)),
            bs.figure(_("已超指标"), sum(1 for st in rows if st.state == State.EXCEEDED)),
            bs.figure(_("预计年内用尽"), sum(1 for st in rows if st.state == State.AT_RISK)),
            bs.figure(_("进度偏快"), sum(1 for st in rows if st.state == State.FAST)),
        ],
        note=_("截至%(day)s，按用量快于时间进度的程度排序，进度正常的单位不列出。")
        % {"day": f"{ctx.end.month}月{ctx.end.day}日"},
    )
    for st in lagging:
        part.lines.append(
            bs.line(
                _sentence(st, months, labels.get(st.category, st.category)),
                reverse("quota_unit", args=[st.unit_id]),
                unit=st.unit_id,
            )
        )
    docs = sorted(
        (st for st in rows if st.category == Category.DOCUMENT),
        key=lambda st: -(st.share_used or 0),
    )[:CHART_BARS]
    if docs:
        part.chart = {
            "title": _("发文指标使用率（前%(n)s名）") % {"n": len(docs)},
            "labels": [st.unit.short_name or st.unit.name for st in docs],
            "values": [round((st.share_used or 0) * 100, 1) for st in docs],
            "mark": round(docs[0].share_year * 100, 1),
            "mark_label": _("时间进度"),
            "unit": "%",
        }
    return part


def register() -> None:
    bs.register(bs.Section("quota", gettext_lazy("精文减会和督查检查考核指标使用情况"), 10, build))
