"""The home page's cards of supervision items: a unit's items to sign for and feedback due; the
office's extensions to approve, feedback to review and items waiting to be closed. Counted from
the to-do list (queries.todo), so a card and the list it links to agree."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .services import HANDLE, MANAGE


def unit_cards(user, today) -> list[home.Card]:
    if user.home_unit_id is None:
        return []
    rows = [
        t
        for t in queries.todo(user, today)
        if t.assignment is not None and t.assignment.unit_id == user.home_unit_id
    ]
    url = reverse("sup_todo")
    sign = [t for t in rows if t.kind == "sign"]
    due = [t for t in rows if t.kind == "feedback"]
    late = sum(1 for t in due if t.due < today)
    return [
        home.Card(
            _("督办事项待签收"),
            url,
            count=len(sign),
            note=_("签收后请报送办理方案"),
            tone="warning",
            icon="pen",
        ),
        home.Card(
            _("督办事项待反馈"),
            url,
            count=len(due),
            note=_("其中 %(n)s 项已过反馈日期") % {"n": late}
            if late
            else _("表单已按上次反馈预先填好"),
            tone="urgent" if late else "warning",
            icon="chat-left-text",
        ),
    ]


def office_cards(user, today) -> list[home.Card]:
    counts = queries.todo_counts(user, today)
    url = reverse("sup_todo")
    return [
        home.Card(
            _("督办延期待审批"),
            url,
            count=counts.get("extension", 0),
            tone="warning",
            icon="calendar-plus",
        ),
        home.Card(
            _("督办反馈待审核"),
            url,
            count=counts.get("feedback_review", 0),
            icon="chat-left-text",
        ),
        home.Card(
            _("督办事项待销号"),
            url,
            count=counts.get("close", 0),
            icon="check2-square",
        ),
    ]


def register() -> None:
    home.register(
        "supervision.items.unit",
        unit_cards,
        roles=[Role.CONTACT],
        perms=[HANDLE],
        order=15,
    )
    home.register(
        "supervision.items.office",
        office_cards,
        roles=[Role.OFFICE],
        perms=[MANAGE],
        order=25,
    )
