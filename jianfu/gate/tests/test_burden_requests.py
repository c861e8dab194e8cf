"""The burden meter's requests: only from the catalogue; the fields the platform holds flagged
with where, before sending; the estimate and its calibration by measured times."""

import datetime as dt

import pytest
from django.utils import timezone

from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.gate.burden import queries, services
from jianfu.gate.burden.models import DataRequest, Return
from jianfu.gate.tests.burden_city import admitted_form, dictionary, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(people):
    return dictionary(people["office"])


@pytest.fixture
def form(people, units, fields):
    return admitted_form(people, units, fields)


def test_a_request_outside_the_catalogue_cannot_be_drafted(people, units, fields):
    proposed = services.form_propose(
        by=people["contact_a"], sender_id=units["TA"].pk, name="临时统计表",
        field_ids=[fields["households"].pk],
    )  # fmt: skip
    with pytest.raises(DomainError) as e:
        draft(people, proposed)
    assert e.value.code == "not_admitted"
    services.form_admit(by=people["office"], form=proposed)
    services.form_withdraw(by=people["office"], form=proposed)
    proposed.refresh_from_db()
    with pytest.raises(DomainError):
        draft(people, proposed)
    assert not DataRequest.objects.exists()
    # A request's form is a required catalogue row: there is no request without one.
    assert not DataRequest._meta.get_field("form").null


def test_only_the_office_admits_a_form(people, units, fields):
    proposed = services.form_propose(
        by=people["contact_a"], sender_id=units["TA"].pk, name="表",
        field_ids=[fields["road"].pk],
    )  # fmt: skip
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.form_admit(by=people["contact_a"], form=proposed)


def test_a_field_held_in_a_registry_is_flagged_naming_where_and_sending_waits_for_confirmation(
    people, form
):
    req = draft(people, form)
    found = queries.flags(req)
    assert [(f.field, f.kind, f.where) for f in found] == [
        ("本月收到上级文件数", "held", "发文登记")
    ]
    with pytest.raises(DomainError) as e:
        services.request_send(by=people["contact_a"], request=req)
    assert e.value.code == "unconfirmed" and "本月收到上级文件数" in str(e.value.message)
    assert not Return.objects.filter(request=req).exists()  # nothing half sent
    req.refresh_from_db()
    assert req.status == "draft"

    services.request_send(by=people["contact_a"], request=req, confirm=True)
    req.refresh_from_db()
    assert req.status == "sent" and req.flags[0]["where"] == "发文登记"
    assert Return.objects.filter(request=req).count() == 1  # one village, one period


def test_dropping_the_held_field_sends_without_a_flag(people, form, fields):
    req = draft(people, form)
    services.request_drop_field(by=people["contact_a"], request=req, field_id=fields["docs"].pk)
    assert queries.flags(req) == []
    services.request_send(by=people["contact_a"], request=req)
    assert set(req.fields.values_list("code", flat=True)) == {"households", "road", "clinic"}


def test_a_field_the_same_units_already_returned_is_flagged_naming_the_request_and_period(
    people, form
):
    first = draft(people, form)
    services.request_send(by=people["contact_a"], request=first, confirm=True)
    ret = Return.objects.get(request=first)
    services.return_submit(
        by=people["reporter"], ret=ret,
        values={"households": "312", "docs_received": "4", "road": "良好", "clinic": "yes"},
    )  # fmt: skip
    second = draft(people, form, title="村情月报（4月）", first="2026-04")
    returned = [f for f in queries.flags(second) if f.kind == "returned"]
    assert {f.field for f in returned} == {
        "农户户数",
        "本月收到上级文件数",
        "村道路况",
        "是否有卫生室",
    }
    assert all(f.request_id == first.pk and f.period == "2026-03" for f in returned)
    assert "村情月报（3月）" in returned[0].where and "2026年3月" in returned[0].where


