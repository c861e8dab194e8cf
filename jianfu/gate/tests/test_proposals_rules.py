"""The gate's rules on planted and clean data: a unit under the gate whose every record has an
approved proposal behind it raises nothing; a record over the length cap, issued out of plan
without approval, or with no proposal at all raises exactly its signal; records before the unit
came under the gate, and units not under it, raise nothing."""

import datetime as dt

import pytest

from jianfu.core import clock, runtime
from jianfu.gate.proposals import services
from jianfu.gate.proposals.config import CAP
from jianfu.gate.proposals.models import Enrolment
from jianfu.registry.models import Document, Inspection, Meeting
from jianfu.registry.records import services as records
from jianfu.signals import runner
from jianfu.signals.models import Signal

from .proposals_factory import (
    document_data,
    draft,
    filed_plan,
    inspection_data,
    meeting_data,
)  # noqa: F401

pytestmark = pytest.mark.django_db

SINCE = dt.date(2026, 3, 1)
AS_OF = dt.date(2026, 3, 31)
GATE_RULES = ["gate_over_length", "gate_out_of_plan", "gate_unreviewed"]


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(dt.date(2026, 3, 10)):
        yield


def run():
    runner.run(as_of=AS_OF, rules=GATE_RULES)
    return {(s.rule, s.subject) for s in Signal.objects.filter(rule__in=GATE_RULES, status="open")}


def issue(people, data, *, target_ids=(), **entered):
    contact = people["contact_a"]
    p = draft(contact, data, target_ids=target_ids)
    services.proposal_submit(by=contact, proposal_id=p.pk)
    services.proposal_approve(by=people["office"], proposal_id=p.pk)
    p = services.proposal_issue(by=contact, proposal_id=p.pk, **entered)
    return p


def enrol(people, unit):
    services.enrolment_add(by=people["office"], unit_ids=[unit.pk], since=SINCE)


def test_a_clean_unit_under_the_gate_raises_nothing(people, units):
    enrol(people, units["TA"])
    item = filed_plan(units["TA"], category="inspection", title="安全督查")
    issue(
        people,
        document_data(out_of_plan_reason="紧急"),
        number="甲发〔2026〕1号",
        issued_on=dt.date(2026, 3, 5),
    )
    issue(people, meeting_data(), held_on=dt.date(2026, 3, 18))
    issue(
        people,
        inspection_data(plan_item_id=item.pk),
        target_ids=[units["TA01"].pk],
        starts_on=dt.date(2026, 3, 20),
        ends_on=dt.date(2026, 3, 21),
    )
    assert Inspection.objects.get().in_plan
    assert run() == set()


def test_a_record_with_no_proposal_is_unreviewed(people, units):
    enrol(people, units["TA"])
    doc = records.record_create(
        Document,
        by=people["contact_a"],
        unit=units["TA"],
        title="未经审核的通知",
        issued_on=dt.date(2026, 3, 6),
        kind="white_header",
        characters=800,
    )
    assert run() == {("gate_unreviewed", f"d{doc.pk}")}
    s = Signal.objects.get(rule="gate_unreviewed")
    assert s.unit == units["TA"] and s.period == "2026"
    assert s.evidence["records"] == {"model": "registry.document", "ids": [doc.pk], "count": 1}


def test_before_the_gate_and_outside_it_nothing_is_raised(people, units):
    enrol(people, units["TA"])
    for unit, day in ((units["TA"], dt.date(2026, 2, 27)), (units["TB"], dt.date(2026, 3, 6))):
        records.record_create(
            Document,
            by=people["office"],
            unit=unit,
            title="早于纳入或未纳入",
            issued_on=day,
            kind="white_header",
            characters=9000,
        )
    assert run() == set()


def test_an_imported_record_is_backed_by_an_approved_proposal_of_the_same_title(people, units):
    enrol(people, units["TA"])
    contact = people["contact_a"]
    p = draft(contact, document_data(out_of_plan_reason="紧急"))
    services.proposal_submit(by=contact, proposal_id=p.pk)
    services.proposal_approve(by=people["office"], proposal_id=p.pk)
    records.record_create(
        Document,
        by=contact,
        unit=units["TA"],
        title=p.title,
        external_id="OA-1",
        number="甲发〔2026〕9号",
        issued_on=dt.date(2026, 3, 7),
        kind="red_header",
        characters=900,
    )
    typed = records.record_create(
        Document,
        by=contact,
        unit=units["TA"],
        title=p.title,
        number="甲发〔2026〕10号",
        issued_on=dt.date(2026, 3, 8),
        kind="red_header",
        characters=900,
    )
    # The imported one is backed by title; one typed in by hand needs its own proposal.
    assert run() == {("gate_unreviewed", f"d{typed.pk}")}


