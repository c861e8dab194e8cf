"""Proposals through the gate, by their services: drafted, submitted (in the plan, or with the
case-by-case reason), approved or returned with reasons (never by the proposing unit), withdrawn,
and issued into the registry without retyping."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.core.audit import AuditEntry
from jianfu.core.errors import DomainError
from jianfu.gate.proposals import queries, services
from jianfu.gate.proposals.models import Proposal, ProposalStatus
from jianfu.notify.models import Message
from jianfu.registry.models import Document, Inspection, Meeting

from .proposals_factory import (  # noqa: F401 (chinese: an autouse fixture)
    DAY,
    chinese,
    document_data,
    draft,
    filed_plan,
    inspection_data,
    meeting_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(DAY):
        yield


def codes(p) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(p.pk), code__startswith="jianfu.gate.proposal")
        .order_by("pk")
        .values_list("code", flat=True)
    )


def test_a_document_in_the_plan_goes_from_draft_to_the_registry(people, units):
    item = filed_plan(units["TA"])
    contact, office = people["contact_a"], people["office"]
    p = draft(contact, document_data(plan_item_id=item.pk))
    assert p.status == ProposalStatus.DRAFT and p.unit == units["TA"]
    services.proposal_submit(by=contact, proposal_id=p.pk)
    queue = queries.review_queue(office)
    assert [x.pk for x in queue] == [p.pk] and queue[0].waiting == 0
    services.proposal_approve(by=office, proposal_id=p.pk)
    message = Message.objects.get(recipient=contact)
    assert "已同意" in message.notice.subject
    services.proposal_issue(
        by=contact, proposal_id=p.pk, number="甲发〔2026〕7号", issued_on=dt.date(2026, 3, 5)
    )
    p.refresh_from_db()
    assert p.status == ProposalStatus.ISSUED
    doc = Document.objects.get(pk=p.record_id)
    assert (doc.unit, doc.title, doc.number, doc.kind) == (
        units["TA"],
        "关于做好春季安全生产工作的通知",
        "甲发〔2026〕7号",
        "red_header",
    )
    assert doc.full_text == p.draft_text and doc.characters == len(p.draft_text)
    assert doc.addressed_levels == ["township"] and doc.reaches_grassroots
    assert codes(p) == [
        "jianfu.gate.proposal.created",
        "jianfu.gate.proposal.submitted",
        "jianfu.gate.proposal.approved",
        "jianfu.gate.proposal.issued",
    ]
    assert AuditEntry.objects.filter(code="jianfu.registry.document.created").exists()


def test_a_meeting_and_an_inspection_become_their_records(people, units):
    contact, office = people["contact_a"], people["office"]
    m = draft(contact, meeting_data())
    i = draft(contact, inspection_data(), target_ids=[units["TA01"].pk])
    for p in (m, i):
        services.proposal_submit(by=contact, proposal_id=p.pk)
        services.proposal_approve(by=office, proposal_id=p.pk)
    services.proposal_issue(by=contact, proposal_id=m.pk, held_on=dt.date(2026, 3, 18))
    services.proposal_issue(
        by=contact, proposal_id=i.pk, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 4, 2)
    )
    meeting = Meeting.objects.get(pk=Proposal.objects.get(pk=m.pk).record_id)
    assert (meeting.level, meeting.form, meeting.attend_levels) == (
        "county",
        "in_person",
        ["township"],
    )
    inspection = Inspection.objects.get(pk=Proposal.objects.get(pk=i.pk).record_id)
    assert list(inspection.targets.all()) == [units["TA01"]]
    assert inspection.in_plan is False  # a case-by-case request: outside the plan
    assert (inspection.starts_on, inspection.ends_on) == (dt.date(2026, 4, 1), dt.date(2026, 4, 2))


def test_out_of_plan_without_a_reason_cannot_be_submitted(people):
    p = draft(people["contact_a"])
    with pytest.raises(DomainError) as e:
        services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)
    assert e.value.field == "out_of_plan_reason" and "一事一报" in str(e.value.message)
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.DRAFT


def test_a_plan_item_of_another_unit_or_dropped_is_refused(people, units):
    other = filed_plan(units["TB"])
    dropped = filed_plan(units["TA"], dropped=True)
    for item in (other, dropped):
        with pytest.raises(DomainError) as e:
            draft(people["contact_a"], document_data(plan_item_id=item.pk))
        assert e.value.field == "plan_item" and str(item.pk) in str(e.value.message)
    assert not Proposal.objects.exists()


def test_returned_with_reasons_then_edited_and_resubmitted(people):
    contact, office = people["contact_a"], people["office"]
    p = draft(contact, document_data(out_of_plan_reason="防汛紧急"))
    services.proposal_submit(by=contact, proposal_id=p.pk)
    with pytest.raises(DomainError) as e:
        services.proposal_return(by=office, proposal_id=p.pk, reasons="  ")
    assert e.value.field == "reasons"
    services.proposal_return(by=office, proposal_id=p.pk, reasons="篇幅过长，请压缩到三千字以内")
    p.refresh_from_db()
    assert p.status == ProposalStatus.RETURNED and "篇幅过长" in p.return_reasons
    assert [x.pk for x in queries.to_do(contact)[ProposalStatus.RETURNED]] == [p.pk]
    notice = Message.objects.get(recipient=contact).notice
    assert "篇幅过长" in notice.body
    services.proposal_save(
        by=contact,
        proposal_id=p.pk,
        data=document_data(draft_text="压缩后的正文。", out_of_plan_reason="防汛紧急"),
    )
    services.proposal_submit(by=contact, proposal_id=p.pk)
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.SUBMITTED


def test_an_approval_by_the_proposing_unit_is_refused(people, units):
    from jianfu.core.models import RoleGrant

    # An office account whose home unit is the county that proposed.
    reviewer = people["contact_b"]
    reviewer.home_unit = units["TA"]
    reviewer.save()
    RoleGrant.objects.create(user=reviewer, role="office")
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    p = draft(people["contact_a"], document_data(out_of_plan_reason="紧急"))
    services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)
    for act in (
        lambda: services.proposal_approve(by=reviewer, proposal_id=p.pk),
        lambda: services.proposal_return(by=reviewer, proposal_id=p.pk, reasons="不同意"),
    ):
        with pytest.raises(DomainError) as e:
            act()
        assert e.value.code == "own_unit"
        assert "本单位提交的申请不能由本单位审核" in str(e.value.message)
    p.refresh_from_db()
    assert p.status == ProposalStatus.SUBMITTED and p.reviewed_by is None
    assert not queries.review_queue(reviewer)  # not offered to review either


def test_a_contact_cannot_review_and_another_county_cannot_reach_it(people):
    from django.core.exceptions import PermissionDenied

    p = draft(people["contact_a"], document_data(out_of_plan_reason="紧急"))
    services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)
    with pytest.raises(PermissionDenied):
        services.proposal_approve(by=people["contact_a"], proposal_id=p.pk)
    with pytest.raises(DomainError) as e:
        services.proposal_withdraw(by=people["contact_b"], proposal_id=p.pk)
    assert e.value.status == 404


def test_withdrawn_and_issued_proposals_cannot_move_on(people):
    contact = people["contact_a"]
    p = draft(contact, document_data(out_of_plan_reason="紧急"))
    services.proposal_withdraw(by=contact, proposal_id=p.pk)
    with pytest.raises(DomainError) as e:
        services.proposal_submit(by=contact, proposal_id=p.pk)
    assert e.value.code == "bad_status" and "已撤回" in str(e.value.message)
    with pytest.raises(DomainError):
        services.proposal_issue(by=contact, proposal_id=p.pk, issued_on=DAY)
    assert not Document.objects.exists()


def test_issue_needs_the_date_and_a_red_header_its_number(people):
    contact = people["contact_a"]
    p = draft(contact, document_data(out_of_plan_reason="紧急"))
    services.proposal_submit(by=contact, proposal_id=p.pk)
    services.proposal_approve(by=people["office"], proposal_id=p.pk)
    with pytest.raises(DomainError) as e:
        services.proposal_issue(by=contact, proposal_id=p.pk, issued_on=None)
    assert e.value.field == "issued_on"
    with pytest.raises(DomainError) as e:
        services.proposal_issue(by=contact, proposal_id=p.pk, issued_on=DAY)
    assert e.value.field == "number"  # the registry's own rule: a red header has its number
    p.refresh_from_db()
    assert p.status == ProposalStatus.APPROVED and p.record_id is None
    assert not Document.objects.exists()


def test_the_queue_lists_the_oldest_first_with_waiting_days(people):
    contact = people["contact_a"]
    first = draft(contact, document_data(out_of_plan_reason="a", title="甲"))
    second = draft(contact, document_data(out_of_plan_reason="b", title="乙"))
    with clock.frozen(DAY - dt.timedelta(days=6)):
        services.proposal_submit(by=contact, proposal_id=second.pk)
    services.proposal_submit(by=contact, proposal_id=first.pk)
    rows = queries.review_queue(people["office"])
    assert [(r.title, r.waiting) for r in rows] == [("乙", 6), ("甲", 0)]
