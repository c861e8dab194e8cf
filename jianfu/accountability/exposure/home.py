"""Home cards of typical cases: a contact's cases to study (its work to do, until recorded) and
the commission's cases awaiting approval."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .queries import APPROVE, STUDY


def contact(user, today) -> list[home.Card]:
    n = queries.to_study(user).count()
    if not n:
        return []
    return [
        home.Card(
            _("典型案例待学习"),
            reverse("typical_list"),
            count=n,
            note=_("组织学习后在案例页面一步登记"),
            tone="warning",
            icon="journal-text",
        )
    ]


def commission(user, today) -> list[home.Card]:
    n = queries.to_approve(user).count()
    return [
        home.Card(
            _("典型案例待审批"),
            reverse("typical_list") + "?status=redacted",
            count=n,
            note=_("已通过脱敏检查，须由起草人以外的同志审批"),
            tone="warning" if n else "calm",
            icon="journal-check",
        )
    ]


def register() -> None:
    home.register(
        "accountability.typical.contact", contact, roles=[Role.CONTACT], perms=[STUDY], order=45
    )
    home.register(
        "accountability.typical.commission",
        commission,
        roles=[Role.DISCIPLINE],
        perms=[APPROVE],
        order=45,
    )
