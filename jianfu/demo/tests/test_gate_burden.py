"""The demo's burden meter: a dictionary and admitted forms, a request returned by villages with
measured minutes, a draft flagged for data the document registry already holds, and a senders
ranking that is not empty."""

import datetime as dt

import pytest

from jianfu.core.models import User
from jianfu.demo import generator
from jianfu.gate.burden import queries, services
from jianfu.gate.burden.models import DataRequest, Form, FormField, Return

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")


def test_the_demo_has_a_measured_request_a_flagged_draft_and_a_ranking(demo):
    assert FormField.objects.count() >= 6
    assert Form.objects.filter(status="admitted").count() == 2
    assert Form.objects.filter(status="proposed").count() == 1
    sent = DataRequest.objects.get(status="sent")
    m = queries.measured(sent)
    assert m.submitted >= 3 and m.submitted < m.expected and m.minutes_median > 1
    assert Return.objects.filter(request=sent, submitted_at__isnull=False).count() == m.submitted

    flagged = DataRequest.objects.get(status="draft")
    found = queries.flags(flagged)
    assert [f.where for f in found if f.field == "本月收到上级文件数"] == ["发文登记"]
    assert [f.where for f in found if f.field == "本月参加上级会议次数"] == ["会议登记"]

    office = User.objects.get(username="demo-office")
    rows = queries.senders(office, dt.date(2025, 1, 1), AS_OF, perm=services.VIEW)
    assert rows and rows[0].requests == 1 and rows[0].estimated_hours > 0
