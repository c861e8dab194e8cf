"""Supervision items as a source of problems: an item sent back (退回重办) or failed (overdue, not
done) can open a problem on its lead unit's list (rectification), carrying the item's figures as
they are then. Rectification knows the source only by what it registers here."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError
from jianfu.rectification import sources
from jianfu.rectification.models import Problem, Severity, Source
from jianfu.rectification.problems import services as rectification

from . import queries
from .models import Assignment, AssignmentRole, Item, ItemStatus
from .services import MANAGE, VIEW, _lock_item, _require_office

KIND = "supervision_item"

audit.describe({"jianfu.supervision.item.problem": gettext_lazy("督办事项列入问题清单")})


def _link(item_id: int, user) -> str | None:
    return reverse("sup_item_detail", args=[item_id]) if scope.can(user, VIEW) else None


def _render(problem, user) -> list[dict]:
    e = problem.evidence or {}
    return [
        {
            "title": _("督办事项"),
            "text": e.get("title", ""),
            "rows": [
                (_("督办单号"), e.get("number", "")),
                (_("办理时限"), e.get("deadline", "")),
                (_("当时状态"), e.get("status", "")),
                (_("当时进度"), f"{e.get('percent', 0)}%"),
                (_("退回次数"), e.get("returns", 0)),
                (_("获批延期次数"), e.get("extensions", 0)),
            ],
        }
    ]


def register() -> None:
    sources.register(
        KIND,
        gettext_lazy("督办事项"),
        link=_link,
        renderer=_render,
        link_text=gettext_lazy("查看来源督办事项"),
        icon="clipboard-check",
    )


def can_open(item: Item, today=None) -> bool:
    """Sent back, or overdue and not done: the item may become a problem."""
    if item.status == ItemStatus.RETURNED:
        return True
    return item.is_open and queries.colour_of(item, today) == queries.RED


def problem_of(item_id: int) -> Problem | None:
    return Problem.objects.filter(source_kind=KIND, source_id=item_id).first()


@transaction.atomic
def put_on_list(*, by, item_id: int, note: str = "") -> Problem:
    """The office puts a returned or failed item on its lead unit's problem list (once)."""
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    if not can_open(item):
        raise DomainError(
            "not_failed",
            _("事项“%(t)s”未被退回、也未逾期，不能列入问题清单。") % {"t": item.title},
            status=409,
        )
    if problem_of(item.pk) is not None:
        raise DomainError("listed", _("该督办事项已列入问题清单。"), status=409)
    lead = Assignment.objects.filter(item=item, role=AssignmentRole.LEAD, active=True).first()
    extensions = item.extensions.filter(status="approved").count()
    status = item.get_status_display()
    overdue = item.status != ItemStatus.RETURNED
    description = f"督办事项“{item.title}”（{item.number}）" + (
        f"逾期未办结（办理时限 {item.deadline.isoformat()}）。" if overdue else "被退回重办。"
    )
    problem = rectification.problem_from_source(
        by=by,
        kind=KIND,
        source_id=item.pk,
        unit_id=lead.unit_id,
        category=Source.TOUR,
        description=description,
        severity=Severity.HIGH if overdue else Severity.MEDIUM,
        evidence={
            "item": item.pk,
            "number": item.number,
            "title": item.title,
            "deadline": item.deadline.isoformat(),
            "status": str(status),
            "percent": item.percent,
            "returns": lead.returns,
            "extensions": extensions,
            "at": clock.now().isoformat(),
        },
        note=note,
    )
    audit.record(
        "jianfu.supervision.item.problem",
        actor=by,
        obj=item,
        extra={"problem": problem.pk, "unit": lead.unit_id},
    )
    return problem
