"""Writes on signals: the upsert the runner makes from a rule's findings, and the office's triage
(confirm, dismiss), each a transaction; triage is audited.

The lifecycle (see models.py) lives here, in one place: `signals_upsert` decides for each finding
whether it raises, updates, reopens or leaves a signal alone, and which open signals of what was
evaluated resolve themselves.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError

from . import ongoing, problems
from .models import EventKind, Signal, SignalEvent, SignalStatus
from .rules import RULES, Finding, Rule

audit.describe(
    {
        "jianfu.signals.signal.confirmed": gettext_lazy("确认预警"),
        "jianfu.signals.signal.dismissed": gettext_lazy("排除预警"),
    }
)

# Written on every change of substance; a run that only sees the same figures again touches
# last_seen_at alone.
UPDATE_FIELDS = [
    "period",
    "status",
    "severity",
    "evidence",
    "threshold",
    "last_seen_at",
    "resolved_at",
    "reason",
    "decided_by",
    "decided_at",
    "decided_severity",
]


@dataclass
class UpsertResult:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    seen: int = 0
    events: list[str] = field(default_factory=list)

    def add(self, other: "UpsertResult") -> None:
        for name in ("raised", "updated", "reopened", "resolved", "seen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _existing(rule: str, periods: set[str], unit_ids: list[int] | None) -> list[Signal]:
    qs = Signal.objects.filter(rule=rule, period__in=sorted(periods))
    if unit_ids is None:
        return list(qs)
    ids = sorted(set(unit_ids))
    out = []
    for i in range(0, len(ids), 2000):
        out.extend(qs.filter(unit_id__in=ids[i : i + 2000]))
    return out


@transaction.atomic
def signals_upsert(
    *,
    rule: Rule,
    findings: list[Finding],
    threshold: dict,
    periods: list[str],
    unit_ids: list[int] | None,
) -> UpsertResult:
    """Apply one evaluation of `rule` over `unit_ids` (None: every unit) and `periods`.

    Same key → the one signal is updated; dismissed → reopens only when the severity rises above
    the severity it was dismissed at; resolved → reopens; confirmed → left as confirmed (frozen).
    Open signals of the evaluated units and periods that no finding matched resolve themselves.
    """
    evaluated = set(periods)
    if rule.ongoing:
        return _upsert_ongoing(rule, findings, threshold, evaluated, unit_ids)
    existing = _existing(rule.code, evaluated | {f.period for f in findings}, unit_ids)
    upsert = _Upsert(rule.code, threshold, existing)
    for f in findings:
        upsert.apply(f)
    upsert.resolve_unseen(evaluated)
    upsert.write()
    return upsert.result


def _upsert_ongoing(rule, findings, threshold, evaluated, unit_ids) -> UpsertResult:
    """A monthly rule's findings folded into ongoing signals (ongoing.py): one signal per run of
    months, growing, instead of one per month."""
    qs = Signal.objects.filter(rule=rule.code)
    if unit_ids is None:
        existing = list(qs)
    else:
        ids = sorted(set(unit_ids))
        existing = []
        for i in range(0, len(ids), 2000):
            existing.extend(qs.filter(unit_id__in=ids[i : i + 2000]))
    folded, lapsed = ongoing.fold(findings, existing, evaluated)
    upsert = _Upsert(rule.code, threshold, existing)
    for f, signal in folded:
        upsert.apply(f, signal)
    upsert.resolve(lapsed)
    upsert.write()
    return upsert.result


class _Upsert:
    """One rule's findings against its existing signals, collected, then written in bulk."""

    def __init__(self, rule: str, threshold: dict, existing: list[Signal]):
        self.rule, self.threshold, self.now = rule, threshold, clock.now()
        self.by_key = {(s.unit_id, s.period, s.subject): s for s in existing}
        self.seen: set[tuple] = set()
        self.new: list[Signal] = []
        self.changed: list[Signal] = []
        self.touched: list[int] = []
        self.events: list[SignalEvent] = []
        self.result = UpsertResult()

    def event(self, signal: Signal, kind: str, note: str = "", evidence=None) -> None:
        # Evidence snapshots go with the steps that change what the office sees (reopened,
        # severity rose, resolved); the signal holds the latest evidence, so "raised" needs none.
        self.events.append(
            SignalEvent(
                signal=signal,
                kind=kind,
                at=self.now,
                note=note,
                severity=signal.severity,
                evidence=evidence,
            )
        )
        self.result.events.append(kind)

    def apply(self, f: Finding, signal: Signal | None = None) -> None:
        """`signal`: the one the finding updates when it is not found by its key (an ongoing
        finding whose months, and so its period, grew)."""
        key = (f.unit_id, f.period, f.subject)
        self.seen.add(key)
        s = signal or self.by_key.get(key)
        if s is None:
            self.new.append(
                Signal(
                    rule=self.rule,
                    unit_id=f.unit_id,
                    period=f.period,
                    subject=f.subject,
                    severity=f.severity,
                    status=SignalStatus.OPEN,
                    evidence=f.evidence,
                    threshold=self.threshold,
                    first_raised_at=self.now,
                    last_seen_at=self.now,
                )
            )
        elif s.status != SignalStatus.CONFIRMED:  # a confirmed signal is frozen
            self._update(s, f)

    def _update(self, s: Signal, f: Finding) -> None:
        self.result.seen += 1
        severity, conditions, period = s.severity, s.evidence.get("conditions"), s.period
        status, events = s.status, len(self.events)
        same = (
            s.evidence == f.evidence
            and severity == f.severity
            and s.threshold == self.threshold
            and s.period == f.period
        )
        s.severity, s.evidence, s.threshold, s.last_seen_at, s.period = (
            f.severity,
            f.evidence,
            self.threshold,
            self.now,
            f.period,
        )
        if s.status == SignalStatus.RESOLVED:
            s.status, s.resolved_at = SignalStatus.OPEN, None
            self.event(s, EventKind.REOPENED, _("数据再次触发规则。"), f.evidence)
            self.result.reopened += 1
        elif s.status == SignalStatus.DISMISSED:
            if f.severity > (s.decided_severity or 0):
                note = _("严重程度由“%(a)s”升至“%(b)s”，重新打开。") % {
                    "a": _severity_label(s.decided_severity),
                    "b": _severity_label(f.severity),
                }
                s.status = SignalStatus.OPEN
                s.reason, s.decided_by, s.decided_at, s.decided_severity = "", None, None, None
                self.event(s, EventKind.REOPENED, note, f.evidence)
                self.result.reopened += 1
        elif f.severity > severity:
            self.event(s, EventKind.SEVERITY_ROSE, "", f.evidence)
            self.result.updated += 1
        elif f.severity != severity or list(f.conditions) != conditions:
            self.event(s, EventKind.UPDATED)
            self.result.updated += 1
        if period != f.period and s.status == status and len(self.events) == events:
            months = len(f.evidence.get("months", [])) or 1
            note = _("持续发现，期间延至 %(p)s（共 %(n)s 个月）。") % {"p": f.period, "n": months}
            self.event(s, EventKind.UPDATED, note)
            self.result.updated += 1
        if same and s.status == status and len(self.events) == events:
            self.touched.append(s.pk)  # the same figures seen again
        else:
            self.changed.append(s)

    def resolve_unseen(self, evaluated: set[str]) -> None:
        self.resolve(
            s
            for key, s in self.by_key.items()
            if key not in self.seen and s.status == SignalStatus.OPEN and s.period in evaluated
        )

    def resolve(self, signals) -> None:
        for s in signals:
            s.status, s.resolved_at = SignalStatus.RESOLVED, self.now
            self.event(s, EventKind.RESOLVED, "", s.evidence)
            self.changed.append(s)
            self.result.resolved += 1

    def write(self) -> None:
        if self.new:
            created = Signal.objects.bulk_create(self.new, batch_size=500)
            if created[0].pk is None:  # a backend that returns no ids
                _reload_ids(self.rule, created)
            for s in created:
                self.event(s, EventKind.RAISED)
            self.result.raised = len(created)
        if self.changed:
            Signal.objects.bulk_update(self.changed, UPDATE_FIELDS, batch_size=500)
        for i in range(0, len(self.touched), 2000):
            Signal.objects.filter(pk__in=self.touched[i : i + 2000]).update(last_seen_at=self.now)
        SignalEvent.objects.bulk_create(self.events, batch_size=1000)


