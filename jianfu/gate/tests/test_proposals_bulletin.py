"""The bulletin's section on proposals (发文会议督查审核情况): the period's reviews, each return
with its reasons, the case-by-case requests approved and the records issued out of plan without
approval — the same figures and sentences as the figures page shows."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.gate.proposals import services
from jianfu.registry.models import Meeting
from jianfu.registry.records import services as records

from .proposals_factory import chinese, document_data, draft, filed_plan, meeting_data  # noqa: F401

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


@pytest.fixture
def period(people, units):
    contact, office = people["contact_a"], people["office"]
    with clock.frozen(dt.date(2026, 2, 20)):  # reviewed before the period: not counted
        early = draft(contact, document_data(title="二月的通知", out_of_plan_reason="早"))
        services.proposal_submit(by=contact, proposal_id=early.pk)
        services.proposal_approve(by=office, proposal_id=early.pk)
    with clock.frozen(dt.date(2026, 3, 10)):
        item = filed_plan(units["TA"])
        planned = draft(contact, document_data(title="计划内通知", plan_item_id=item.pk))
        returned = draft(contact, document_data(title="被退回的通知", out_of_plan_reason="急"))
        case = draft(contact, meeting_data(title="防汛调度会", out_of_plan_reason="汛情紧急"))
        pending = draft(contact, meeting_data(title="临时推进会", out_of_plan_reason="临时"))
        for p in (planned, returned, case, pending):
            services.proposal_submit(by=contact, proposal_id=p.pk)
        services.proposal_approve(by=office, proposal_id=planned.pk)
        services.proposal_approve(by=office, proposal_id=case.pk)
        services.proposal_return(by=office, proposal_id=returned.pk, reasons="篇幅过长")
        services.proposal_return(by=office, proposal_id=pending.pk, reasons="可合并召开")
        services.enrolment_add(by=office, unit_ids=[units["TA"].pk], since=START)
        # The returned meeting held anyway: out of plan without approval.
        held = records.record_create(
            Meeting,
            by=contact,
            unit=units["TA"],
            title="临时推进会",
            held_on=dt.date(2026, 3, 12),
            level="county",
            form="in_person",
            attend_levels=["township"],
        )
    return {"returned": returned, "case": case, "held": held}


def test_the_section_says_what_was_reviewed_returned_and_out_of_plan(people, period):
    with clock.frozen(dt.date(2026, 4, 2)):
        part = bs.SECTIONS["gate_proposals"].build(bs.Context(people["office"], START, END, "3月"))
    figures = {f["label"]: f["value"] for f in part.figures}
    assert figures == {
        "提交审核": 4,
        "审核": 4,
        "同意": 2,
        "退回": 2,
        "计划外“一事一报”同意": 1,
        "计划外未经审批即印发": 1,
    }
    texts = [line["text"] for line in part.lines]
    assert "甲县的发文申请“被退回的通知”被退回，理由：篇幅过长" in texts
    assert "甲县的计划外会议“防汛调度会”经“一事一报”审核同意，事由：汛情紧急" in texts
    assert "甲县的计划外会议“临时推进会”（2026-03-12）未经审批同意即已印发（召开、开展）。" in texts
    assert bs.SECTIONS["gate_proposals"].order == 66


def test_the_section_equals_the_page(client, login, people, period):
    with clock.frozen(dt.date(2026, 4, 2)):
        part = bs.SECTIONS["gate_proposals"].build(bs.Context(people["office"], START, END, "3月"))
        login("office")
        page = client.get(part.url)
    assert page.status_code == 200
    assert page.context["figures"] == part.figures
    assert page.context["lines"] == part.lines
    html = page.content.decode()
    for line in part.lines:
        assert line["text"] in html and line["url"] in html
    assert part.url.startswith(reverse("gate_proposal_figures"))


def test_a_county_drafting_sees_only_its_own(people, period):
    part = bs.SECTIONS["gate_proposals"].build(bs.Context(people["contact_b"], START, END, "3月"))
    assert part.empty