def test_the_estimate_is_fields_seconds_times_units_times_periods(people, units, form):
    from jianfu.core.models import Unit

    Unit.objects.add_child(units["TA01"], {"code": "TA0102", "name": "甲二村", "kind": "village"})
    req = draft(people, form, frequency="monthly", count=3, levels=("village", "township"))
    est = queries.request_estimate(req)
    # Dictionary defaults: number 30 + number 30 + choice 10 + yes/no 5 = 75 s per return.
    assert est.field_seconds == 75
    assert (est.units, est.periods) == (3, 3)  # 甲一镇, 甲一村, 甲二村 × three months
    assert est.seconds == 75 * 3 * 3
    assert all(not s.measured for _f, s in est.rows)


def test_measured_times_calibrate_a_field_once_there_are_enough(people, form):
    req = draft(people, form, frequency="monthly", count=5)
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    values = {"households": "1", "docs_received": "1", "road": "一般", "clinic": "no"}
    start = timezone.now() - dt.timedelta(hours=1)
    for i, ret in enumerate(Return.objects.filter(request=req).order_by("period")):
        services.return_submit(by=people["reporter"], ret=ret, values=values)
        # 40, 60, 80, 100, 120 seconds over four fields: 10 … 30 s a field, median 20.
        Return.objects.filter(pk=ret.pk).update(
            started_at=start, submitted_at=start + dt.timedelta(seconds=40 + 20 * i)
        )
    secs = queries.field_seconds(req.fields.all())
    assert {s.seconds for s in secs.values()} == {20} and all(s.measured for s in secs.values())
    assert all(s.n == 5 for s in secs.values())
    # Four returns are not enough: the dictionary's seconds stand.
    Return.objects.filter(request=req, period="2026-07").update(submitted_at=None)
    assert not any(s.measured for s in queries.field_seconds(req.fields.all()).values())

    after = queries.measured(req)
    assert after.submitted == 4 and after.minutes_median == pytest.approx(70 / 60, abs=0.1)


def test_sending_notifies_the_recipients_and_is_audited(people, form):
    from jianfu.notify.models import Notice

    req = draft(people, form)
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    assert Notice.objects.filter(key=f"gate.burden.request:{req.pk}:sent").exists()
    assert AuditEntry.objects.filter(code="jianfu.gate.burden.request.sent").count() == 1


def test_a_quarterly_request_takes_quarter_periods_and_prefills_the_quarter(people, units, form):
    import datetime as dt

    from jianfu.registry.models import Document

    with pytest.raises(DomainError) as e:
        draft(people, form, frequency="quarterly", first="2026-03")
    assert e.value.code == "bad_period" and "2026-Q1" in str(e.value.message)
    req = draft(people, form, frequency="quarterly", first="2026-Q4", count=2)
    assert req.periods == ["2026-Q4", "2027-Q1"]
    for day in (dt.date(2026, 10, 3), dt.date(2026, 12, 30), dt.date(2027, 1, 2)):
        Document.objects.create(
            unit=units["TA"], title=f"通知{day}", issued_on=day, kind="notice",
            reaches_grassroots=True,
        )  # fmt: skip
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    q4 = Return.objects.get(request=req, period="2026-Q4")
    services.return_open(by=people["reporter"], ret=q4)
    assert q4.prefilled == {"docs_received": 2}


def test_the_flags_follow_the_form_order(people, form):
    req = draft(people, form)
    first = draft(people, form, title="更早")
    services.request_send(by=people["contact_a"], request=first, confirm=True)
    services.return_submit(
        by=people["reporter"], ret=Return.objects.get(request=first),
        values={"households": "1", "docs_received": "1", "road": "良好", "clinic": "no"},
    )  # fmt: skip
    assert [(f.field, f.kind) for f in queries.flags(req)] == [
        ("农户户数", "returned"),
        ("本月收到上级文件数", "held"),
        ("本月收到上级文件数", "returned"),
        ("村道路况", "returned"),
        ("是否有卫生室", "returned"),
    ]
