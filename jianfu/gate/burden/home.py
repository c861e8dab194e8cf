"""Home cards of the burden meter: a recipient's returns to fill (its work to do) and the office's
forms awaiting admission."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home, scope
from jianfu.core.permissions import Role

from . import queries
from .models import Form, FormStatus
from .services import ADMIT, FILL


def recipient(user, today) -> list[home.Card]:
    open_returns = list(
        queries.returns_to_fill(user, FILL).values_list("request__due_on", flat=True)
    )
    first = min(open_returns, default=None)
    return [
        home.Card(
            _("待填报表"),
            reverse("burden_todo"),
            count=len(open_returns),
            note=(_("最早截止 %(d)s") % {"d": first.isoformat()}) if first else "",
            tone="urgent" if first and first < today else "warning",
            icon="pencil-square",
        )
    ]


def office(user, today) -> list[home.Card]:
    n = scope.visible(
        Form.objects.filter(status=FormStatus.PROPOSED), user, perm=ADMIT, unit_field="sender"
    ).count()
    return [
        home.Card(
            _("报表待准入"),
            reverse("burden_catalogue") + "?" + urlencode({"status": FormStatus.PROPOSED}),
            count=n,
            note=_("审核后准入报表目录或退回"),
            tone="warning",
            icon="table",
        )
    ]


def register() -> None:
    home.register(
        "gate.burden.recipient",
        recipient,
        roles=[Role.CONTACT, Role.REPORTER],
        perms=[FILL],
        order=35,
    )
    home.register("gate.burden.office", office, roles=[Role.OFFICE], perms=[ADMIT], order=35)
