"""Signals as a source of problems: a confirmed signal goes on its unit's problem list.

Rectification knows its sources only by what they register (rectification/sources.py): the kind
"signal", the link back to the signal's page and the renderer that words the evidence frozen at
confirmation. The problem names the signal by (source_kind, source_id); the helpers here find the
problems that signals became.
"""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jianfu.core import scope
from jianfu.rectification import sources
from jianfu.rectification.models import Problem
from jianfu.rectification.problems import services as rectification

from .display import problem_evidence

KIND = "signal"


def _link(signal_id: int, user) -> str | None:
    # The signal's page answers 404 outside the reader's scope, as every page does.
    return (
        reverse("signal_detail", args=[signal_id])
        if scope.can(user, "signals.signal:view")
        else None
    )


def register() -> None:
    sources.register(
        KIND,
        _("预警"),
        link=_link,
        renderer=problem_evidence,
        link_text=_("查看来源预警"),
        icon="bell",
        note=_("以上为预警确认时固定的证据；图表和相关登记记录见来源预警页。"),
    )


def put_on_list(signal, *, by, description: str, category: str) -> Problem:
    """A confirmed signal becomes a problem of its unit, carrying what was frozen at confirmation
    (the evidence, the thresholds in force, the severity) and the signal's key."""
    return rectification.problem_from_source(
        by=by,
        kind=KIND,
        source_id=signal.pk,
        unit_id=signal.unit_id,
        category=category,
        description=description,
        severity=signal.severity,
        evidence={
            "signal": signal.pk,
            "rule": signal.rule,
            "period": signal.period,
            "subject": signal.subject,
            **(signal.frozen or {}),
        },
        note=signal.note,
    )


def problems(signals) -> QuerySet[Problem]:
    """The problems the given signals became: a queryset of signals, or signals or their ids."""
    if hasattr(signals, "values_list"):
        ids = signals.values("pk")
    else:
        ids = [getattr(s, "pk", s) for s in signals]
    return Problem.objects.filter(source_kind=KIND, source_id__in=ids)


def problem_for(signal) -> Problem:
    """The problem a confirmed signal became (Problem.DoesNotExist when there is none)."""
    return problems([signal]).get()
