"""The home page's cards of proposals through the gate: the office's proposals to review (oldest
first, as the queue lists them) and a contact's proposals returned or approved awaiting issue."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .models import ProposalStatus
from .services import REVIEW, SUBMIT


def office_cards(user, today) -> list[home.Card]:
    queue = queries.review_queue(user)
    oldest = queue[0].waiting if queue else 0
    return [
        home.Card(
            _("待审核的发文、会议、督查检查考核申请"),
            reverse("gate_review_queue"),
            count=len(queue),
            note=_("最早一件已等待 %(n)s 天") % {"n": oldest} if queue else "",
            tone="urgent" if oldest >= 5 else "warning",
            icon="shield-check",
        )
    ]


def unit_cards(user, today) -> list[home.Card]:
    if user.home_unit_id is None:
        return []
    rows = queries.to_do(user)
    base = reverse("gate_proposal_list")
    returned = rows[ProposalStatus.RETURNED]
    approved = rows[ProposalStatus.APPROVED]
    return [
        home.Card(
            _("被退回的审核申请"),
            f"{base}?{urlencode({'status': ProposalStatus.RETURNED})}",
            count=len(returned),
            note=_("请按退回理由修改后重新提交") if returned else "",
            tone="urgent",
            icon="arrow-return-left",
        ),
        home.Card(
            _("已同意待登记印发的申请"),
            f"{base}?{urlencode({'status': ProposalStatus.APPROVED})}",
            count=len(approved),
            note=_("印发（召开、开展）后请登记文号、日期") if approved else "",
            tone="warning",
            icon="check2-circle",
        ),
    ]


def register() -> None:
    home.register("gate.proposals.office", office_cards, roles=[Role.OFFICE], perms=[REVIEW])
    home.register("gate.proposals.unit", unit_cards, roles=[Role.CONTACT], perms=[SUBMIT])
