"""The scheduled draft: after each month the last month's bulletin is drafted once."""

import pytest

from jianfu.bulletins import tasks
from jianfu.bulletins.models import Bulletin, Status

from .conftest import last_month

pytestmark = pytest.mark.django_db


def test_the_last_month_is_drafted_once(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = tasks.scheduled_draft.call()
    b = Bulletin.objects.get(pk=pk)
    start, end, _label = last_month()
    assert (b.period_start, b.period_end, b.kind) == (start, end, "monthly")
    assert b.status == Status.DRAFT and b.created_by.username == "office"
    assert tasks.scheduled_draft.call() is None
    assert Bulletin.objects.count() == 1