def _reload_ids(rule: str, created: list[Signal]) -> None:
    keys = {(s.unit_id, s.period, s.subject): s for s in created}
    q = Q(pk__in=[])
    for unit_id, period, subject in keys:
        q |= Q(unit_id=unit_id, period=period, subject=subject)
    for pk, unit_id, period, subject in Signal.objects.filter(q, rule=rule).values_list(
        "pk", "unit_id", "period", "subject"
    ):
        keys[(unit_id, period, subject)].pk = pk


def _severity_label(value) -> str:
    from .models import Severity

    return str(Severity(value).label) if value in Severity.values else "—"


# --- Triage -------------------------------------------------------------------------------------


def _lock_open(by, signal: Signal) -> Signal:
    scope.require(by, "signals.signal:triage")
    if not scope.covers(by, signal):
        raise DomainError("out_of_scope", _("该预警不在您的范围内。"), status=404)
    locked = Signal.objects.select_for_update().get(pk=signal.pk)
    if locked.status != SignalStatus.OPEN:
        raise DomainError(
            "not_open",
            _("该预警当前为“%(s)s”，只有待研判的预警可以确认或排除。")
            % {"s": locked.get_status_display()},
        )
    return locked


def _decide(signal: Signal, by, status: str) -> None:
    now = clock.now()
    signal.status = status
    signal.decided_by = by
    signal.decided_at = now
    signal.decided_severity = signal.severity


@transaction.atomic
def signal_confirm(*, by, signal: Signal, note: str = "") -> Signal:
    """Confirm: the evidence and the thresholds in force are frozen as they are now, and the signal
    becomes a problem in its unit's list (rectification), in the same transaction."""
    signal = _lock_open(by, signal)
    _confirm(by, signal, (note or "").strip())
    return signal


