"""Helpers of the handling tests: clues made directly (the clue ledger's services are another
part's), a second commission account (approval needs another person), times in Beijing."""

import datetime as dt

from django.utils import timezone

from jianfu.accountability.clues.models import Clue
from jianfu.core.models import RoleGrant, Unit, User


def at(y, m, d, h=10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h))


def clue(unit_code="TA", *, received=None, real_name=False, cluster=None, text="会议过多") -> Clue:
    return Clue.objects.create(
        channel="public",
        received_at=received or at(2026, 9, 29),
        subject_unit=Unit.objects.get(code=unit_code),
        category="meetings",
        text=text,
        real_name=real_name,
        cluster=cluster,
    )


def second_commissioner() -> User:
    user, made = User.objects.get_or_create(
        username="discipline2",
        defaults={"full_name": "纪委二", "home_unit": Unit.objects.get(code="T")},
    )
    if made:
        RoleGrant.objects.create(user=user, role="discipline")
    return user
