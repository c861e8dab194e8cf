"""Each write of information reporting, its audit entry, and the bad input it refuses with a
Chinese sentence naming the field and the value, nothing saved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.supervision.models import (
    Adoption,
    AdoptionTier,
    Instruction,
    ReportingContact,
    ReportingRequirement,
    Submission,
    SubmissionFile,
)
from jianfu.supervision.reporting import services

from .reporting_setup import DAY, commission, designate, schedule, send

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def codes():
    return list(AuditEntry.objects.order_by("seq").values_list("code", flat=True))


def test_default_tiers_exist_with_points():
    assert [(t.code, t.points) for t in AdoptionTier.objects.all()] == [
        ("city", 1),
        ("province", 3),
        ("central", 10),
    ]


def test_designate_a_units_account_and_end_it(people, units):
    designate(people, units)
    c = ReportingContact.objects.get(unit=units["TA"])
    assert c.user == people["contact_a"] and c.since == dt.date(2026, 1, 5)
    assert codes()[-1] == "jianfu.supervision.reporting.contact.designated"
    services.contact_end(by=people["office"], contact_id=c.pk)
    assert ReportingContact.objects.get(pk=c.pk).until is not None


def test_only_an_account_of_the_unit_may_be_designated(people, units):
    with pytest.raises(DomainError) as e:
        services.contact_designate(
            by=people["office"], unit_id=units["TA"].pk, user_id=people["contact_b"].pk
        )
    assert e.value.field == "user" and "甲县" in e.value.message
    with pytest.raises(PermissionDenied):
        services.contact_designate(by=people["contact_a"], unit_id=units["TA"].pk, user_id=1)
    assert not ReportingContact.objects.exists()


def test_designating_twice_is_refused(people, units):
    designate(people, units)
    with pytest.raises(DomainError) as e:
        services.contact_designate(by=people["office"], unit_id=units["TA"].pk, user_id="contact_a")
    assert e.value.code == "already_contact"


def test_publish_a_commission_and_a_schedule(people, units):
    c = commission(people, units)
    s = schedule(people, units)
    assert c.is_commission and c.deadline == dt.date(2026, 3, 10) and c.quota == 1
    assert s.quota == 2 and s.deadline is None
    assert set(c.targets.values_list("code", flat=True)) == {"TA", "TB"}
    assert codes().count("jianfu.supervision.reporting.requirement.published") == 2


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        ({"kind": "commission", "deadline": None}, "deadline", "截止日期"),
        ({"kind": "commission", "deadline": dt.date(2026, 3, 1)}, "deadline", "2026-03-01"),
        ({"kind": "schedule", "quota": 0}, "quota", "“0”"),
        ({"kind": "schedule", "quota": 2, "period_type": "week"}, "period_type", "week"),
        ({"kind": "bogus"}, "kind", "bogus"),
        ({"kind": "commission", "title": "  "}, "title", "标题"),
        ({"kind": "schedule", "quota": 1, "target_ids": []}, "targets", "报送单位"),
        ({"kind": "schedule", "quota": 1, "target_ids": ["x"]}, "targets", "“x”"),
    ],
)
def test_bad_requirements_are_refused_and_nothing_saved(people, units, kwargs, field, words):
    args = {"title": "标题", "target_ids": [units["TA"].pk], "deadline": dt.date(2026, 4, 1)}
    args.update(kwargs)
    with clock.frozen(DAY), pytest.raises(DomainError) as e:
        services.requirement_publish(by=people["office"], **args)
    assert e.value.field == field and words in str(e.value.message)
    assert not ReportingRequirement.objects.exists()


def test_a_target_outside_the_scope_is_refused(people, units):
    with clock.frozen(DAY), pytest.raises(PermissionDenied):
        services.requirement_publish(
            by=people["contact_a"],
            kind="schedule",
            title="x",
            target_ids=[units["TB"].pk],
            quota=1,
        )
    with clock.frozen(DAY), pytest.raises(DomainError) as e:
        services.requirement_publish(
            by=people["office"], kind="schedule", title="x", target_ids=[999999], quota=1
        )
    assert e.value.field == "targets" and "999999" in e.value.message


def test_a_contact_submits_with_an_optional_file(people, units, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    designate(people, units)
    sub = send(people, "contact_a")
    assert sub.unit == units["TA"] and sub.on_time and sub.status == "pending"
    sub2 = send(people, "contact_a", title="带附件", uploads=[("照片.png", PNG)])
    assert SubmissionFile.objects.get(submission=sub2).name == "照片.png"
    assert codes()[-1] == "jianfu.supervision.reporting.submission.created"


def test_an_account_not_designated_cannot_submit(people, units):
    with pytest.raises(DomainError) as e:
        send(people, "contact_a")
    assert e.value.code == "not_contact" and "甲县" in e.value.message
    assert not Submission.objects.exists()


def test_a_contact_submits_only_for_its_own_unit(people, units):
    designate(people, units)
    with pytest.raises(DomainError) as e:
        send(people, "contact_a", unit_id=units["TB"].pk)
    assert e.value.field == "unit"


def test_a_unit_not_targeted_by_a_commission_is_refused(people, units):
    designate(people, units)
    req = commission(people, units, targets=("TA",))
    with pytest.raises(DomainError) as e:
        send(people, "contact_b", requirement_id=req.pk)
    assert e.value.field == "requirement" and "乙县" in e.value.message
    assert not Submission.objects.exists()


def test_after_the_deadline_a_commission_is_taken_and_marked_late(people, units):
    designate(people, units)
    req = commission(people, units)
    on_time = send(people, "contact_a", requirement_id=req.pk, at=dt.date(2026, 3, 10))
    late = send(people, "contact_b", requirement_id=req.pk, at=dt.date(2026, 3, 11))
    assert on_time.on_time and not late.on_time


def test_a_bad_file_saves_nothing(people, units, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    designate(people, units)
    with pytest.raises(DomainError):
        send(people, "contact_a", uploads=[("a.png", b"MZ not a picture")])
    assert not Submission.objects.exists()


def test_empty_title_and_text_name_the_field(people, units):
    designate(people, units)
    with clock.frozen(DAY), pytest.raises(DomainError) as e:
        services.submit(by=people["contact_a"], title="", text="x")
    assert e.value.field == "title"
    with clock.frozen(DAY), pytest.raises(DomainError) as e:
        services.submit(by=people["contact_a"], title="x", text="   ")
    assert e.value.field == "text"


def test_adopt_at_tiers_instruct_decline_and_mark_false(people, units):
    designate(people, units)
    sub = send(people, "contact_a")
    city, province = (
        AdoptionTier.objects.get(code="city"),
        AdoptionTier.objects.get(code="province"),
    )
    office = people["office"]
    with clock.frozen(dt.date(2026, 3, 5)):
        services.adopt(by=office, submission_id=sub.pk, tier_id=city.pk, note="第5期")
        services.adopt(by=office, submission_id=sub.pk, tier_id=province.pk)
        with pytest.raises(DomainError) as e:
            services.adopt(by=office, submission_id=sub.pk, tier_id=city.pk)
        assert e.value.field == "tier" and "市级信息刊物" in e.value.message
        services.instruct(by=office, submission_id=sub.pk, leader="张书记", text="很好，推广。")
    sub.refresh_from_db()
    assert sub.status == "adopted"
    assert sorted(Adoption.objects.values_list("points", flat=True)) == [1, 3]
    assert Instruction.objects.get().points == 5
    other = send(people, "contact_b")
    with clock.frozen(dt.date(2026, 3, 5)):
        services.decline(by=office, submission_id=other.pk)
        with pytest.raises(DomainError):
            services.decline(by=office, submission_id=other.pk)
        services.mark_false(by=office, submission_id=other.pk, reason="数据与统计不符")
        with pytest.raises(DomainError) as e:
            services.adopt(by=office, submission_id=other.pk, tier_id=city.pk)
        assert e.value.code == "is_false"
    other.refresh_from_db()
    assert other.status == "false" and other.false_reason == "数据与统计不符"
    assert "jianfu.supervision.reporting.submission.marked_false" in codes()


@pytest.mark.parametrize(
    "call,field",
    [
        (lambda o, s, t: services.adopt(by=o, submission_id=s, tier_id=999), "tier"),
        (lambda o, s, t: services.adopt(by=o, submission_id=s, tier_id="x"), "tier"),
        (
            lambda o, s, t: services.adopt(
                by=o, submission_id=s, tier_id=t, adopted_on=dt.date(2027, 1, 1)
            ),
            "adopted_on",
        ),
        (
            lambda o, s, t: services.adopt(
                by=o, submission_id=s, tier_id=t, adopted_on=dt.date(2026, 1, 1)
            ),
            "adopted_on",
        ),
        (lambda o, s, t: services.instruct(by=o, submission_id=s, leader="", text="x"), "leader"),
        (lambda o, s, t: services.instruct(by=o, submission_id=s, leader="王", text=""), "text"),
        (lambda o, s, t: services.mark_false(by=o, submission_id=s, reason=" "), "reason"),
    ],
)
def test_bad_decisions_name_the_field(people, units, call, field):
    designate(people, units)
    sub = send(people, "contact_a")
    tier = AdoptionTier.objects.first()
    with clock.frozen(dt.date(2026, 3, 5)), pytest.raises(DomainError) as e:
        call(people["office"], sub.pk, tier.pk)
    assert e.value.field == field
    assert not Adoption.objects.exists() and not Instruction.objects.exists()
    sub.refresh_from_db()
    assert sub.status == "pending"


def test_a_decision_outside_the_scope_is_not_found(people, units):
    designate(people, units)
    sub = send(people, "contact_a")
    with pytest.raises(PermissionDenied):
        services.mark_false(by=people["contact_b"], submission_id=sub.pk, reason="x")
    with pytest.raises(DomainError) as e:
        services.mark_false(by=people["office"], submission_id=999999, reason="x")
    assert e.value.status == 404


def test_tier_points_are_data(people):
    tier = AdoptionTier.objects.get(code="central")
    services.tier_save(by=people["office"], tier_id=tier.pk, points=20)
    assert AdoptionTier.objects.get(pk=tier.pk).points == 20
    with pytest.raises(DomainError) as e:
        services.tier_save(by=people["office"], tier_id=tier.pk, points="many")
    assert e.value.field == "points"