def _confirm(by, signal: Signal, note: str, **extra) -> None:
    _decide(signal, by, SignalStatus.CONFIRMED)
    signal.note = note
    signal.frozen = {
        "evidence": signal.evidence,
        "threshold": signal.threshold,
        "severity": signal.severity,
        "at": signal.decided_at.isoformat(),
    }
    signal.save()
    SignalEvent.objects.create(
        signal=signal,
        kind=EventKind.CONFIRMED,
        at=signal.decided_at,
        by=by,
        note=note,
        severity=signal.severity,
        evidence=signal.evidence,
    )
    problem = problems.put_on_list(
        signal, by=by, description=_problem_description(signal), category=_source(signal)
    )
    audit.record(
        "jianfu.signals.signal.confirmed",
        actor=by,
        obj=signal,
        changes={"status": [SignalStatus.OPEN, SignalStatus.CONFIRMED]},
        extra={
            "unit": signal.unit_id,
            "rule": signal.rule,
            "period": signal.period,
            "problem": problem.pk,
            **extra,
        },
    )


# The rules that read sample points' reports: their problems come from the grassroots.
SAMPLE_POINT_RULE_GROUPS = ("truth", "felt")


def _source(signal: Signal) -> str:
    from jianfu.rectification.models import Source

    rule = RULES.get(signal.rule)
    return Source.SAMPLE_POINT if rule and rule.group in SAMPLE_POINT_RULE_GROUPS else Source.SIGNAL


def _problem_description(signal: Signal) -> str:
    """The problem's description is data of record, kept in Chinese whatever the confirmer's
    language: the rule, the period and the headline of the evidence."""
    from . import display

    with translation.override("zh-hans"):
        label = display.rule_label(signal.rule)
        subject = display.subject_label(signal.rule, signal.subject)
        if subject:
            label = f"{label}（{subject}）"
        head = display.headline(signal, signal.frozen["evidence"] if signal.frozen else None)
        return f"{label}，{signal.period}：{head}" if head else f"{label}，{signal.period}"


@transaction.atomic
def signal_dismiss(*, by, signal: Signal, reason: str) -> Signal:
    reason = _reason(reason)
    signal = _lock_open(by, signal)
    _dismiss(by, signal, reason)
    return signal


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("排除预警须填写理由。"), field="reason")
    return reason


def _dismiss(by, signal: Signal, reason: str, **extra) -> None:
    _decide(signal, by, SignalStatus.DISMISSED)
    signal.reason = reason
    signal.save()
    SignalEvent.objects.create(
        signal=signal,
        kind=EventKind.DISMISSED,
        at=signal.decided_at,
        by=by,
        note=reason,
        severity=signal.severity,
    )
    audit.record(
        "jianfu.signals.signal.dismissed",
        actor=by,
        obj=signal,
        changes={"status": [SignalStatus.OPEN, SignalStatus.DISMISSED]},
        extra={"unit": signal.unit_id, "rule": signal.rule, "period": signal.period, **extra},
    )


BATCH_MAX = 200


@transaction.atomic
def signals_decide(*, by, signal_ids, action: str, text: str = "") -> list[Signal]:
    """Confirm or dismiss several open signals at once with one note or reason: all of them or
    none. A signal outside the account's scope (or of a kind it may not read) refuses the whole
    batch as not found; one no longer open refuses it by name. Each signal is confirmed (one
    problem each) or dismissed and audited as one alone would be, marked with the batch's size."""
    from . import display, queries

    scope.require(by, "signals.signal:triage")
    if action not in ("confirm", "dismiss"):
        raise DomainError("bad_action", _("请选择“确认”或“排除”。"), field="action")
    text = _reason(text) if action == "dismiss" else (text or "").strip()
    ids = sorted({int(i) for i in signal_ids})
    if not ids:
        raise DomainError("nothing_chosen", _("请先勾选要处理的预警。"))
    if len(ids) > BATCH_MAX:
        raise DomainError(
            "too_many", _("一次最多处理 %(n)s 条预警，请分批处理。") % {"n": BATCH_MAX}
        )
    visible = set(
        scope.visible(
            queries.readable(by).filter(pk__in=ids), by, perm="signals.signal:triage"
        ).values_list("pk", flat=True)
    )
    if visible != set(ids):
        raise DomainError("out_of_scope", _("所选预警中有不在您范围内的预警。"), status=404)
    locked = list(Signal.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    closed = [s for s in locked if s.status != SignalStatus.OPEN]
    if closed:
        names = "、".join(
            f"{display.rule_label(s.rule)} {s.period}（{s.get_status_display()}）"
            for s in closed[:5]
        )
        raise DomainError(
            "not_open",
            _("以下预警已不是待研判状态，本批未作处理：%(s)s。") % {"s": names},
        )
    batch = {"batch": len(locked)}
    for s in locked:
        if action == "confirm":
            _confirm(by, s, text, **batch)
        else:
            _dismiss(by, s, text, **batch)
    return locked
