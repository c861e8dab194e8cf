"""The demo's coordination meetings: two, each minuted, with a drafted agenda that carries lines
with figures (an edited one and a free one among them) and decisions turned into supervision
items linked back to their meeting."""

import datetime as dt

import pytest

from jianfu.demo import generator
from jianfu.supervision.meetings.models import AgendaLine, Decision, Meeting, MeetingStatus

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")


def test_two_minuted_meetings_with_agendas_and_decisions_turned_into_items(demo):
    meetings = list(Meeting.objects.order_by("date"))
    assert len(meetings) == 2
    for m in meetings:
        assert m.status == MeetingStatus.MINUTED and m.minutes.text
        assert m.attendees.exists() and m.drafted_at is not None
        lines = AgendaLine.objects.filter(meeting=m, removed=False)
        drafted = lines.exclude(source_id=None)
        assert drafted.exists() and all(line.figures for line in drafted)
        assert lines.filter(section="free").count() == 1
        assert lines.filter(edited=True).exclude(section="free").count() == 1
        decisions = Decision.objects.filter(meeting=m)
        assert decisions.count() == 3
        for d in decisions:
            assert d.item is not None and d.item.source == "meeting"
            assert d.item.meeting_decision == d and d.item.deadline >= m.date
    sections = set(AgendaLine.objects.values_list("section", flat=True))
    assert {"red_items", "quotas", "rectification", "projects", "free"} <= sections
