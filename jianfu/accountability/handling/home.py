"""The commission's home cards: its clocks running out (red and yellow, worst first — the card's
note names the worst) and the proposals waiting for approval. A fixed number of queries."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .queries import RED, YELLOW
from .services import APPROVE, VIEW


def cards(user, today) -> list[home.Card]:
    clocks = [c for c in queries.running_clocks(user, today) if c.colour in (RED, YELLOW)]
    red = sum(c.colour == RED for c in clocks)
    note = ""
    if clocks:
        worst = clocks[0]
        note = _("最紧：%(unit)s %(label)s，%(due)s到期") % {
            "unit": worst.unit_name,
            "label": worst.label,
            "due": worst.due.isoformat(),
        }
    out = [
        home.Card(
            _("法定时限将到或已过"),
            reverse("acc_clocks"),
            count=len(clocks),
            note=note,
            tone="urgent" if red else "warning",
            parts=(
                home.Part(_("已超期"), red, reverse("acc_clocks") + "?colour=red", "urgent"),
                home.Part(
                    _("临近到期"),
                    len(clocks) - red,
                    reverse("acc_clocks") + "?colour=yellow",
                    "warning",
                ),
            ),
            icon="alarm",
        )
    ]
    if user is not None and home_can(user, APPROVE):
        waiting = queries.awaiting_approval(user).exclude(proposed_by=user).count()
        out.append(
            home.Card(
                _("处置意见待审批"),
                reverse("acc_handling_queue") + "#approvals",
                count=waiting,
                tone="warning",
                icon="check2-square",
            )
        )
    return out


def home_can(user, code) -> bool:
    from jianfu.core import scope

    return scope.can(user, code)


def register() -> None:
    home.register("accountability.handling", cards, roles=[Role.DISCIPLINE], perms=[VIEW], order=20)
