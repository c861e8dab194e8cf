"""Fold the open signals that repeat one finding month after month (the monthly rules of sample
points' reports) into one signal per run of consecutive months, as the runner now keeps them
(jianfu/signals/ongoing.py). Only open signals are folded: a confirmed one is a problem in
rectification and a dismissed one carries its own decision. Their histories move to the signal
that stays; the others are deleted (an open signal has no audit entry and no problem)."""

from django.db import migrations

ONGOING_RULES = ("truth_outliers", "truth_consistency", "truth_copies")
DROPPED = ("series", "as_of", "months")


def _shift(month: str, steps: int) -> str:
    year, m = int(month[:4]), int(month[5:7])
    index = year * 12 + (m - 1) + steps
    return f"{index // 12}-{index % 12 + 1:02d}"


def _is_month(period: str) -> bool:
    return len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit()


def _entry(signal) -> dict:
    kept = {k: v for k, v in (signal.evidence or {}).items() if k not in DROPPED}
    return {"period": signal.period, "severity": signal.severity, **kept}


def _runs(signals):
    run = []
    for s in signals:
        if run and _shift(run[-1].period, 1) != s.period:
            yield run
            run = []
        run.append(s)
    if run:
        yield run


def fold(apps, schema_editor):
    Signal = apps.get_model("signals", "Signal")
    SignalEvent = apps.get_model("signals", "SignalEvent")
    groups = {}
    for s in Signal.objects.filter(rule__in=ONGOING_RULES, status="open").order_by("period"):
        if _is_month(s.period):
            groups.setdefault((s.rule, s.unit_id, s.subject), []).append(s)
    for signals in groups.values():
        for run in _runs(signals):
            if len(run) < 2:
                continue
            keep, latest = run[0], run[-1]
            entries = [_entry(s) for s in run]
            conditions = []
            for e in entries:
                for c in e.get("conditions", []):
                    if c not in conditions:
                        conditions.append(c)
            evidence = dict(latest.evidence or {})
            evidence.update(
                conditions=conditions,
                months=entries,
                reports=sorted({r for e in entries for r in e.get("reports", [])}),
            )
            points = sorted({p for e in entries for p in e.get("points", [])})
            if points:
                evidence["points"] = points
            others = [s.pk for s in run[1:]]
            SignalEvent.objects.filter(signal_id__in=others).update(signal_id=keep.pk)
            Signal.objects.filter(pk__in=others).delete()
            keep.period = f"{run[0].period}..{latest.period}"
            keep.evidence = evidence
            keep.severity = max(s.severity for s in run)
            keep.threshold = latest.threshold
            keep.first_raised_at = min(s.first_raised_at for s in run)
            keep.last_seen_at = max(s.last_seen_at for s in run)
            keep.save()


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
