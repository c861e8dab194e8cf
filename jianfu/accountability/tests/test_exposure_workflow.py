"""Typical cases through their steps: a draft pre-filled by position, the redaction step refused
while a name, a phone number or an ID number remains (each named), approval by another
commission account, publication to the units (notified, asked to study), withdrawal, and study
records once per unit and case."""

import datetime as dt

import pytest

from jianfu.accountability.exposure import queries, services
from jianfu.accountability.exposure.models import Study, TypicalStatus
from jianfu.core import clock
from jianfu.core.audit import AuditEntry
from jianfu.core.errors import DomainError
from jianfu.notify.models import Notice

from .exposure_fixtures import CLEAN_BODY, make_case, second_commissioner

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 6)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def case(people):
    return make_case(people["discipline"])


def _published(people, case):
    d2 = second_commissioner()
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕问题", body=CLEAN_BODY
    )
    services.typical_redact(by=people["discipline"], typical=t)
    services.typical_approve(by=d2, typical=t)
    return services.typical_publish(
        by=people["discipline"], typical=t, to_units=True, public=True, bulletin=True
    )


def test_a_draft_names_people_by_unit_and_position_never_by_name(people, case):
    t = services.typical_draft(by=people["discipline"], case=case)
    assert t.status == TypicalStatus.DRAFT
    assert "甲县教育局副局长受到诫勉。" in t.body
    assert "甲县教育局办公室主任受到批评教育。" in t.body
    assert AuditEntry.objects.filter(code="jianfu.accountability.typical.drafted").exists()
    with pytest.raises(DomainError, match="已有典型案例"):  # one live write-up per case
        services.typical_draft(by=people["discipline"], case=case)


def test_a_case_still_being_verified_cannot_become_a_typical_case(people, case):
    case.status = "verifying"
    case.save()
    with pytest.raises(DomainError, match="尚在核查中"):
        services.typical_draft(by=people["discipline"], case=case)


def test_redaction_is_refused_naming_each_name_phone_and_id_number(people, case):
    t = services.typical_draft(by=people["discipline"], case=case)  # findings hold all three
    with pytest.raises(DomainError) as e:
        services.typical_redact(by=people["discipline"], typical=t)
    message = str(e.value.message)
    assert "姓名“王建国”" in message
    assert "手机号码“13812345678”" in message
    assert "身份证号码“410902198001011234”" in message
    t.refresh_from_db()
    assert t.status == TypicalStatus.DRAFT
    # Each occurrence is named: a second mention of the name is a second item.
    services.typical_edit(
        by=people["discipline"], typical=t, title="李丽等人过度留痕", body=CLEAN_BODY + "李丽。"
    )
    leaks = queries.leaks_of(t)
    assert [(lk.where, lk.value) for lk in leaks] == [("title", "李丽"), ("body", "李丽")]
    with pytest.raises(DomainError, match="标题第1个字处有姓名“李丽”"):
        services.typical_redact(by=people["discipline"], typical=t)


def test_full_width_digits_and_landlines_are_caught(people, case):
    found = queries.leaks(
        title="", body="电话０３９１-1234567，手机１３９００００１１１１。", names=[]
    )
    assert [lk.kind for lk in found] == ["landline", "mobile"]
    assert found[1].value == "１３９００００１１１１"


def test_redaction_passes_once_removed_and_an_edit_sends_it_back_to_draft(people, case):
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕", body=CLEAN_BODY
    )
    services.typical_redact(by=people["discipline"], typical=t)
    assert t.status == TypicalStatus.REDACTED and t.redacted_by == people["discipline"]
    services.typical_edit(by=people["discipline"], typical=t, title=t.title, body=t.body + "补充。")
    t.refresh_from_db()
    assert t.status == TypicalStatus.DRAFT and t.redacted_by is None


