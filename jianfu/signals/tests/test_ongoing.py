"""The same finding month after month is one signal whose months and evidence grow: a dismissed
one does not come back every month unless its severity rises, a confirmed one stays one problem,
an open one resolves when its months are no longer found, and the repeats raised before are
folded by the migration."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from jianfu.core import clock
from jianfu.core import periods as period_keys
from jianfu.signals import services
from jianfu.signals.models import EventKind, Signal, SignalEvent, SignalStatus
from jianfu.signals.problems import problems
from jianfu.signals.rules import RULES, Finding
from jianfu.signals.rules import truth_common as tc

pytestmark = pytest.mark.django_db

RULE = RULES["truth_consistency"]


def month_run(as_of: dt.date, found: dict[str, int], unit, subject: str = "", rule=RULE):
    """One run of the rule as of `as_of` that finds `unit` in the months given (month →
    severity), as the runner applies it."""
    findings = [
        Finding(
            unit_id=unit.pk,
            period=month,
            subject=subject,
            severity=severity,
            conditions=("part_gt_whole",),
            evidence={
                "conditions": ["part_gt_whole"],
                "as_of": as_of.isoformat(),
                "report": 1000 + int(month[5:]),
                "reports": [1000 + int(month[5:])],
                "point": 7,
                "figures": [{"key": "truth.levels_sum", "value": int(month[5:]), "unit": "n"}],
            },
        )
        for month, severity in found.items()
    ]
    with clock.frozen(as_of):
        return services.signals_upsert(
            rule=rule, findings=findings, threshold={}, periods=tc.window(as_of), unit_ids=None
        )


def after(month: str) -> dt.date:
    """The as-of date whose window ends with `month`."""
    first = period_keys.shift(month, 1)
    return dt.date(int(first[:4]), int(first[5:]), 10)


def test_a_finding_repeated_monthly_is_one_signal_that_grows(units):
    ta01 = units["TA01"]
    month_run(after("2025-03"), {"2025-03": 1}, ta01)
    month_run(after("2025-04"), {"2025-03": 1, "2025-04": 1}, ta01)
    month_run(after("2025-05"), {"2025-03": 1, "2025-04": 1, "2025-05": 1}, ta01)
    s = Signal.objects.get(rule=RULE.code, unit=ta01)
    assert s.period == "2025-03..2025-05" and s.status == SignalStatus.OPEN
    assert [m["period"] for m in s.evidence["months"]] == ["2025-03", "2025-04", "2025-05"]
    assert s.evidence["reports"] == [1003, 1004, 1005]
    notes = list(s.events.filter(kind=EventKind.UPDATED).values_list("note", flat=True))
    assert notes[-1] == "持续发现，期间延至 2025-03..2025-05（共 3 个月）。"


def test_a_month_after_a_gap_is_a_new_finding(units):
    ta01 = units["TA01"]
    month_run(after("2025-07"), {"2025-03": 1, "2025-04": 1, "2025-07": 1}, ta01)
    periods = set(Signal.objects.filter(rule=RULE.code, unit=ta01).values_list("period", flat=True))
    assert periods == {"2025-03..2025-04", "2025-07"}


def test_a_dismissed_group_stays_dismissed_until_its_severity_rises(units, people):
    ta01 = units["TA01"]
    month_run(after("2025-04"), {"2025-03": 1, "2025-04": 1}, ta01)
    s = Signal.objects.get(rule=RULE.code, unit=ta01)
    services.signal_dismiss(by=people["office"], signal=s, reason="已核实：该村合并后口径调整。")
    month_run(after("2025-05"), {"2025-03": 1, "2025-04": 1, "2025-05": 1}, ta01)
    month_run(after("2025-06"), {"2025-03": 1, "2025-04": 1, "2025-05": 1, "2025-06": 1}, ta01)
    s.refresh_from_db()
    assert Signal.objects.filter(rule=RULE.code, unit=ta01).count() == 1
    assert s.status == SignalStatus.DISMISSED and s.period == "2025-03..2025-06"
    month_run(
        after("2025-07"),
        {m: 1 for m in ("2025-03", "2025-04", "2025-05", "2025-06")} | {"2025-07": 3},
        ta01,
    )
    s.refresh_from_db()
    assert s.status == SignalStatus.OPEN and s.severity == 3
    assert Signal.objects.filter(rule=RULE.code, unit=ta01).count() == 1


def test_a_confirmed_group_is_one_problem_however_long_it_goes_on(units, people):
    ta01 = units["TA01"]
    month_run(after("2025-04"), {"2025-03": 1, "2025-04": 1}, ta01)
    s = Signal.objects.get(rule=RULE.code, unit=ta01)
    services.signal_confirm(by=people["office"], signal=s, note="属实")
    for last in ("2025-05", "2025-06", "2025-07"):
        months = period_keys.between("2025-03", last)
        month_run(after(last), dict.fromkeys(months, 1), ta01)
    assert Signal.objects.filter(rule=RULE.code, unit=ta01).count() == 1
    assert problems(Signal.objects.filter(rule=RULE.code, unit=ta01)).count() == 1
    s.refresh_from_db()
    assert s.status == SignalStatus.CONFIRMED and s.frozen["evidence"]["reports"] == [1003, 1004]


def test_an_open_group_no_longer_found_resolves_itself(units):
    ta01 = units["TA01"]
    month_run(after("2025-04"), {"2025-03": 1, "2025-04": 1}, ta01)
    month_run(after("2025-05"), {}, ta01)
    s = Signal.objects.get(rule=RULE.code, unit=ta01)
    assert s.status == SignalStatus.RESOLVED
    # Found again next to its months: the same signal reopens, with the months found now.
    month_run(after("2025-06"), {"2025-05": 1, "2025-06": 1}, ta01)
    s.refresh_from_db()
    assert s.status == SignalStatus.OPEN and s.period == "2025-05..2025-06"
    assert Signal.objects.filter(rule=RULE.code, unit=ta01).count() == 1


def test_one_month_corrected_leaves_the_rest_of_the_group(units):
    ta01 = units["TA01"]
    month_run(after("2025-05"), {"2025-03": 1, "2025-04": 1, "2025-05": 1}, ta01)
    month_run(after("2025-05"), {"2025-04": 1, "2025-05": 1}, ta01)
    s = Signal.objects.get(rule=RULE.code, unit=ta01)
    assert s.period == "2025-04..2025-05" and s.status == SignalStatus.OPEN
    assert s.evidence["reports"] == [1004, 1005]


def test_the_migration_folds_the_monthly_repeats_raised_before(units):
    """Seven open signals of one township, month by month, and a lone later one: the seven
    become one (their histories kept), the lone one stays; a dismissed one is left alone."""
    ta01, tb = units["TA01"], units["TB"]
    now = clock.now()

    def make(unit, month, status="open", subject="", **kw):
        s = Signal.objects.create(
            rule="truth_copies",
            unit=unit,
            period=month,
            subject=subject,
            severity=kw.pop("severity", 1),
            status=status,
            evidence={"conditions": ["identical"], "reports": [int(month[5:])], "points": [5]},
            threshold={},
            first_raised_at=now,
            last_seen_at=now,
            **kw,
        )
        SignalEvent.objects.create(signal=s, kind=EventKind.RAISED, at=now)
        return s

    run = [
        make(ta01, f"2025-{m:02d}", subject="previous", severity=2 if m == 5 else 1)
        for m in range(2, 9)
    ]
    lone = make(ta01, "2025-11", subject="previous")
    dismissed = make(tb, "2025-02", "dismissed", "peer", reason="已核实", decided_severity=1)
    make(tb, "2025-03", subject="peer")
    migration = importlib.import_module("jianfu.signals.migrations.0002_fold_ongoing_signals")
    migration.fold(apps, None)
    left = Signal.objects.filter(rule="truth_copies", unit=ta01).order_by("period")
    assert [s.period for s in left] == ["2025-02..2025-08", "2025-11"]
    folded = left[0]
    assert folded.pk == run[0].pk and folded.severity == 2
    assert [m["period"] for m in folded.evidence["months"]] == [
        f"2025-{m:02d}" for m in range(2, 9)
    ]
    assert folded.evidence["reports"] == list(range(2, 9))
    assert folded.events.count() == 7
    assert Signal.objects.filter(pk=lone.pk, period="2025-11").exists()
    assert Signal.objects.filter(pk=dismissed.pk, status="dismissed", period="2025-02").exists()
    # The runner takes the folded signal up where the migration left it.
    months = {f"2025-{m:02d}": 1 for m in range(2, 10)}
    month_run(after("2025-09"), months, ta01, "previous", RULES["truth_copies"])
    folded.refresh_from_db()
    assert folded.period == "2025-02..2025-09"
