"""Reads of the notifications. A message is its recipient's alone: every read of the inbox is bound
to the account (another account's message answers 404). The delivery log and a unit's channels
start from the scope."""

from django.db.models import QuerySet
from django.http import Http404

from jianfu.core import scope
from jianfu.core.models import Unit

from . import config, kinds
from .models import ROBOTS, SWITCHABLE, Delivery, Message, Preference, Robot

PAGE = 30


def unread_count(user) -> int:
    """The navigation's badge (one COUNT on a partial index)."""
    if not getattr(user, "pk", None) or getattr(user, "is_token", False):
        return 0
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user, *, unread_only: bool = False) -> QuerySet:
    qs = Message.objects.filter(recipient=user).select_related("notice")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def message_for(user, pk) -> Message:
    """One's own message, or 404 (another account's message does not exist for you)."""
    try:
        return Message.objects.select_related("notice").get(pk=pk, recipient=user)
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def deliveries(user, *, status: str = "", channel: str = "") -> QuerySet:
    qs = scope.visible(Delivery.objects.all(), user, perm="notify.delivery:view")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.select_related("notice", "unit", "recipient").order_by("-created_at", "-pk")


def manageable_units(user) -> QuerySet:
    """The open units whose channels the account may set: its own and those below it."""
    qs = scope.visible(Unit.objects.all(), user, perm="notify.channel:manage", unit_field=None)
    return qs.filter(valid_until__isnull=True).order_by("path")


def switchable_kinds() -> list:
    return sorted((k for k in kinds.KINDS.values() if k.switchable), key=lambda k: k.code)


def unit_channels(unit: Unit) -> dict:
    """What the settings page shows for a unit: its robots (whether a URL and a secret are set,
    never their values) and, per kind, which channels are on."""
    robots = {r.channel: r for r in Robot.objects.filter(unit=unit)}
    prefs = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(unit=unit)}
    rows = [
        {
            "kind": k,
            "channels": [
                (c.value, c.label, prefs.get((k.code, c.value), True)) for c in SWITCHABLE
            ],
        }
        for k in switchable_kinds()
    ]
    return {
        "robots": [
            {
                "channel": c.value,
                "label": c.label,
                "url": robots[c].url if c in robots else "",
                "has_secret": bool(c in robots and robots[c].secret),
            }
            for c in ROBOTS
        ],
        "rows": rows,
        "email_on": config.smtp() is not None,
    }
