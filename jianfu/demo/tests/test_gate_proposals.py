"""The demo's proposals through the gate: every state is there, the units under the gate have an
approved proposal behind every record since they came under it, and the planted out-of-plan
meeting raises exactly gate_out_of_plan."""

import datetime as dt

import pytest

from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.demo.registry import choose_planted
from jianfu.gate.proposals.models import Enrolment, Proposal, ProposalStatus
from jianfu.registry.models import Meeting
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)
GATE_RULES = ("gate_over_length", "gate_out_of_plan", "gate_unreviewed")


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    return Unit.objects.get(code="410900")


def test_the_demo_has_proposals_in_every_state_and_the_planted_meeting(demo):
    states = set(Proposal.objects.values_list("status", flat=True))
    assert {
        ProposalStatus.DRAFT,
        ProposalStatus.SUBMITTED,
        ProposalStatus.RETURNED,
        ProposalStatus.APPROVED,
        ProposalStatus.ISSUED,
    } <= states
    assert Proposal.objects.filter(status="returned").exclude(return_reasons="").exists()
    enrolled = list(Enrolment.objects.select_related("unit"))
    assert len(enrolled) >= 2  # the tiny city has one clean unit beside the planted one
    signals = list(Signal.objects.filter(rule__in=GATE_RULES))
    planted = choose_planted(
        list(Unit.objects.filter(kind="county", path__startswith=demo.path).order_by("path")),
        list(
            Unit.objects.filter(kind="department", depth=2, path__startswith=demo.path).order_by(
                "path"
            )
        ),
    )
    assert [s.rule for s in signals] == ["gate_out_of_plan"]
    assert signals[0].unit in planted.values()  # never one of the clean units
    meeting = Meeting.objects.get(pk=int(signals[0].subject[1:]))
    assert meeting.title.endswith("重点工作临时推进会")
    returned = Proposal.objects.get(title=meeting.title)
    assert returned.status == ProposalStatus.RETURNED and returned.plan_item is None


def test_an_issued_demo_proposal_is_its_registry_record(demo):
    from jianfu.registry.models import Document

    issued = Proposal.objects.filter(status="issued", category="document", files__isnull=True)
    p = issued.get(title="关于做好年度重点项目谋划储备工作的通知")
    doc = Document.objects.get(pk=p.record_id)
    assert doc.title == p.title and doc.unit_id == p.unit_id and doc.full_text == p.draft_text
