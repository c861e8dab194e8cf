"""Annual plans' writes: drafting, filing (quotas from the plan unless the office set them),
returning and resubmitting, monthly changes (a past month refused), self-approval refused."""

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.gate.plans import services
from jianfu.gate.plans.models import ChangeAction, ChangeStatus, PlanStatus
from jianfu.registry.models import Quota
from jianfu.registry.quotas.services import quota_set

from .plans_helpers import TODAY, YEAR, doc, filed_plan, inspection, meeting, plan_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def _quotas(unit):
    return dict(Quota.objects.filter(unit=unit, year=YEAR).values_list("category", "limit"))


def test_filing_makes_the_totals_the_units_quotas(people, units):
    ta = units["TA"]
    filed_plan(
        people,
        ta,
        [
            doc(10),
            doc(5, "notice"),
            meeting(4),
            inspection("安全检查", [units["TA01"]], [3]),
            inspection("环保督查", [units["TA01"]], [9], kind="supervision"),
        ],
    )
    assert _quotas(ta) == {"document": 15, "meeting": 4, "inspection": 2}
    assert AuditEntry.objects.filter(code="jianfu.gate.plan.quotas").exists()


def test_a_quota_the_office_set_by_hand_is_kept(people, units):
    ta = units["TA"]
    quota_set(by=people["office"], unit=ta, year=YEAR, category="document", limit=8)
    plan = filed_plan(people, ta, [doc(10), meeting(4)])
    assert _quotas(ta) == {"document": 8, "meeting": 4}
    assert "document" not in plan.applied_quotas


def test_an_approved_change_moves_the_quota_that_came_from_the_plan(people, units):
    ta = units["TA"]
    plan = filed_plan(people, ta, [doc(10), meeting(4)])
    # The office then sets the meetings' quota by hand: the plan no longer moves it.
    quota_set(by=people["office"], unit=ta, year=YEAR, category="meeting", limit=3)
    change = services.change_request(
        by=people["contact_a"],
        plan=plan,
        month=7,
        action=ChangeAction.ADD,
        reason="新增专项工作",
        fields=doc(2, "white_header"),
    )
    services.change_approve(by=people["office"], change=change)
    services.change_request(
        by=people["contact_a"],
        plan=plan,
        month=7,
        action=ChangeAction.ADD,
        reason="新增会议",
        fields=meeting(1),
    )
    assert _quotas(ta) == {"document": 12, "meeting": 3}


def test_a_change_for_a_past_month_is_refused_naming_the_month(people, units):
    plan = filed_plan(people, units["TA"], [doc(10)])
    item = plan.items.get()
    with pytest.raises(DomainError) as e:
        services.change_request(
            by=people["contact_a"],
            plan=plan,
            month=5,
            action=ChangeAction.DROP,
            reason="x",
            item=item,
        )
    assert e.value.code == "past_month"
    assert "2026年5月" in str(e.value.message)
    assert plan.changes.count() == 0
    # Moving into a past month is refused too; the current month is allowed.
    insp = services.change_request(
        by=people["contact_a"],
        plan=plan,
        month=6,
        action=ChangeAction.ADD,
        reason="上级部署",
        fields=inspection("防汛检查", [units["TA01"]], [6, 7]),
    )
    assert insp.status == ChangeStatus.PENDING
    with pytest.raises(DomainError) as e:
        services.change_request(
            by=people["contact_a"],
            plan=plan,
            month=6,
            action=ChangeAction.ADD,
            reason="x",
            fields=inspection("补查", [units["TA01"]], [4]),
        )
    assert "2026年4月" in str(e.value.message)


def test_the_unit_that_submitted_cannot_file_its_own_plan(people, units):
    # The office drafts and submits the city's own plan: it may not file it itself.
    plan = plan_with_items(people["office"], units["T"], [doc(3)])
    services.plan_submit(by=people["office"], plan=plan)
    with pytest.raises(DomainError) as e:
        services.plan_file(by=people["office"], plan=plan)
    assert e.value.code == "self_approval"
    assert "不能为本单位" in str(e.value.message)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert not Quota.objects.filter(unit=units["T"], year=YEAR).exists()


def test_a_contact_cannot_file(people, units):
    plan = plan_with_items(people["contact_a"], units["TA"], [doc(3)])
    services.plan_submit(by=people["contact_a"], plan=plan)
    with pytest.raises(Exception) as e:
        services.plan_file(by=people["contact_a"], plan=plan)
    assert "备案" in str(e.value)


def test_a_returned_plan_is_edited_and_resubmitted(people, units):
    ta = units["TA"]
    plan = plan_with_items(people["contact_a"], ta, [doc(30)])
    services.plan_submit(by=people["contact_a"], plan=plan)
    with pytest.raises(DomainError):
        services.item_save(by=people["contact_a"], plan=plan, fields=doc(1))
    with pytest.raises(DomainError) as e:
        services.plan_return(by=people["office"], plan=plan, reason="  ")
    assert e.value.field == "reason"
    services.plan_return(by=people["office"], plan=plan, reason="发文数量偏多，请压减")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED and plan.return_reason
    item = plan.items.get()
    services.item_save(by=people["contact_a"], plan=plan, fields=doc(20), item=item)
    services.plan_submit(by=people["contact_a"], plan=plan)
    services.plan_file(by=people["office"], plan=plan)
    assert _quotas(ta) == {"document": 20}


def test_bad_items_are_refused_with_their_field(people, units):
    plan = services.plan_draft(by=people["contact_a"], unit=units["TA"], year=YEAR)
    cases = [
        ({"category": "document", "count": 0, "document_kind": "red_header"}, "count"),
        ({"category": "document", "count": 2}, "document_kind"),
        ({"category": "meeting", "count": 2, "meeting_kind": "work"}, "meeting_level"),
        (inspection("检查", [], [3]), "targets"),
        (inspection("检查", [units["TA01"]], [13]), "months"),
        (inspection("", [units["TA01"]], [3]), "title"),
    ]
    for fields, field in cases:
        with pytest.raises(DomainError) as e:
            services.item_save(by=people["contact_a"], plan=plan, fields=fields)
        assert e.value.field == field, fields
    assert plan.items.count() == 0


def test_a_contact_cannot_draft_another_countys_plan(people, units):
    with pytest.raises(DomainError) as e:
        services.plan_draft(by=people["contact_a"], unit=units["TB"], year=YEAR)
    assert e.value.code == "out_of_scope"


def test_approving_a_move_and_a_drop_changes_the_plan(people, units):
    plan = filed_plan(
        people,
        units["TA"],
        [
            inspection("安全检查", [units["TA01"]], [8]),
            inspection("考核", [units["TA01"]], [11], "assessment"),
        ],
    )
    first, second = plan.items.order_by("pk")
    move = services.change_request(
        by=people["contact_a"],
        plan=plan,
        month=7,
        action="move",
        reason="错峰",
        item=first,
        months=[10],
    )
    drop = services.change_request(
        by=people["contact_a"], plan=plan, month=7, action="drop", reason="合并", item=second
    )
    services.change_approve(by=people["office"], change=move)
    services.change_return(by=people["office"], change=drop, note="不同意取消")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.months == [10] and not second.dropped
    with pytest.raises(DomainError):
        services.change_approve(by=people["office"], change=drop)
    assert _quotas(units["TA"]) == {"inspection": 2}
