"""The plans' section of the bulletin (年度计划备案情况, order 65): the plans filed and missing for
the period's year, and the split inspections found — read as the office's overview page reads them
(queries.overview, queries.visible_splits)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries
from .models import PlanStatus


def build(ctx: bs.Context) -> bs.Part:
    year = ctx.end.year
    ov = queries.overview(ctx.principal, year)
    groups = queries.visible_splits(ctx.principal, year)
    url = reverse("gate_plan_list") + f"?year={year}"
    if not any(r.plan for r in ov.rows) and not groups:
        # No unit has begun a plan for the year: plans are not in use yet, nothing to report
        # (an empty part, which the bulletin leaves out).
        return bs.Part(url=url)
    part = bs.Part(
        url=url,
        figures=[
            bs.figure(_("已备案"), ov.counts.get(PlanStatus.FILED, 0)),
            bs.figure(_("待备案"), ov.counts.get(PlanStatus.SUBMITTED, 0)),
            bs.figure(_("已退回"), ov.counts.get(PlanStatus.RETURNED, 0)),
            bs.figure(_("未报备"), len(ov.missing)),
            bs.figure(_("疑似拆分的督查检查考核"), len(groups)),
        ],
    )
    if ov.missing:
        part.lines.append(
            bs.line(
                _("%(y)s年尚未报备年度计划的单位：%(units)s。")
                % {"y": year, "units": "、".join(r.unit.name for r in ov.missing)},
                url,
            )
        )
    for g in groups:
        part.lines.append(
            bs.line(
                g.sentence(),
                reverse("gate_plan_detail", args=[g.plan_id]) if g.plan_id else url,
                unit=g.unit_id,
            )
        )
    return part


def register() -> None:
    bs.register(bs.Section("gate_plans", gettext_lazy("年度计划备案情况"), 65, build))
