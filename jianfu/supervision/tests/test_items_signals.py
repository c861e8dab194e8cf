"""The signals of supervision items: overdue, behind pace, handed back and forth (推诿), deadline
drift — raised for planted cases, not for a clean item."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import RULES
from jianfu.supervision.items import services

pytestmark = pytest.mark.django_db

CODES = ["sup_overdue", "sup_behind", "sup_handover", "sup_drift"]


def new(people, units, title, deadline, created=dt.date(2026, 3, 2), **kw):
    with clock.frozen(created):
        return services.item_create(
            by=people["office"],
            source="instruction",
            title=title,
            deadline=deadline,
            lead_unit_id=units["TA"].pk,
            issue=True,
            **kw,
        )


def run(day):
    with clock.frozen(day):
        runner.run(as_of=day, rules=CODES)
    return {(s.rule, s.unit.code, s.subject) for s in Signal.objects.select_related("unit")}


def test_the_rules_are_registered():
    assert set(CODES) <= set(RULES)
    assert all(RULES[c].group == "supervision" for c in CODES)


def test_a_clean_item_raises_nothing(people, units):
    item = new(people, units, "正常推进", dt.date(2026, 4, 30))
    with clock.frozen(dt.date(2026, 3, 20)):
        services.feedback_submit(by=people["contact_a"], item_id=item.pk, text="顺利", percent=60)
    assert run(dt.date(2026, 3, 23)) == set()


def test_overdue_and_behind_pace(people, units):
    late = new(people, units, "逾期未办", dt.date(2026, 3, 10))
    slow = new(people, units, "进度滞后", dt.date(2026, 4, 30))
    found = run(dt.date(2026, 4, 1))
    assert ("sup_overdue", "TA", f"i{late.pk}") in found
    assert ("sup_behind", "TA", f"i{slow.pk}") in found
    overdue = Signal.objects.get(rule="sup_overdue")
    assert overdue.evidence["days_late"] == 16  # working days 11 March – 1 April


def test_an_item_handed_back_and_forth_is_推诿(people, units):
    item = new(people, units, "来回推", dt.date(2026, 6, 30))
    a_lead = item.assignments.get()
    with clock.frozen(dt.date(2026, 3, 3)):
        b = services.assignment_reassign(
            by=people["office"],
            assignment_id=a_lead.pk,
            unit_id=units["TB"].pk,
            note="甲县称不属于本县职责",
        )
        services.assignment_reassign(
            by=people["office"],
            assignment_id=b.pk,
            unit_id=units["TA"].pk,
            note="乙县称应由甲县牵头",
        )
    found = run(dt.date(2026, 3, 4))
    assert {("sup_handover", "TA", f"i{item.pk}"), ("sup_handover", "TB", f"i{item.pk}")} <= found


def test_deadline_drift_counts_approved_extension_days(people, units):
    from jianfu.core.models import RuntimeSetting

    RuntimeSetting.objects.create(key="supervision.drift_days", value=10)
    first = new(people, units, "一延再延", dt.date(2026, 3, 31))
    second = new(people, units, "又延", dt.date(2026, 4, 10))
    with clock.frozen(dt.date(2026, 3, 5)):
        for it, to in ((first, dt.date(2026, 4, 10)), (second, dt.date(2026, 4, 17))):
            ext = services.extension_request(
                by=people["contact_a"], item_id=it.pk, new_deadline=to, reason="客观原因"
            )
            services.extension_approve(by=people["office"], extension_id=ext.pk)
        rejected = services.extension_request(
            by=people["contact_a"],
            item_id=first.pk,
            new_deadline=dt.date(2026, 6, 30),
            reason="再延",
        )
        services.extension_reject(by=people["office"], extension_id=rejected.pk, note="不予批准")
    found = run(dt.date(2026, 3, 6))
    assert ("sup_drift", "TA", "drift") in found
    drift = Signal.objects.get(rule="sup_drift")
    # 1–10 April: 7 working days (5 April Qingming falls on Sunday, 6 April off); 13–17: 5.
    assert drift.evidence["extensions"] == 2
    assert drift.evidence["days"] == 12
