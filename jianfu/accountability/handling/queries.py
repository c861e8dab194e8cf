"""Reads of the commission's handling: the statutory clocks, the disposition queue, the cases and
the outcomes of a period.

The clocks (working days, jianfu.core.workdays: holidays and make-up days known):
- pass_on: a clue belonging to another level passed on within 5 working days of receipt — runs
  while its "passed on" proposal awaits approval (approval passes it on);
- accept: a real-name informant told of the acceptance within 15 working days of receipt;
- result: a real-name informant told of the result within 15 working days of the clue's closure;
- letter: a letter of inquiry (函询) answered within 15 working days of being sent;
- adjustment: an organisational adjustment carried out within a month of the decision.
Colours: red once the due date has passed, yellow within the setting's working days of it, else
green. Nothing here reads the informant's identity.
"""

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import clock, scope, workdays

from ..clues.models import Clue, ClueStatus
from . import config
from .models import (
    Case,
    CaseStatus,
    Disposition,
    DispositionKind,
    DispositionStatus,
    InquiryMode,
    Outcome,
    OutcomeKind,
)
from .services import VIEW

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOUR_ORDER = {RED: 0, YELLOW: 1, GREEN: 2}
PASS_ON_DAYS, ACCEPT_DAYS, RESULT_DAYS, LETTER_DAYS = 5, 15, 15, 15

CLOCK_LABELS = {
    "pass_on": gettext_lazy("移送其他层级（收到后5个工作日内）"),
    "accept": gettext_lazy("告知实名举报人受理情况（收到后15个工作日内）"),
    "result": gettext_lazy("告知实名举报人处理结果（办结后15个工作日内）"),
    "letter": gettext_lazy("函询回复（发函后15个工作日内）"),
    "adjustment": gettext_lazy("组织调整执行（决定后1个月内）"),
}


@dataclass(frozen=True)
class Clock:
    kind: str
    ref: str  # the subject of its signal: "<kind>:<record id>"
    clue_id: int
    case_id: int | None
    unit_id: int
    unit_name: str
    start: dt.date
    due: dt.date
    colour: str
    days_left: int  # working days from today to the due date (negative: late)

    @property
    def label(self) -> str:
        return str(CLOCK_LABELS[self.kind])

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def url(self) -> str:
        if self.case_id:
            return reverse("acc_case_detail", args=[self.case_id])
        return reverse("acc_clue_handling", args=[self.clue_id])


