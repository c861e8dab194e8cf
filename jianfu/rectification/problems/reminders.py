"""The reminder a responsible unit expects when one of its measures becomes overdue: sent by the
nightly job through the notifications, once per measure and deadline (a new deadline that passes
reminds again)."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu import notify
from jianfu.core import clock

from ..models import Measure
from .queries import overdue_q

KIND = "rectification.measure_overdue"


def overdue_reminders(today: dt.date | None = None) -> int:
    """Remind the responsible unit of every overdue measure; returns how many were new."""
    today = today or clock.today()
    measures = (
        Measure.objects.filter(overdue_q(today)).select_related("responsible_unit").order_by("pk")
    )
    items = [
        notify.item(
            key=f"{KIND}:{m.pk}:{m.deadline.isoformat()}",
            recipients=[m.responsible_unit],
            subject=_("整改措施已逾期：%(u)s") % {"u": m.responsible_unit.name},
            body=_(
                "%(unit)s负责的整改措施“%(c)s”完成时限为 %(d)s，已逾期 %(n)s 天，"
                "请尽快整改并报告进展。"
            )
            % {
                "unit": m.responsible_unit.name,
                "c": _short(m.content),
                "d": m.deadline.isoformat(),
                "n": (today - m.deadline).days,
            },
            link=reverse("problem_detail", args=[m.problem_id]) + f"#m{m.pk}",
        )
        for m in measures
    ]
    return len(notify.send_many(KIND, items)) if items else 0


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
