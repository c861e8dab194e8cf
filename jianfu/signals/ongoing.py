"""Ongoing findings: a monthly rule that finds the same unit and subject month after month raises
ONE signal whose months and evidence grow, not a new signal every month.

A signal of such a rule covers a set of months (its evidence lists them under "months", each with
its own figures and severity; its period reads "2025-03..2025-09", or one month alone). Each run
judges the window of months again; a month found joins the signal that already holds it, else the
signal holding the month before or after it (so a run of months chains into one), else a new
signal. Months outside the window are history and are kept. The signal's severity is the highest
of its months; its top-level evidence is its latest month's, so the page and the headline read as
before, with the months listed beneath.

The lifecycle holds per signal: a dismissed one takes in the next months quietly and reopens only
when their severity rises above the severity it was dismissed at; a confirmed one (a problem in
rectification) takes them in without a new signal and stays frozen; an open one whose months in
the window are no longer found resolves itself.
"""

from dataclasses import dataclass, field

from jianfu.core import periods as period_keys

from .models import Signal, SignalStatus
from .rules import Finding

# What a month's entry keeps of that month's evidence: the series are the point's whole history,
# drawn once from the latest month.
DROPPED = ("series", "as_of", "months")


def months_of(signal: Signal) -> list[str]:
    listed = [m["period"] for m in (signal.evidence or {}).get("months", []) if m.get("period")]
    if listed:
        return sorted(set(listed))
    first, _sep, last = signal.period.partition("..")
    try:
        return period_keys.between(first, last or first)
    except ValueError:
        return []


def entry(f: Finding) -> dict:
    kept = {k: v for k, v in f.evidence.items() if k not in DROPPED}
    return {"period": f.period, "severity": f.severity, **kept}


def period_of(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


@dataclass
class Group:
    """One signal's months after a run: found now, and kept from before."""

    signal: Signal | None
    found: dict[str, Finding] = field(default_factory=dict)
    kept: dict[str, dict] = field(default_factory=dict)  # month → its entry from before

    def months(self) -> set[str]:
        return set(self.found) | set(self.kept)

    def finding(self, unit_id: int, subject: str) -> Finding:
        latest = self.found[max(self.found)]
        entries = {**self.kept, **{m: entry(f) for m, f in self.found.items()}}
        months = sorted(entries)
        ordered = [entries[m] for m in months]
        conditions: list[str] = []
        for e in ordered:
            for c in e.get("conditions", []):
                if c not in conditions:
                    conditions.append(c)
        evidence = dict(latest.evidence)
        evidence["conditions"] = conditions
        evidence["months"] = ordered
        evidence["reports"] = sorted({r for e in ordered for r in e.get("reports", [])})
        points = sorted({p for e in ordered for p in e.get("points", [])})
        if points:
            evidence["points"] = points
        return Finding(
            unit_id=unit_id,
            period=period_of(months),
            subject=subject,
            severity=max(e.get("severity", 1) for e in ordered),
            evidence=evidence,
            conditions=tuple(conditions),
        )


def fold(
    findings: list[Finding], existing: list[Signal], evaluated: set[str]
) -> tuple[list[tuple[Finding, Signal | None]], list[Signal]]:
    """The findings of one run of a monthly rule, folded into ongoing ones: [(finding, the
    signal it updates or None for a new one)], and the open signals none of whose months in the
    window were found (they resolve)."""
    by_key: dict[tuple[int, str], list[Finding]] = {}
    for f in findings:
        by_key.setdefault((f.unit_id, f.subject), []).append(f)
    signals: dict[tuple[int, str], list[Signal]] = {}
    for s in existing:
        signals.setdefault((s.unit_id, s.subject), []).append(s)
    out: list[tuple[Finding, Signal | None]] = []
    lapsed: list[Signal] = []
    for key in sorted(set(by_key) | set(signals)):
        groups = [_group(s, evaluated) for s in sorted(signals.get(key, []), key=_first)]
        held = {s.pk: set(months_of(s)) for s in signals.get(key, [])}
        for f in sorted(by_key.get(key, []), key=lambda f: f.period):
            _owner(groups, held, f.period).found[f.period] = f
        for g in groups:
            if g.found:
                out.append((g.finding(*key), g.signal))
            elif (
                g.signal is not None
                and g.signal.status == SignalStatus.OPEN
                and held[g.signal.pk] & evaluated
            ):
                lapsed.append(g.signal)
    return out, lapsed


def _first(s: Signal) -> str:
    months = months_of(s)
    return months[0] if months else s.period


def _group(s: Signal, evaluated: set[str]) -> Group:
    entries = {e["period"]: e for e in (s.evidence or {}).get("months", []) if e.get("period")}
    if not entries:  # a signal of one month from before months were listed
        entries = {
            m: {"period": m, "severity": s.severity, **_plain(s.evidence)} for m in months_of(s)
        }
    if s.status in (SignalStatus.OPEN, SignalStatus.RESOLVED):
        # The window is judged again: its months stand only if found again (a decision, a
        # dismissal or a confirmation, keeps the months it was made on).
        entries = {m: e for m, e in entries.items() if m not in evaluated}
    return Group(s, kept=entries)


def _plain(evidence: dict) -> dict:
    return {k: v for k, v in (evidence or {}).items() if k not in DROPPED}


def _owner(groups: list[Group], held: dict[int, set[str]], month: str) -> Group:
    """The group a month found joins: the signal holding it, else one holding a neighbouring
    month, else a new group (appended)."""
    for g in groups:
        if g.signal is not None and month in held[g.signal.pk]:
            return g
    near = {period_keys.shift(month, -1), period_keys.shift(month, 1)}
    for g in groups:
        theirs = g.months() | (held[g.signal.pk] if g.signal is not None else set())
        if theirs & near:
            return g
    g = Group(None)
    groups.append(g)
    return g
