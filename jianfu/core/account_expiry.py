"""Accounts nobody uses any more, and accounts past their validity end date, are disabled by the
nightly run (等保 level 3: no stale or expired accounts). The last active security administrator
is never disabled: without one, nobody could enable an account again."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models.functions import Coalesce

from . import audit, clock, runtime
from .models import AddressBlock, LoginFailure, User
from .permissions import Role

log = logging.getLogger("jianfu.accounts")


def _candidates(now: dt.datetime) -> list[tuple[User, str]]:
    days = runtime.get("security.stale_account_days")
    cutoff = now - dt.timedelta(days=days)
    today = clock.today()
    qs = User.objects.filter(is_active=True).annotate(seen=Coalesce("last_login", "date_joined"))
    expired = list(qs.filter(valid_until__lt=today))
    stale = list(qs.filter(seen__lt=cutoff).exclude(pk__in=[u.pk for u in expired]))
    return [(u, "expired") for u in expired] + [(u, "stale") for u in stale]


@transaction.atomic
def disable_stale_accounts() -> list[User]:
    """Disable what is due; return the accounts disabled. Safe to run twice."""
    from .services import _bump_access

    now = clock.now()
    secadmins = set(
        User.objects.filter(is_active=True, role_grants__role=Role.SECADMIN).values_list(
            "pk", flat=True
        )
    )
    disabled = []
    for user, reason in _candidates(now):
        if user.pk in secadmins:
            if len(secadmins) <= 1:
                log.warning("not disabling %s: the last active security administrator", user)
                continue
            secadmins.discard(user.pk)
        User.objects.filter(pk=user.pk).update(is_active=False)
        _bump_access(user)
        audit.record(
            "jianfu.core.account.deactivated",
            actor=None,
            obj=user,
            changes={"is_active": [True, False]},
            extra={
                "reason": reason,
                "last_login": user.last_login,
                "valid_until": user.valid_until,
            },
        )
        disabled.append(user)
    # What the lockout and the address throttle count is a day at most; older rows only grow.
    LoginFailure.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    AddressBlock.objects.filter(until__lt=now - dt.timedelta(days=1)).delete()
    return disabled
