"""The demo's copy-through: the planted county raises gate_copied with its passages; no clean
unit does, and the clean units' documents stay far below the threshold."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.gate.copies import text
from jianfu.gate.copies.models import Match, Signature
from jianfu.registry.models import Document
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
            root = Unit.objects.get(code="410900")
            counties = list(Unit.objects.filter(kind="county", path__startswith=root.path))
            yield {"counts": counts, "planted": max(counties, key=lambda u: u.path), "root": root}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_planted_county_raises_gate_copied_with_passages(demo, db, client):
    s = Signal.objects.get(rule="gate_copied", unit=demo["planted"])
    copies = s.evidence["copies"]
    assert len(copies) >= 2 and all(c["share"] >= 70 for c in copies)
    first = copies[0]
    doc, source = (
        Document.objects.get(pk=first["document"]),
        Document.objects.get(pk=first["source"]),
    )
    assert source.issued_on < doc.issued_on and source.unit.kind == "department"
    c = text.compare(doc.full_text, source.full_text)
    assert c.passages and c.share * 100 >= 70
    assert 1500 <= len(source.full_text) <= 5200
    office = _office(demo)
    office.password_changed_at = timezone.now()  # the demo's accounts date from its as-of day
    office.save(update_fields=["password_changed_at"])
    client.force_login(office)
    r = client.get(reverse("gate_copies_compare", args=[doc.pk, source.pk]))
    assert r.status_code == 200 and 'class="jf-copy-mark"' in r.content.decode()


def _office(demo):
    from jianfu.core.models import User

    return User.objects.get(username="demo-office")


def test_no_clean_unit_raises_it_and_clean_texts_stay_far_below(demo, db):
    root = demo["root"]
    raised = set(Signal.objects.filter(rule="gate_copied").values_list("unit_id", flat=True))
    assert raised == {demo["planted"].pk}
    signed = Signature.objects.filter(unit__path__startswith=root.path)
    assert signed.exclude(unit=demo["planted"]).count() >= 16
    # (A city document is found in the planted copy of it: that pair is the copy seen backwards.)
    worst = Match.objects.exclude(unit=demo["planted"]).exclude(source_unit=demo["planted"])
    worst = worst.order_by("-share").first()
    assert worst is None or worst.share < 40