def add_month(day: dt.date) -> dt.date:
    """The same day a month later (the month's last day when it has fewer days)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _local(at: dt.datetime) -> dt.date:
    return timezone.localdate(at)


def colour_of(due: dt.date, today: dt.date, cal) -> tuple[str, int]:
    left = cal.workdays_between(today, due)
    if today > due:
        return RED, left
    return (YELLOW if left <= config.yellow_days() else GREEN), left


def _clues(principal, perm):
    return scope.visible(Clue.objects.all(), principal, perm=perm, unit_field="subject_unit")


def running_clocks(principal, today: dt.date | None = None, *, perm: str = VIEW) -> list[Clock]:
    """Every running clock in the principal's scope, worst first (red, then yellow, then green;
    the earliest due first within a colour). A fixed number of queries."""
    outcomes = scope.visible(Outcome.objects.all(), principal, perm=perm, unit_field="case__unit")
    return clocks_of(_clues(principal, perm), outcomes, today or clock.today())


def clocks_of(clues, outcomes, today: dt.date) -> list[Clock]:
    """The running clocks of these clues and outcomes (the signal rule reads them all)."""
    raw: list[tuple] = []  # (kind, ref, clue, case_id, start, working days)
    clues = clues.select_related("subject_unit")
    for d in Disposition.objects.filter(
        clue__in=clues, kind=DispositionKind.PASSED_ON, status=DispositionStatus.PROPOSED
    ).select_related("clue__subject_unit"):
        raw.append(("pass_on", f"d{d.pk}", d.clue, None, _local(d.clue.received_at), PASS_ON_DAYS))
    for c in (
        clues.filter(real_name=True)
        .filter(Q(track__isnull=True) | Q(track__told_accepted_at__isnull=True))
        .exclude(status=ClueStatus.PASSED_ON)
    ):
        raw.append(("accept", f"c{c.pk}", c, None, _local(c.received_at), ACCEPT_DAYS))
    for c in clues.filter(
        real_name=True, track__concluded_at__isnull=False, track__told_result_at__isnull=True
    ).select_related("track"):
        raw.append(("result", f"c{c.pk}", c, None, _local(c.track.concluded_at), RESULT_DAYS))
    for d in Disposition.objects.filter(
        clue__in=clues,
        kind=DispositionKind.INQUIRY,
        inquiry_mode=InquiryMode.LETTER,
        status=DispositionStatus.APPROVED,
        sent_at__isnull=False,
        answered_at__isnull=True,
    ).select_related("clue__subject_unit"):
        raw.append(("letter", f"d{d.pk}", d.clue, None, _local(d.sent_at), LETTER_DAYS))
    outcomes = outcomes.filter(
        kind=OutcomeKind.ADJUSTMENT, carried_out_at__isnull=True
    ).select_related("case__unit")
    adjustments = [(o, _local(o.decided_at)) for o in outcomes]
    if not raw and not adjustments:
        return []
    starts = [r[4] for r in raw] + [a[1] for a in adjustments] + [today]
    cal = workdays.load(min(starts))
    out = []
    for kind, ref, clue, case_id, start, days in raw:
        due = cal.add_workdays(start, days)
        colour, left = colour_of(due, today, cal)
        out.append(
            Clock(
                kind,
                f"{kind}:{ref}",
                clue.pk,
                case_id,
                clue.subject_unit_id,
                clue.subject_unit.name,
                start,
                due,
                colour,
                left,
            )
        )
    for o, start in adjustments:
        due = add_month(start)
        colour, left = colour_of(due, today, cal)
        out.append(
            Clock(
                "adjustment",
                f"adjustment:o{o.pk}",
                o.case.clue_id,
                o.case_id,
                o.case.unit_id,
                o.case.unit.name,
                start,
                due,
                colour,
                left,
            )
        )
    out.sort(key=lambda c: (COLOUR_ORDER[c.colour], c.due, c.ref))
    return out


def clock_counts(clocks: list[Clock]) -> Counter:
    return Counter(c.colour for c in clocks)


# --- The queue, the clue's panel, the cases -------------------------------------------------------


def awaiting_disposition(principal, *, perm: str = VIEW):
    """First clues of their clusters still waiting for a disposition, oldest first."""
    return (
        _clues(principal, perm)
        .filter(status=ClueStatus.RECEIVED, cluster__isnull=True)
        .select_related("subject_unit")
        .order_by("received_at", "pk")
    )


def awaiting_approval(principal, *, perm: str = VIEW):
    return (
        scope.visible(
            Disposition.objects.filter(status=DispositionStatus.PROPOSED),
            principal,
            perm=perm,
            unit_field="clue__subject_unit",
        )
        .select_related("clue__subject_unit", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def cases(principal, *, perm: str = VIEW, status: str = ""):
    qs = scope.visible(Case.objects.all(), principal, perm=perm).select_related("unit")
    if status in CaseStatus.values:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.order_by("pk"))
    ).order_by("-opened_at", "-pk")


# --- Outcomes of a period -----------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodOutcomes:
    start: dt.date
    end: dt.date
    counts: list[tuple[str, str, int]]  # (kind, label, count), every kind
    cases: list[dict]  # concluded cases: unit, title, outcomes by position only

    @property
    def total(self) -> int:
        return sum(n for _k, _l, n in self.counts)


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def who(outcome: Outcome) -> str:
    """An outcome's subject by position only (never a name): the unit itself when none."""
    if outcome.position:
        return outcome.position
    if outcome.person:
        return _("相关人员")
    return _("党组织（单位）")


def period_outcomes(principal, start: dt.date, end: dt.date, *, perm: str = VIEW):
    """The outcomes decided in [start, end] (counts by kind) and the cases concluded in it (the
    unit and the people by position only)."""
    lo, hi = _bounds(start, end)
    outcomes = scope.visible(
        Outcome.objects.filter(decided_at__gte=lo, decided_at__lt=hi),
        principal,
        perm=perm,
        unit_field="case__unit",
    )
    counted = Counter(outcomes.values_list("kind", flat=True))
    counts = [(k, str(label), counted.get(k, 0)) for k, label in OutcomeKind.choices]
    concluded = (
        scope.visible(
            Case.objects.filter(concluded_at__gte=lo, concluded_at__lt=hi), principal, perm=perm
        )
        .select_related("unit")
        .prefetch_related(Prefetch("outcomes", queryset=Outcome.objects.order_by("pk")))
        .order_by("concluded_at", "pk")
    )
    rows = [
        {
            "id": c.pk,
            "unit": c.unit.name,
            "unit_id": c.unit_id,
            "title": c.title,
            "concluded": _local(c.concluded_at),
            "outcomes": [(who(o), str(o.get_kind_display())) for o in c.outcomes.all()],
        }
        for c in concluded
    ]
    return PeriodOutcomes(start, end, counts, rows)


def case_sentence(row: dict) -> str:
    parts = "；".join(f"{w}：{k}" for w, k in row["outcomes"])
    return _("%(unit)s %(title)s（%(date)s作出处理）：%(parts)s。") % {
        "unit": row["unit"],
        "title": row["title"],
        "date": row["concluded"].isoformat(),
        "parts": parts,
    }
