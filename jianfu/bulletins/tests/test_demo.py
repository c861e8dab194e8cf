"""The bulletins in the demo: last month's published, read by most units but not all; this
month's in draft."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.bulletins.models import Bulletin, Receipt, Status
from jianfu.core.models import Unit
from jianfu.demo import generator

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


@pytest.mark.django_db
def test_last_month_published_and_read_by_most_units_not_all(demo, client):
    root = demo["root"]
    last = Bulletin.objects.get(unit=root, status=Status.PUBLISHED)
    assert (last.period_start, last.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    receipts = Receipt.objects.filter(bulletin=last)
    read = receipts.filter(read_at__isnull=False).count()
    assert receipts.count() > 0 and receipts.count() / 2 < read < receipts.count()
    quota = next(s for s in last.content if s["code"] == "quota")
    assert quota["lines"], "the demo's planted quota laggards are named"
    from jianfu.core.models import User

    client.force_login(User.objects.get(username="demo-office"))
    page = client.get(reverse("bulletin_detail", args=[last.pk])).content.decode()
    assert "尚未确认" in page


@pytest.mark.django_db
def test_this_month_in_draft(demo):
    current = Bulletin.objects.get(unit=demo["root"], status=Status.DRAFT)
    assert current.period_start == dt.date(2026, 11, 1)
