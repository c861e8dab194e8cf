"""The signals app's home-page cards: the office's signals waiting for a decision, and the open
signals by severity in a leader's figures."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .models import Severity, SignalStatus


def _url(**params) -> str:
    return reverse("signal_list") + "?" + urlencode(params)


def waiting(user, today) -> list[home.Card]:
    by_severity = queries.open_by_severity(user)
    total = sum(by_severity.values())
    high = by_severity.get(Severity.HIGH, 0)
    note = _("其中高严重程度 %(n)s 条") % {"n": high} if high else ""
    tone = "urgent" if high else "warning"
    return [
        home.Card(
            _("待研判预警"),
            _url(status=SignalStatus.OPEN),
            count=total,
            note=note,
            tone=tone,
            icon="bell",
        )
    ]


def glance(user, today) -> list[home.Card]:
    by_severity = queries.open_by_severity(user)
    tones = {Severity.HIGH: "urgent", Severity.MEDIUM: "warning", Severity.LOW: "normal"}
    parts = tuple(
        home.Part(
            str(label),
            by_severity.get(value, 0),
            _url(status=SignalStatus.OPEN, severity=value),
            tones[value] if by_severity.get(value) else "normal",
        )
        for value, label in sorted(Severity.choices, reverse=True)
    )
    return [
        home.Card(
            _("待研判预警"),
            _url(status=SignalStatus.OPEN),
            count=sum(by_severity.values()),
            note=_("按严重程度"),
            tone="urgent" if by_severity.get(Severity.HIGH) else "normal",
            parts=parts,
            icon="bell",
        )
    ]


def register() -> None:
    home.register(
        "signals.waiting",
        waiting,
        roles=[Role.OFFICE],
        perms=["signals.signal:triage"],
        order=10,
    )
    home.register(
        "signals.glance",
        glance,
        section=home.GLANCE,
        roles=[Role.LEADER],
        perms=["signals.signal:view"],
        order=20,
    )
