"""Bad input on key projects: a clear Chinese sentence naming the field and the value, and nothing
saved; every write audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry, User
from jianfu.supervision.projects import services
from jianfu.supervision.projects.models import Deal, MonthlyMoney, Project, StartEvent

from . import projects_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(units):
    return f.project(units["TA"], "测试项目", deal=(3, 1000, 100), milestones=2)


def refused(fn, **kwargs) -> DomainError:
    with clock.frozen(f.AS_OF), pytest.raises(DomainError) as e:
        fn(**kwargs)
    return e.value


def test_arrived_above_signed_without_a_note_is_refused(p):
    e = refused(services.deal_arrival, by=f.office(), project=p, amount_arrived="1200")
    assert e.field == "amount_arrived"
    assert "1200" in str(e.message) and "1000" in str(e.message) and "到位说明" in str(e.message)
    assert Deal.objects.get(project=p).amount_arrived == 100
    with clock.frozen(f.AS_OF):
        services.deal_arrival(by=f.office(), project=p, amount_arrived="1200", note="追加投资")
    assert Deal.objects.get(project=p).amount_arrived == 1200


def test_negative_and_non_numeric_amounts_are_refused(p):
    e = refused(
        services.money_record, by=f.office(), project=p, month=f.month(1), planned=100, arrived="-5"
    )
    assert e.field == "arrived" and "-5" in str(e.message) and "负数" in str(e.message)
    e = refused(
        services.money_record, by=f.office(), project=p, month=f.month(1), planned="一百", arrived=0
    )
    assert e.field == "planned" and "一百" in str(e.message)
    assert not MonthlyMoney.objects.filter(project=p).exists()


def test_dates_out_of_order_are_refused(p):
    # Deal signed three months ago: a start before it is refused.
    e = refused(services.project_record_start, by=f.office(), project=p, started_on=f.month(6))
    assert e.field == "started_on" and "签约日期" in str(e.message)
    e = refused(
        services.project_record_start,
        by=f.office(),
        project=p,
        started_on=f.AS_OF + dt.timedelta(days=3),
    )
    assert e.field == "started_on" and "晚于今天" in str(e.message)
    e = refused(
        services.money_record,
        by=f.office(),
        project=p,
        month=f.month(-2),
        planned=10,
        arrived=10,
    )
    assert e.field == "month"
    assert not StartEvent.objects.filter(project=p).exists()
    assert Project.objects.get(pk=p.pk).actual_start is None


def test_a_project_needs_a_name_and_a_unit_in_scope(units):
    contact_b = User.objects.get(username="contact_b")
    e = refused(
        services.project_create,
        by=f.office(),
        unit_id=units["TA"].pk,
        category_id=f.category().pk,
        name="  ",
        location="某地",
    )
    assert e.field == "name"
    with pytest.raises(PermissionDenied):  # a contact may not create projects at all
        services.project_create(
            by=contact_b,
            unit_id=units["TB"].pk,
            category_id=f.category().pk,
            name="乙县项目",
            location="某地",
        )
    assert not Project.objects.exists()


def test_a_contact_cannot_write_another_units_project(p):
    contact_b = User.objects.get(username="contact_b")
    e = refused(services.project_record_start, by=contact_b, project=p, started_on=f.month(1))
    assert e.status == 404
    contact_a = User.objects.get(username="contact_a")
    with clock.frozen(f.AS_OF):
        services.project_record_start(by=contact_a, project=p, started_on=f.month(1))
    assert Project.objects.get(pk=p.pk).status == "started"


def test_every_write_is_audited(p):
    codes = set(
        AuditEntry.objects.filter(
            object_type="supervision.project", object_id=str(p.pk)
        ).values_list("code", flat=True)
    )
    assert {"jianfu.supervision.project.created", "jianfu.supervision.project.deal"} <= codes
