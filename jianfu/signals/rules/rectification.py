"""The rectification ledger's own signals (group "rectification"): a measure past its deadline, a
problem whose measures were returned again and again, a fix that did not hold at the review.

- rect_overdue: a measure still in draft, in progress or returned the day after its deadline. One
  signal per measure (subject "m<id>"), period the deadline's year. Severity by working days late
  (Chinese calendar, office overrides): low, medium from one setting, high from another. A measure
  reopened by a relapse at the review counts against the new deadline the reviewer set (the ledger
  requires one). Submitted, the signal resolves itself.
- rect_returned: a problem whose measures were returned for rework (退回) a setting's number of
  times in all (default twice). Subject "p<id>", period the year of the first return.
- rect_relapse: a problem found to have relapsed (反弹) at a review (回头看). Subject "p<id>",
  period the year of the first relapse.

The unit of every signal is the problem's unit: the ledger is that unit's (its contact answers for
every measure, whoever carries it out), so the inbox and the ledger's overdue counts agree. The
responsible unit and person are in the evidence.

Reads only what could raise a signal: unfinished measures past their deadline, problems with
returns or relapses — a handful of indexed queries whatever the size of the ledger. Runs after
every write on the ledger (tasks.run_rectification_rules) and nightly (an overdue measure is made by
the calendar, not by a write).
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime, workdays
from jianfu.core.runtime import SettingDef
from jianfu.rectification.models import (
    UNFINISHED,
    Measure,
    MeasureKind,
    MeasureStatus,
    Problem,
    Step,
    StepKind,
)

from .base import CHOICES, Finding, Rule, figure, graded, records

OVERDUE_MEDIUM = "rectification.overdue_medium_days"
OVERDUE_HIGH = "rectification.overdue_high_days"
RETURNED_TIMES = "rectification.returned_times"

runtime.define(
    SettingDef(
        OVERDUE_MEDIUM,
        5,
        _("整改逾期：较重（逾期工作日数）"),
        _("整改措施超过完成时限达到此工作日数仍未提交核验，预警为“较重”；不足此数为“一般”。"),
        "business",
        1,
        250,
    ),
    SettingDef(
        OVERDUE_HIGH,
        20,
        _("整改逾期：严重（逾期工作日数）"),
        _("整改措施超过完成时限达到此工作日数仍未提交核验，预警为“严重”。"),
        "business",
        1,
        500,
    ),
    SettingDef(
        RETURNED_TIMES,
        2,
        _("整改多次退回：累计退回次数"),
        _("同一问题的整改措施累计被退回达到此次数即预警；达到两倍为“严重”。"),
        "business",
        1,
        20,
    ),
)

GROUP = "rectification"
SHORT = 60  # characters of a measure's content or a problem's description kept in the evidence

CHOICES["measure_status"] = {s.value: s.label for s in MeasureStatus}
CHOICES["measure_kind"] = {k.value: k.label for k in MeasureKind}


class _NoSubjectLabel(dict):
    """The subject is a record reference ("m12", "p5"): the headline names the record in words,
    so the page shows no separate subject label."""

    def get(self, key, default=None):
        return super().get(key, "")


def _short(text: str, n: int = SHORT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _open_periods(code: str):
    """Every period that holds an open signal of the rule, and this year: each open signal must be
    evaluated, or it could never resolve (an overdue measure of last year submitted today)."""

    def periods(as_of: dt.date) -> list[str]:
        from ..models import Signal, SignalStatus

        held = Signal.objects.filter(rule=code, status=SignalStatus.OPEN)
        found = set(held.values_list("period", flat=True).distinct())
        return sorted(found | {str(as_of.year)})

    return periods


def _in_units(rows, unit_of, unit_ids: list[int] | None) -> list:
    """The rows of the units asked for (None: all). Filtered here, not in SQL: the candidates are
    few (only what is late, returned or relapsed), the list of units may run to thousands."""
    if unit_ids is None:
        return list(rows)
    wanted = set(unit_ids)
    return [r for r in rows if unit_of(r) in wanted]


def _local_day(at: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(at) if at is not None else None


# --- Overdue --------------------------------------------------------------------------------------


def overdue_severity(late_workdays: int, settings: dict) -> int:
    if late_workdays >= settings[OVERDUE_HIGH]:
        return 3
    if late_workdays >= settings[OVERDUE_MEDIUM]:
        return 2
    return 1


def _late_workdays(deadlines: list[dt.date], as_of: dt.date) -> dict[dt.date, int]:
    """Working days after each deadline up to and including as_of, from one pass over the days
    (a measure a year late must not cost a year of calendar look-ups per measure)."""
    if not deadlines:
        return {}
    first = min(deadlines)
    cal = workdays.load(first, as_of)
    counted, day, total = {}, as_of, 0
    wanted = set(deadlines)
    while day > first:
        if cal.is_workday(day):
            total += 1
        day -= dt.timedelta(days=1)
        if day in wanted:
            counted[day] = total
    return counted


def evaluate_overdue(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    qs = Measure.objects.filter(status__in=UNFINISHED, deadline__lt=as_of).select_related(
        "problem", "responsible_unit"
    )
    measures = _in_units(qs, lambda m: m.problem.unit_id, unit_ids)
    late = _late_workdays([m.deadline for m in measures], as_of)
    findings = []
    for m in measures:
        workdays_late = late[m.deadline]
        findings.append(
            Finding(
                unit_id=m.problem.unit_id,
                period=str(m.deadline.year),
                subject=f"m{m.pk}",
                severity=overdue_severity(workdays_late, settings),
                conditions=("overdue", m.status),
                evidence=_overdue_evidence(m, as_of, workdays_late),
            )
        )
    return findings


def _overdue_evidence(m: Measure, as_of: dt.date, workdays_late: int) -> dict:
    p = m.problem
    figs = [
        figure("measure", _short(m.content), "text"),
        figure("problem", _short(p.description), "text"),
        figure("measure_kind", m.kind, "measure_kind"),
        figure("deadline", m.deadline.isoformat(), "date"),
    ]
    if m.working_days:
        figs.append(figure("working_days", m.working_days, "workdays"))
        if m.deadline_from:
            figs.append(figure("deadline_from", m.deadline_from.isoformat(), "date"))
    figs += [
        figure("days_overdue", (as_of - m.deadline).days, "days"),
        figure("workdays_overdue", workdays_late, "workdays"),
        figure("measure_status", m.status, "measure_status"),
        figure("responsible_unit", m.responsible_unit.name, "text"),
        figure("responsible_person", m.responsible_person, "text"),
    ]
    return {
        "conditions": ["overdue", m.status],
        "as_of": as_of.isoformat(),
        "measure": m.pk,
        "problem": p.pk,
        "deadline": m.deadline.isoformat(),
        "days_overdue": (as_of - m.deadline).days,
        "workdays_overdue": workdays_late,
        "status": m.status,
        "responsible_unit": m.responsible_unit_id,
        "figures": figs,
        "records": records("rectification.problem", [p.pk]),
    }


def _figure(evidence: dict, key: str):
    return next((f["value"] for f in evidence.get("figures", []) if f["key"] == key), None)


def overdue_headline(subject: str, evidence: dict) -> str:
    status = CHOICES["measure_status"].get(evidence.get("status"), evidence.get("status"))
    return gettext(
        "整改措施“%(measure)s”已超过完成时限 %(deadline)s，"
        "逾期 %(days)s 天（%(workdays)s 个工作日），目前仍为“%(status)s”"
    ) % {
        "measure": _short(_figure(evidence, "measure") or "", 30),
        "deadline": evidence.get("deadline"),
        "days": evidence.get("days_overdue"),
        "workdays": evidence.get("workdays_overdue"),
        "status": status,
    }


# --- Returned again and again -----------------------------------------------------------------


def evaluate_returned(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    times = int(settings[RETURNED_TIMES])
    totals = (
        Measure.objects.filter(returns__gt=0)
        .values("problem_id", "problem__unit_id")
        .annotate(total=Sum("returns"))
        .filter(total__gte=times)
        .order_by()
    )
    rows = _in_units(totals, lambda row: row["problem__unit_id"], unit_ids)
    total_of = {row["problem_id"]: row["total"] for row in rows}
    if not total_of:
        return []
    problems = Problem.objects.filter(pk__in=list(total_of)).order_by("pk")
    steps = _steps(list(total_of), StepKind.RETURNED)
    findings = []
    for p in problems:
        returned = steps.get(p.pk, [])
        first = _local_day(returned[0].at) if returned else p.found_on
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(first.year),
                subject=f"p{p.pk}",
                severity=graded(total_of[p.pk], times, base=2),
                conditions=("returned",),
                evidence=_returned_evidence(p, total_of[p.pk], returned, as_of),
            )
        )
    return findings


def _steps(problem_ids: list[int], kind: str) -> dict[int, list[Step]]:
    out: dict[int, list[Step]] = defaultdict(list)
    qs = Step.objects.filter(problem_id__in=problem_ids, kind=kind).select_related("measure")
    for s in qs.order_by("at", "pk"):
        out[s.problem_id].append(s)
    return out


def _dated(key: str, n: int, day: dt.date | None, text: str) -> dict:
    """A figure for one event: "第 n 次退回 | 2026-09-15　理由"."""
    return {
        "key": key,
        "value": {"date": day.isoformat() if day else "", "text": _short(text, 120)},
        "unit": "dated",
        "args": {"n": n},
    }


def _returned_evidence(p: Problem, total: int, steps: list[Step], as_of: dt.date) -> dict:
    figs = [
        figure("problem", _short(p.description), "text"),
        figure("returns", total, "times"),
    ]
    events = []
    for i, s in enumerate(steps, 1):
        day = _local_day(s.at)
        figs.append(_dated("return_n", i, day, s.note))
        events.append(
            {
                "date": day.isoformat(),
                "note": s.note,
                "measure": s.measure_id,
                "measure_content": _short(s.measure.content) if s.measure else "",
            }
        )
    return {
        "conditions": ["returned"],
        "as_of": as_of.isoformat(),
        "problem": p.pk,
        "returns": total,
        "events": events,
        "figures": figs,
        "records": records("rectification.problem", [p.pk]),
    }


def returned_headline(subject: str, evidence: dict) -> str:
    events = evidence.get("events") or [{}]
    return gettext(
        "问题“%(problem)s”的整改措施已被退回 %(n)s 次（最近一次 %(last)s），整改质量需关注"
    ) % {
        "problem": _short(_figure(evidence, "problem") or "", 30),
        "n": evidence.get("returns"),
        "last": events[-1].get("date", ""),
    }


# --- Relapse at the review --------------------------------------------------------------------


def evaluate_relapse(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    relapsed = Problem.objects.filter(relapses__gte=1).order_by("pk")
    problems = _in_units(relapsed, lambda p: p.unit_id, unit_ids)
    if not problems:
        return []
    steps = _steps([p.pk for p in problems], StepKind.RELAPSED)
    findings = []
    for p in problems:
        relapsed = steps.get(p.pk, [])
        first = _local_day(relapsed[0].at) if relapsed else p.found_on
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(first.year),
                subject=f"p{p.pk}",
                severity=3 if p.relapses >= 2 else max(2, p.severity),
                conditions=("relapsed",),
                evidence=_relapse_evidence(p, relapsed, as_of),
            )
        )
    return findings


def _relapse_evidence(p: Problem, steps: list[Step], as_of: dt.date) -> dict:
    figs = [
        figure("problem", _short(p.description), "text"),
        figure("relapses", p.relapses, "times"),
    ]
    events, shown = [], set()
    for i, s in enumerate(steps, 1):
        day = _local_day(s.at)
        content = _short(s.measure.content) if s.measure else ""
        if s.measure and s.measure_id not in shown:
            shown.add(s.measure_id)
            figs.append(figure("long_term_measure", content, "text"))
            if s.measure.mechanism:
                figs.append(figure("mechanism", _short(s.measure.mechanism), "text"))
        figs.append(_dated("relapse_n", i, day, s.note))
        events.append(
            {"date": day.isoformat(), "note": s.note, "measure": s.measure_id, "content": content}
        )
    return {
        "conditions": ["relapsed"],
        "as_of": as_of.isoformat(),
        "problem": p.pk,
        "relapses": p.relapses,
        "problem_status": p.status,
        "events": events,
        "figures": figs,
        "records": records("rectification.problem", [p.pk]),
    }


def relapse_headline(subject: str, evidence: dict) -> str:
    events = evidence.get("events") or [{}]
    last = events[-1]
    return gettext("问题“%(problem)s”在 %(date)s 回头看时发现反弹：%(note)s") % {
        "problem": _short(_figure(evidence, "problem") or "", 30),
        "date": last.get("date", ""),
        "note": _short(last.get("note", ""), 40),
    }


OVERDUE = Rule(
    code="rect_overdue",
    label=_("整改逾期"),
    sentence=_(
        "整改措施超过完成时限仍未提交核验（草稿、整改中或被退回）即预警；"
        "逾期满 %(overdue_medium_days)s 个工作日为较重，满 %(overdue_high_days)s 个工作日为严重。"
        "回头看发现反弹的措施，按反弹后重新确定的完成时限计算。"
    ),
    evaluate=evaluate_overdue,
    settings=(OVERDUE_MEDIUM, OVERDUE_HIGH),
    subjects=_NoSubjectLabel(),
    headline=overdue_headline,
    periods=_open_periods("rect_overdue"),
    group=GROUP,
)
RETURNED = Rule(
    code="rect_returned",
    label=_("整改多次退回"),
    sentence=_(
        "同一问题的整改措施累计被退回 %(returned_times)s 次及以上即预警"
        "（达到两倍为严重），提示整改可能敷衍应付。"
    ),
    evaluate=evaluate_returned,
    settings=(RETURNED_TIMES,),
    subjects=_NoSubjectLabel(),
    headline=returned_headline,
    periods=_open_periods("rect_returned"),
    group=GROUP,
)
RELAPSE = Rule(
    code="rect_relapse",
    label=_("整改问题反弹"),
    sentence=_(
        "长效机制类整改措施回头看时发现问题反弹即预警（较重；问题本身严重或反弹两次及以上为严重）。"
    ),
    evaluate=evaluate_relapse,
    settings=(),
    subjects=_NoSubjectLabel(),
    headline=relapse_headline,
    periods=_open_periods("rect_relapse"),
    group=GROUP,
)
RULES = (OVERDUE, RETURNED, RELAPSE)