def test_the_drafter_cannot_approve_another_commission_account_can(people, case):
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕", body=CLEAN_BODY
    )
    services.typical_redact(by=people["discipline"], typical=t)
    with pytest.raises(DomainError, match="不能审批本人起草的典型案例") as e:
        services.typical_approve(by=people["discipline"], typical=t)
    assert e.value.code == "self_approval"
    t.refresh_from_db()
    assert t.status == TypicalStatus.REDACTED
    services.typical_approve(by=second_commissioner(), typical=t)
    assert t.status == TypicalStatus.APPROVED


def test_the_office_cannot_draft_or_approve(people, case):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.typical_draft(by=people["office"], case=case)


def test_publication_tells_every_unit_with_a_contact_and_asks_it_to_study(people, case):
    t = _published(people, case)
    assert t.status == TypicalStatus.PUBLISHED and t.published_at is not None
    addressed = set(Study.objects.filter(typical=t).values_list("unit__code", flat=True))
    assert addressed == {"TA", "TB"}  # the test city's units with a contact
    notices = Notice.objects.filter(kind=services.NOTICE_KIND)
    assert notices.count() == 2
    assert all("甲县教育局过度留痕问题" in n.subject for n in notices)
    assert list(queries.to_study(people["contact_b"])) == list(
        Study.objects.filter(typical=t, unit__code="TB")
    )


def test_publication_needs_a_target_and_refuses_a_name_added_since(people, case):
    d2 = second_commissioner()
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕", body=CLEAN_BODY + "赵某某。"
    )
    services.typical_redact(by=people["discipline"], typical=t)
    services.typical_approve(by=d2, typical=t)
    with pytest.raises(DomainError, match="至少选择一种发布方式"):
        services.typical_publish(
            by=people["discipline"], typical=t, to_units=False, public=False, bulletin=False
        )
    from jianfu.accountability.handling.models import Outcome

    Outcome.objects.create(
        case=case, person="赵某某", position="", kind="talk", decided_at=clock.now()
    )
    with pytest.raises(DomainError, match="赵某某"):
        services.typical_publish(
            by=people["discipline"], typical=t, to_units=True, public=True, bulletin=True
        )
    t.refresh_from_db()
    assert t.status == TypicalStatus.APPROVED


def test_a_study_is_recorded_once_per_unit_and_case(people, case):
    t = _published(people, case)
    contact = people["contact_a"]
    first = services.study_record(
        by=contact, typical=t, studied_on="2026-05-06", format="branch", note="支部会议学习"
    )
    again = services.study_record(by=contact, typical=t, studied_on="2026-05-06", format="meeting")
    assert again.pk == first.pk and again.format == "branch"
    assert Study.objects.filter(typical=t, unit__code="TA").count() == 1
    assert AuditEntry.objects.filter(code="jianfu.accountability.study.recorded").count() == 1
    assert not queries.to_study(contact).exists()


def test_a_study_with_a_bad_day_or_format_is_refused_naming_it(people, case):
    t = _published(people, case)
    with pytest.raises(DomainError, match="学习日期“昨天”无效"):
        services.study_record(by=people["contact_a"], typical=t, studied_on="昨天", format="branch")
    with pytest.raises(DomainError, match="晚于今天"):
        services.study_record(
            by=people["contact_a"], typical=t, studied_on="2026-06-01", format="branch"
        )
    with pytest.raises(DomainError, match="学习形式“photo”无效"):
        services.study_record(
            by=people["contact_a"], typical=t, studied_on="2026-05-06", format="photo"
        )
    assert not Study.objects.filter(typical=t, studied_on__isnull=False).exists()


def test_withdrawal_takes_it_off_the_published_list(people, case):
    t = _published(people, case)
    services.typical_withdraw(by=people["discipline"], typical=t, reason="处理决定变更")
    assert t.status == TypicalStatus.WITHDRAWN
    assert not queries.public_cases().exists()
    assert not queries.visible(people["contact_a"]).exists()
    assert not queries.to_study(people["contact_a"]).exists()
