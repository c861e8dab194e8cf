"""The signal rule of the commission's handling (group "accountability"), added to the signals'
registry (RULES) by setup.ready — signals sits below accountability and never imports it.

- acc_clock_overdue: a statutory clock of the commission (queries.running_clocks) past its due
  date. One signal per clock: subject "<kind>:<record>" (the commission's own clock), period the
  due date's year; severity by working days late (from 5: medium, from 15: high).

Whose signal it is: the clock is the commission's duty, not the subject unit's, so the signal sits
on the top unit of the subject unit's tree (the city, where the commission is), never on the
subject unit: signals are read in the units' scope, and a signal on the subject unit would tell
its contact that a clue about it exists before the commission refers it — a tip-off. Its evidence
carries only the kind of clock, its start and due dates and the days late — never the subject
unit, the informant or the clue's text — and the two informant clocks are named alike
("答复反映人") so that nothing tells who wrote or whether the clue was signed.
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

GROUP = "accountability"
MEDIUM_DAYS, HIGH_DAYS = 5, 15

# The neutral names the signal shows (see the module's note).
SIGNAL_KINDS = {
    "pass_on": _("线索移送"),
    "accept": _("答复反映人"),
    "result": _("答复反映人"),
    "letter": _("函询回复"),
    "adjustment": _("组织调整执行"),
}


def evaluate_overdue(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.core.models import Unit
    from jianfu.signals.rules.base import Finding, figure

    from ..clues.models import Clue
    from .models import Outcome
    from .queries import RED, clocks_of

    overdue = [
        c for c in clocks_of(Clue.objects.all(), Outcome.objects.all(), as_of) if c.colour == RED
    ]
    paths = dict(Unit.objects.filter(pk__in={c.unit_id for c in overdue}).values_list("pk", "path"))
    tops = dict(
        Unit.objects.filter(path__in={p[: Unit.steplen] for p in paths.values()}).values_list(
            "path", "pk"
        )
    )
    out = []
    for c in overdue:
        top = tops[paths[c.unit_id][: Unit.steplen]]
        if unit_ids is not None and top not in unit_ids:
            continue
        late = -c.days_left
        severity = 3 if late >= HIGH_DAYS else 2 if late >= MEDIUM_DAYS else 1
        out.append(
            Finding(
                unit_id=top,
                period=str(c.due.year),
                subject=c.ref,
                severity=severity,
                conditions=("overdue",),
                evidence={
                    "conditions": ["overdue"],
                    "as_of": as_of.isoformat(),
                    "clock": c.kind,
                    "start": c.start.isoformat(),
                    "due": c.due.isoformat(),
                    "days_late": late,
                    "figures": [
                        figure("acc_clock", str(SIGNAL_KINDS[c.kind]), "text"),
                        figure("deadline", c.due.isoformat(), "date"),
                        figure("acc_days_late", late, "count"),
                    ],
                },
            )
        )
    return out


class _NoSubjectLabel(dict):
    def get(self, key, default=None):
        return super().get(key, "")


def _headline(subject: str, evidence: dict) -> str:
    kind = SIGNAL_KINDS.get(evidence.get("clock", ""), "")
    return f"{kind} {evidence.get('due', '')}"


def _rules():
    from jianfu.signals.rules.base import Rule

    return [
        Rule(
            code="acc_clock_overdue",
            label=_("纪检处置法定时限已过"),
            sentence=_(
                "纪委监委的法定办理时限（线索移送5个工作日、答复实名举报人15个工作日、"
                "函询回复15个工作日、组织调整1个月）已过而未办。"
            ),
            evaluate=evaluate_overdue,
            settings=(),
            subjects=_NoSubjectLabel(),
            headline=_headline,
            group=GROUP,
        )
    ]


FIGURE_LABELS = {"acc_clock": _("时限"), "acc_days_late": _("超期工作日")}


def register() -> None:
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES

    FIGURES.update(FIGURE_LABELS)
    RULES.update((r.code, r) for r in _rules())
