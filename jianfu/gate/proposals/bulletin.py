"""The bulletin's section on proposals through the gate (order 66): the period's reviews, each
proposal returned and why, the case-by-case requests approved and the records issued out of plan
without approval — read from queries.figures, as the figures page (gate_proposal_figures) is, so
the two say the same."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from . import queries

CODE = "gate_proposals"


def lines(f: queries.Figures) -> list[dict]:
    """The section's sentences, one per finding (the figures page lists the same)."""
    out = []
    for p in f.returns:
        out.append(
            bs.line(
                _("%(u)s的%(c)s申请“%(t)s”被退回，理由：%(r)s")
                % {
                    "u": p.unit.name,
                    "c": p.get_category_display(),
                    "t": p.title,
                    "r": p.return_reasons,
                },
                reverse("gate_proposal_detail", args=[p.pk]),
                unit=p.unit_id,
            )
        )
    for p in f.case_by_case:
        out.append(
            bs.line(
                _("%(u)s的计划外%(c)s“%(t)s”经“一事一报”审核同意，事由：%(r)s")
                % {
                    "u": p.unit.name,
                    "c": p.get_category_display(),
                    "t": p.title,
                    "r": p.out_of_plan_reason,
                },
                reverse("gate_proposal_detail", args=[p.pk]),
                unit=p.unit_id,
            )
        )
    for c in f.unapproved:
        out.append(
            bs.line(
                _("%(u)s的计划外%(c)s“%(t)s”（%(d)s）未经审批同意即已印发（召开、开展）。")
                % {
                    "u": c.record.unit.name,
                    "c": c.record._meta.verbose_name,
                    "t": c.record.title,
                    "d": c.day.isoformat(),
                },
                reverse(f"{c.category}_detail", args=[c.record.pk]),
                unit=c.record.unit_id,
            )
        )
    return out


def figure_rows(f: queries.Figures) -> list[dict]:
    return [
        bs.figure(_("提交审核"), f.submitted),
        bs.figure(_("审核"), f.reviewed),
        bs.figure(_("同意"), f.approved),
        bs.figure(_("退回"), f.returned),
        bs.figure(_("计划外“一事一报”同意"), len(f.case_by_case)),
        bs.figure(_("计划外未经审批即印发"), len(f.unapproved)),
    ]


def build(ctx: bs.Context) -> bs.Part:
    f = queries.figures(ctx.principal, ctx.start, ctx.end)
    query = urlencode({"start": ctx.start.isoformat(), "end": ctx.end.isoformat()})
    return bs.Part(
        figures=figure_rows(f),
        lines=lines(f),
        url=f"{reverse('gate_proposal_figures')}?{query}",
    )


def register() -> None:
    bs.register(bs.Section(CODE, gettext_lazy("发文会议督查审核情况"), 66, build))