def test_an_out_of_plan_meeting_held_without_approval_is_out_of_plan_only(people, units):
    enrol(people, units["TA"])
    contact = people["contact_a"]
    p = draft(contact, meeting_data(out_of_plan_reason="临时增加"))
    services.proposal_submit(by=contact, proposal_id=p.pk)
    services.proposal_return(by=people["office"], proposal_id=p.pk, reasons="可与春耕会合并")
    meeting = records.record_create(
        Meeting,
        by=contact,
        unit=units["TA"],
        title=p.title,
        held_on=dt.date(2026, 3, 19),
        level="county",
        form="in_person",
        attend_levels=["township"],
    )
    assert run() == {("gate_out_of_plan", f"m{meeting.pk}")}
    s = Signal.objects.get(rule="gate_out_of_plan")
    assert s.evidence["proposal"] == p.pk and s.evidence["proposal_status"] == "returned"


def test_an_inspection_outside_the_plan_without_a_request_is_out_of_plan(people, units):
    enrol(people, units["TA"])
    inspection = records.record_create(
        Inspection,
        by=people["contact_a"],
        unit=units["TA"],
        title="计划外检查",
        kind="check",
        method="on_site",
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 9),
        in_plan=False,
        co_units=[units["TA01"]],
    )
    assert run() == {("gate_out_of_plan", f"i{inspection.pk}")}
    # Approved as a case-by-case request (一事一报), issued: nothing.
    issue(
        people,
        inspection_data(),
        target_ids=[units["TA01"].pk],
        starts_on=dt.date(2026, 3, 23),
        ends_on=dt.date(2026, 3, 24),
    )
    assert not Inspection.objects.get(title="安全生产专项督查").in_plan
    assert run() == {("gate_out_of_plan", f"i{inspection.pk}")}


def test_over_length_uses_the_cap_and_the_special_tasks_own(people, units):
    enrol(people, units["TA"])
    general = issue(
        people,
        document_data(draft_text="字" * 5001, out_of_plan_reason="紧急"),
        number="甲发〔2026〕2号",
        issued_on=dt.date(2026, 3, 5),
    )
    special = issue(
        people,
        document_data(
            title="专项", draft_text="字" * 4500, special_task=True, out_of_plan_reason="紧急"
        ),
        number="甲发〔2026〕3号",
        issued_on=dt.date(2026, 3, 5),
    )
    within = issue(
        people,
        document_data(title="合规", draft_text="字" * 4500, out_of_plan_reason="紧急"),
        number="甲发〔2026〕4号",
        issued_on=dt.date(2026, 3, 5),
    )
    found = run()
    assert found == {
        ("gate_over_length", f"d{general.record_id}"),
        ("gate_over_length", f"d{special.record_id}"),
    }
    s = Signal.objects.get(subject=f"d{special.record_id}")
    assert s.evidence["cap"] == 4000 and s.evidence["special_task"] is True
    assert within.record_id not in {int(x[1][1:]) for x in found}
    # The cap is a runtime setting: raised, the general document passes.
    from jianfu.core.models import RuntimeSetting

    RuntimeSetting.objects.update_or_create(key=CAP, defaults={"value": 6000})
    runtime.invalidate()
    assert run() == {("gate_over_length", f"d{special.record_id}")}


def test_leaving_the_gate_resolves_nothing_new(people, units):
    enrol(people, units["TA"])
    records.record_create(
        Document,
        by=people["contact_a"],
        unit=units["TA"],
        title="未经审核",
        issued_on=dt.date(2026, 3, 6),
        kind="white_header",
        characters=800,
    )
    assert run()
    Enrolment.objects.all().delete()
    runner.run(as_of=AS_OF, rules=GATE_RULES)
    assert not Signal.objects.filter(rule__in=GATE_RULES, status="open").exists()
