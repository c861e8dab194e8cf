"""Home cards of information reporting: a contact's commissions due (约稿待报), the office's
submissions awaiting a decision."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .services import MANAGE, SUBMIT


def contact(user, today) -> list[home.Card]:
    due = queries.commissions_due(user, today)
    late = [d for d in due if d.deadline < today]
    first = min((d.deadline for d in due), default=None)
    return [
        home.Card(
            _("约稿待报送"),
            reverse("reporting_todo"),
            count=len(due),
            note=(_("最早截止 %(d)s") % {"d": first.isoformat()}) if first else "",
            tone="urgent" if late else "warning",
            icon="megaphone",
        )
    ]


def office(user, today) -> list[home.Card]:
    n = queries.pending_count(user)
    return [
        home.Card(
            _("报送信息待处理"),
            reverse("reporting_submission_list") + "?" + urlencode({"status": "pending"}),
            count=n,
            note=_("采用、登记批示或不予采用"),
            tone="warning",
            icon="megaphone",
        )
    ]


def register() -> None:
    home.register(
        "supervision.reporting.contact", contact, roles=[Role.CONTACT], perms=[SUBMIT], order=30
    )
    home.register(
        "supervision.reporting.office", office, roles=[Role.OFFICE], perms=[MANAGE], order=30
    )
