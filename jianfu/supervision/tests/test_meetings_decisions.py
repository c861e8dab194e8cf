"""A decision of the meeting becomes a supervision item in one step, linked both ways: the item's
source is "meeting decision" and its page shows the meeting; the meeting shows the item and its
colour; the item is on the board. Bad input is refused in Chinese and nothing is saved."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.audit import AuditEntry
from jianfu.core.errors import DomainError
from jianfu.supervision.items import queries as item_queries
from jianfu.supervision.items.models import Item, ItemSource
from jianfu.supervision.meetings import queries, services
from jianfu.supervision.meetings.models import Decision, MeetingStatus

from . import meetings_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(units):
    return f.meeting(units)


def decide(meeting, units, **kw):
    data = {
        "text": "甲县牵头，乙县配合，年底前完成村级组织挂牌清理。",
        "lead_unit_id": units["TA"].pk,
        "co_unit_ids": [units["TB"].pk],
        "deadline": dt.date(2025, 12, 31),
        "leader": "市委秘书长",
    }
    data.update(kw)
    with clock.frozen(f.TODAY):
        return services.decision_create(by=f.user("office"), meeting_id=meeting.pk, **data)


def test_a_decision_becomes_an_item_linked_both_ways(meeting, units, login):
    d = decide(meeting, units)
    item = d.item
    assert item.source == ItemSource.MEETING and item.status == "issued"
    assert item.instruction == d.text and item.deadline == dt.date(2025, 12, 31)
    assert item.title == "甲县牵头，乙县配合，年底前完成村级组织挂牌清理"
    assert item.created_on == meeting.date and item.leader == "市委秘书长"
    assert "第四季度秘书长联席会议" in item.source_ref and "第 1 项" in item.source_ref
    roles = {(a.unit.code, a.role) for a in item.assignments.select_related("unit")}
    assert roles == {("TA", "lead"), ("TB", "co")}
    assert item.meeting_decision == d
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert AuditEntry.objects.filter(code="jianfu.supervision.meeting.decision").exists()
    # The meeting shows the item and its colour.
    with clock.frozen(f.TODAY):
        rows = queries.decisions(meeting)
        assert rows[0].colour == item_queries.colour_of(item)
        client = login("office")
        page = client.get(reverse("sup_meeting_detail", args=[meeting.pk])).content.decode()
        assert item.number in page and f"jf-sup-{rows[0].colour}" in page
        # The item's page shows the meeting.
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
        assert reverse("sup_meeting_detail", args=[meeting.pk]) in page
        assert "会议决定" in page
        # And it is on the board, under its source.
        board = item_queries.board(f.user("office"))
        assert any(r.key == ItemSource.MEETING and r.total == 1 for r in board.by_source)
        assert (
            client.get(reverse("sup_board"), {"source": "meeting"})
            .content.decode()
            .count(item.number)
        )


def test_a_deadline_before_the_meeting_is_refused_and_nothing_saved(meeting, units):
    items = Item.objects.count()
    with pytest.raises(DomainError) as e:
        decide(meeting, units, deadline=dt.date(2025, 11, 1))
    assert e.value.field == "deadline"
    assert str(e.value.message) == "完成时限 2025-11-01 早于会议日期 2025-11-20，请核对。"
    assert Item.objects.count() == items and not Decision.objects.exists()


def test_other_bad_input_is_refused(meeting, units):
    with pytest.raises(DomainError) as e:
        decide(meeting, units, text="  ")
    assert str(e.value.message) == "请填写议定事项。"
    with pytest.raises(DomainError) as e:
        decide(meeting, units, deadline=None)
    assert str(e.value.message) == "请填写完成时限。"
    with pytest.raises(DomainError) as e:
        decide(meeting, units, lead_unit_id=999999)
    assert "999999" in str(e.value.message) and e.value.field == "lead_unit"
    # A meeting still to come takes no decisions.
    later = f.meeting(units, date=dt.date(2025, 12, 10))
    with pytest.raises(DomainError) as e:
        decide(later, units)
    assert "还未到" in str(e.value.message)
    assert not Decision.objects.exists() and not Item.objects.exists()


def test_the_form_keeps_what_was_typed_on_a_bad_deadline(meeting, units, login):
    client = login("office")
    with clock.frozen(f.TODAY):
        answer = client.post(
            reverse("sup_meeting_act", args=[meeting.pk, "decision"]),
            {
                "decision-text": "乙县年底前完成报表清理",
                "decision-lead_unit": units["TB"].pk,
                "decision-deadline": "2025-10-01",
            },
        )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "完成时限 2025-10-01 早于会议日期 2025-11-20，请核对。" in body
    assert "乙县年底前完成报表清理" in body
    assert not Decision.objects.exists()


def test_a_decision_through_the_page(meeting, units, login):
    client = login("office")
    with clock.frozen(f.TODAY):
        answer = client.post(
            reverse("sup_meeting_act", args=[meeting.pk, "decision"]),
            {
                "decision-text": "乙县年底前完成报表清理",
                "decision-lead_unit": units["TB"].pk,
                "decision-co_units": [units["TA"].pk],
                "decision-deadline": "2025-12-20",
            },
        )
    assert answer.status_code == 302
    d = Decision.objects.get()
    assert d.item.source == "meeting" and d.lead_unit == units["TB"]


def test_a_decision_recorded_without_an_item_is_turned_later(meeting, units):
    d = decide(meeting, units, to_item=False)
    assert d.item is None
    with clock.frozen(f.TODAY):
        services.decision_to_item(by=f.user("office"), decision_id=d.pk)
        d.refresh_from_db()
        assert d.item.source == "meeting"
        with pytest.raises(DomainError):
            services.decision_to_item(by=f.user("office"), decision_id=d.pk)
    assert Item.objects.count() == 1
