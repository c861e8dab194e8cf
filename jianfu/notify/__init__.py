"""Notifications: one way for every app to tell people something — the in-platform inbox, email
over SMTP and the DingTalk/WeCom group robots — each message sent once per key, retried, recorded.

    from jianfu import notify
    notify.send("monitoring.reminder", key=f"monitoring.reminder:{point}:{period}:{kind}",
                recipients=[user, unit], subject=…, body=…, link="/report/…")

The kinds are registered (`notify.register(notify.Kind(code, label))`). Nothing is imported from
the models here: apps import this package while Django is still loading them.
"""

from .kinds import Kind, register


def send(kind: str, **kwargs):
    """See services.send."""
    from .services import send as _send

    return _send(kind, **kwargs)


def send_many(kind: str, items, **kwargs):
    """See services.send_many."""
    from .services import send_many as _send_many

    return _send_many(kind, items, **kwargs)


def item(**kwargs):
    from .services import Item

    return Item(**kwargs)


__all__ = ["Kind", "item", "register", "send", "send_many"]
