"""The supervision items demo stage: items in every state and colour for the board and to-do
lists (built with the tiny demo beside the test city, rolled back at the end)."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator
from jianfu.supervision.items import queries
from jianfu.supervision.items.models import Assignment, EventKind, Extension, Item, ItemStatus

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
            yield {"counts": counts, "root": Unit.objects.get(code="410900")}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_items_in_every_state_and_colour(demo, db):
    # The coordination meetings' stage adds the items its decisions became.
    items = Item.objects.filter(issuer=demo["root"], meeting_decision__isnull=True)
    assert demo["counts"]["督办事项"] == items.count() >= 15
    states = set(items.values_list("status", flat=True))
    assert {ItemStatus.ISSUED, ItemStatus.IN_PROGRESS, ItemStatus.SUBMITTED, ItemStatus.CLOSED,
            ItemStatus.RETURNED} <= states  # fmt: skip
    colours = set(queries.colours(items, AS_OF).values())
    assert {"red", "yellow", "blue", "green", "closed"} <= colours
    twice = [i for i in items if i.extensions.filter(status="approved").count() == 2]
    assert twice
    assert items.filter(events__kind=EventKind.REASSIGNED).distinct().count() == 1
    assert Assignment.objects.filter(item__in=items, active=False).count() == 2
    assert Extension.objects.filter(item__in=items, status="pending").exists()


def test_the_demo_board_and_todo_are_lively(demo, client):
    office = User.objects.get(username="demo-office")
    client.force_login(office)
    with clock.frozen(AS_OF):
        board = client.get(reverse("sup_board"))
        todo = client.get(reverse("sup_todo"))
    assert board.status_code == 200 and todo.status_code == 200
    body = todo.content.decode()
    assert "待审批延期" in body and "待审核反馈" in body and "待销号" in body
