"""Supervision items' services: the path from creation to closing, and the refusals (a clear
Chinese sentence naming the field and value, nothing saved)."""

import datetime as dt
from decimal import Decimal

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.supervision.items import queries, services
from jianfu.supervision.items.models import (
    Assignment,
    AssignmentRole,
    Event,
    EventKind,
    Extension,
    ExtensionStatus,
    Feedback,
    FeedbackStatus,
    Item,
    ItemSource,
    ItemStatus,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def make(people, units, **kw):
    data = {
        "source": ItemSource.INSTRUCTION,
        "title": "推进农村人居环境整治",
        "deadline": dt.date(2026, 4, 30),
        "lead_unit_id": units["TA"].pk,
        "co_unit_ids": [units["TB"].pk, units["TD01"].pk],
        "instruction": "请于4月底前完成。",
        "leader": "张副市长",
        "issue": True,
    }
    data.update(kw)
    with clock.frozen(DAY):
        return services.item_create(by=people["office"], **data)


def test_an_item_goes_from_issue_to_closing(people, units, django_capture_on_commit_callbacks):
    item = make(people, units)
    assert item.status == ItemStatus.ISSUED
    assert item.number.startswith("DB2026-")
    weights = dict(Assignment.objects.filter(item=item).values_list("unit__code", "weight"))
    assert weights == {"TA": Decimal("0.7"), "TB": Decimal("0.15"), "TD01": Decimal("0.15")}
    a, b = people["contact_a"], people["contact_b"]
    with clock.frozen(dt.date(2026, 3, 3)):
        services.sign(by=a, item_id=item.pk)
        services.plan_file(by=a, item_id=item.pk, plan="分三步推进")
        fb = services.feedback_submit(by=a, item_id=item.pk, text="完成一半", percent=50)
        services.feedback_submit(by=b, item_id=item.pk, text="配合完成", percent=100)
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    # 0.7 × 50 + 0.15 × 100 + 0.15 × 0 = 50
    assert item.percent == 50
    with clock.frozen(dt.date(2026, 3, 4)):
        services.feedback_accept(by=people["office"], feedback_id=fb.pk)
        ext = services.extension_request(
            by=a, item_id=item.pk, new_deadline=dt.date(2026, 5, 15), reason="雨季影响施工"
        )
        services.extension_approve(by=people["office"], extension_id=ext.pk)
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 5, 15)
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED and ext.days > 0
    with clock.frozen(dt.date(2026, 5, 10)):
        services.completion_submit(by=a, item_id=item.pk, text="全部完成")
        services.item_return(by=people["office"], item_id=item.pk, note="佐证不足")
        services.completion_submit(by=a, item_id=item.pk, text="补充完成")
        services.item_close(by=people["office"], item_id=item.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED and item.percent == 100
    kinds = [e.kind for e in queries.history(item)]
    assert kinds[:3] == [EventKind.CREATED, EventKind.ISSUED, EventKind.SIGNED]
    assert kinds[-1] == EventKind.CLOSED and EventKind.RETURNED in kinds
    assert (
        Feedback.objects.filter(assignment__item=item, status=FeedbackStatus.SUBMITTED).count() == 0
    )


def refused(code, fn, **kw):
    with pytest.raises(DomainError) as err:
        fn(**kw)
    assert err.value.code == code, err.value.message
    return str(err.value.message)


def test_a_deadline_before_creation_is_refused_and_nothing_saved(people, units):
    before = (Item.objects.count(), Assignment.objects.count(), Event.objects.count())
    message = refused(
        "deadline_before_creation", make, people=people, units=units, deadline=dt.date(2026, 2, 1)
    )
    assert "2026-02-01" in message and "2026-03-02" in message
    assert (Item.objects.count(), Assignment.objects.count(), Event.objects.count()) == before


def test_feedback_from_a_unit_not_on_the_item_is_refused(people, units):
    item = make(people, units, co_unit_ids=[])
    message = refused(
        "unit_not_on_item",
        services.feedback_submit,
        by=people["office"],
        item_id=item.pk,
        unit_id=units["TB"].pk,
        text="x",
        percent=10,
    )
    assert "乙县" in message
    assert not Feedback.objects.filter(assignment__item=item).exists()


def test_a_percent_over_100_is_refused(people, units):
    item = make(people, units)
    message = refused(
        "percent",
        services.feedback_submit,
        by=people["contact_a"],
        item_id=item.pk,
        text="超额完成",
        percent=120,
    )
    assert "120" in message
    assert not Feedback.objects.filter(assignment__item=item).exists()
    assert Assignment.objects.get(item=item, role=AssignmentRole.LEAD).percent == 0


def test_an_extension_for_a_closed_item_is_refused(people, units):
    item = make(people, units)
    with clock.frozen(dt.date(2026, 3, 10)):
        services.completion_submit(by=people["contact_a"], item_id=item.pk, text="完成")
        services.item_close(by=people["office"], item_id=item.pk)
        message = refused(
            "item_closed",
            services.extension_request,
            by=people["contact_a"],
            item_id=item.pk,
            new_deadline=dt.date(2026, 6, 1),
            reason="再延一月",
        )
    assert "已销号" in message
    assert not Extension.objects.filter(item=item).exists()


def test_an_item_outside_the_units_is_404(people, units):
    item = make(people, units, co_unit_ids=[])
    with pytest.raises(DomainError) as err:
        services.sign(by=people["contact_b"], item_id=item.pk)
    assert err.value.status == 404
    from django.http import Http404

    with pytest.raises(Http404):
        queries.item_for(people["contact_b"], item.pk)
    assert queries.item_for(people["contact_a"], item.pk) == item
    assert queries.item_for(people["office"], item.pk) == item


def test_the_guarded_manager_sees_what_the_scope_issued_or_carries(people, units):
    from jianfu.core.scope_guard import active

    only_a = make(people, units, co_unit_ids=[])
    both = make(people, units, co_unit_ids=[units["TB"].pk, units["TD01"].pk])
    with active(people["contact_b"]):
        assert list(Item.scoped.values_list("pk", flat=True)) == [both.pk]
    with active(people["contact_a"]):
        assert sorted(Item.scoped.values_list("pk", flat=True)) == sorted([only_a.pk, both.pk])
    with active(people["office"]):
        assert Item.scoped.count() == 2
    assert list(queries.visible_items(people["contact_b"])) == [both]
