"""Tour findings as a source of problems: a finding put on its target unit's list keeps the tour
and what it found; the problem's page words it and links back to the tour (for those who see
tours) or to the unit's own findings (its contact)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import scope
from jianfu.rectification import sources

from ..clues.models import ClueCategory
from .services import FINDING_VIEW, KIND, VIEW


def _link(finding_id: int, user) -> str | None:
    from .models import Finding

    if scope.can(user, VIEW):
        tour_id = Finding.objects.filter(pk=finding_id).values_list("tour_id", flat=True).first()
        return reverse("tour_detail", args=[tour_id]) if tour_id else None
    return reverse("tour_own_findings") if scope.can(user, FINDING_VIEW) else None


def _render(problem, user) -> list[dict]:
    e = problem.evidence or {}
    category = dict(ClueCategory.choices).get(e.get("category", ""), "")
    return [
        {
            "title": _("巡察发现问题"),
            "text": e.get("text", ""),
            "rows": [
                (_("巡察"), e.get("tour_name", "")),
                (_("巡察轮次"), e.get("round", "")),
                (_("巡察组组长"), e.get("leader", "")),
                (_("问题类别"), category),
                (_("发现日期"), e.get("found_on", "")),
            ],
        }
    ]


def register() -> None:
    sources.register(
        KIND,
        gettext_lazy("巡察发现问题"),
        link=_link,
        renderer=_render,
        link_text=gettext_lazy("查看来源巡察"),
        icon="binoculars",
    )
