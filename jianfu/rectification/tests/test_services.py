"""The rectification ledger's rules, through its services: a confirmed signal becomes a problem and
is seen through to a verified closure; returns, reviews and relapses; nobody verifies their own
unit's work; deadlines in working days on the Chinese calendar; the edit conflict; evidence files;
scope."""

import datetime as dt
import hashlib

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jianfu.core import audit, clock, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry, RoleGrant, User
from jianfu.core.services import setting_update
from jianfu.rectification.models import Attachment, Measure, Problem, Step
from jianfu.rectification.problems import evidence_files, measures, services
from jianfu.signals import runner
from jianfu.signals import services as signals
from jianfu.signals.models import Signal
from jianfu.signals.problems import problem_for
from jianfu.signals.tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def fresh(username: str) -> User:
    """The account as a new request sees it (its scope and roles are cached on the object)."""
    return User.objects.select_related("home_unit").get(username=username)


def new_problem(by, unit, **kwargs) -> Problem:
    kwargs.setdefault("source", "office")
    kwargs.setdefault("description", "会议材料层层加码，要求基层重复报送")
    return services.problem_create(by=by, unit_id=unit.pk, **kwargs)


def new_measure(by, problem, **data) -> Measure:
    data.setdefault("content", "清理重复报送的材料，统一由县委办汇总")
    data.setdefault("kind", "immediate")
    data.setdefault("responsible_unit_id", problem.unit_id)
    data.setdefault("responsible_person", "张明")
    if "working_days" not in data:
        data.setdefault("deadline", clock.today() + dt.timedelta(days=20))
    return measures.measure_create(by=by, problem=problem, data=data)


def act(by, measure, action, note="", **kwargs) -> Measure:
    """One transition at the measure's current version (what the page just showed)."""
    version = Measure.objects.values_list("version", flat=True).get(pk=measure.pk)
    return measures.measure_act(
        by=by, measure_id=measure.pk, version=version, action=action, note=note, **kwargs
    )


def submitted(people, problem, **data) -> Measure:
    m = new_measure(people["contact_a"], problem, **data)
    act(people["contact_a"], m, "start")
    return act(people["contact_a"], m, "submit", "已全部清理，材料减少六成")


def verified(people, problem, **data) -> Measure:
    m = submitted(people, problem, **data)
    return act(people["office"], m, "verify", "现场核实属实")


def audit_codes() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("code", flat=True))


def steps(problem) -> list[tuple[str, bool]]:
    """The problem's history: (kind, on a measure?) in order."""
    return [(s.kind, s.measure_id is not None) for s in problem.steps.order_by("at", "pk")]


def refused(call, code: str, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def snapshot(measure) -> tuple:
    m = Measure.objects.get(pk=measure.pk)
    return (
        m.status,
        m.version,
        m.content,
        Step.objects.filter(measure=m).count(),
        AuditEntry.objects.count(),
        Attachment.objects.count(),
    )


# --- From a confirmed signal to a verified closure ------------------------------------------------


@pytest.fixture
def pacing_signal(units):
    """甲县 used 60 of its 100 documents by May 2025: the pacing rule raises a signal."""
    ta = units["TA"]
    f.quota(ta, 2025, "document", 100)
    f.documents(ta, 2024, f.flat(10))
    f.documents(ta, 2025, f.flat(12, 5))
    with clock.frozen(dt.date(2025, 5, 31)):
        runner.run(rules=["quota_pacing"])
    return Signal.objects.get(rule="quota_pacing", unit=ta)


def test_a_confirmed_signal_becomes_a_problem_of_its_unit_with_the_frozen_evidence(
    pacing_signal, people
):
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    signals.signal_confirm(by=people["office"], signal=pacing_signal, note="核实属实")
    pacing_signal.refresh_from_db()
    problem = problem_for(pacing_signal)
    assert problem.unit_id == pacing_signal.unit_id and problem.source == "signal"
    assert problem.status == "open" and problem.found_on == TODAY
    assert problem.severity == pacing_signal.severity
    assert problem.evidence["evidence"] == pacing_signal.frozen["evidence"]
    assert problem.evidence["threshold"] == pacing_signal.frozen["threshold"]
    assert problem.evidence["signal"] == pacing_signal.pk
    assert problem.description.startswith("指标使用过快")
    assert "2025" in problem.description
    assert [(s.kind, s.note) for s in problem.steps.all()] == [("created", "核实属实")]
    # One audit entry: the confirmation, naming the problem it created.
    (entry,) = AuditEntry.objects.filter(seq__gt=last)
    assert entry.code == "jianfu.signals.signal.confirmed"
    assert entry.extra["problem"] == problem.pk


def test_a_confirmed_sample_point_signal_is_a_problem_from_the_sample_point(units, people):
    now = clock.now()
    signal = Signal.objects.create(
        rule="truth_copies",
        unit=units["TA0101"],
        period="2026-01",
        subject="previous",
        severity=3,
        evidence={"answered": 20, "matches": 19, "chance": 1e-9},
        threshold={},
        first_raised_at=now,
        last_seen_at=now,
    )
    signals.signal_confirm(by=people["office"], signal=signal)
    problem = problem_for(signal)
    assert problem.unit == units["TA0101"] and problem.source == "sample_point"
    assert problem.severity == 3
    assert problem.evidence["evidence"] == {"answered": 20, "matches": 19, "chance": 1e-9}
    assert "2026-01" in problem.description and "19" in problem.description


def test_the_whole_path_from_a_confirmed_signal_to_a_verified_closure(pacing_signal, people):
    office, contact = people["office"], people["contact_a"]
    signals.signal_confirm(by=office, signal=pacing_signal)
    problem = problem_for(pacing_signal)

    m = new_measure(contact, problem)
    assert m.status == "draft" and m.version == 1
    act(contact, m, "start")
    m = act(contact, m, "progress", "已清理 12 份重复材料")
    assert m.status == "in_progress" and m.progress == "已清理 12 份重复材料"
    refused(act, "required", by=contact, measure=m, action="submit", note="  ")
    assert Measure.objects.get(pk=m.pk).status == "in_progress"
    m = act(contact, m, "submit", "重复材料全部清理")
    assert m.status == "submitted" and m.submitted_by == contact and m.completion
    m = act(office, m, "verify", "抽查属实")
    assert m.status == "verified" and m.verified_by == office and m.verified_at == clock.now()

    problem.refresh_from_db()
    assert problem.status == "closed" and problem.closed_at == clock.now()
    assert steps(problem) == [
        ("created", False),
        ("created", True),
        ("started", True),
        ("progress", True),
        ("submitted", True),
        ("verified", True),
        ("verified", False),
    ]
    on_measure = [
        c for c in audit_codes() if c.startswith("jianfu.rectification") or "confirmed" in c
    ]
    assert on_measure == [
        "jianfu.signals.signal.confirmed",
        "jianfu.rectification.measure.created",
        "jianfu.rectification.measure.started",
        "jianfu.rectification.measure.progress",
        "jianfu.rectification.measure.submitted",
        "jianfu.rectification.measure.verified",
    ]
    verify = AuditEntry.objects.get(code="jianfu.rectification.measure.verified")
    assert verify.actor_id == office.pk and verify.object_id == str(m.pk)
    assert verify.changes == {"status": ["submitted", "verified"]}
    assert audit.verify() is None


def test_a_return_needs_a_reason_and_the_unit_resubmits(units, people):
    office, contact = people["office"], people["contact_a"]
    problem = new_problem(office, units["TA"])
    m = submitted(people, problem)
    before = snapshot(m)
    refused(act, "required", by=office, measure=m, action="return", note="")
    assert snapshot(m) == before

    m = act(office, m, "return", "未附清理后的材料目录")
    assert m.status == "returned" and m.returns == 1
    step = Step.objects.filter(measure=m).last()
    assert (step.kind, step.note, step.from_status, step.to_status) == (
        "returned",
        "未附清理后的材料目录",
        "submitted",
        "returned",
    )
    problem.refresh_from_db()
    assert problem.status == "open"

    act(contact, m, "progress", "补充材料目录")
    act(contact, m, "submit", "已补充材料目录")
    m = act(office, m, "verify")
    problem.refresh_from_db()
    assert m.status == "verified" and m.returns == 1 and problem.status == "closed"
    assert audit_codes().count("jianfu.rectification.measure.returned") == 1
    assert audit_codes().count("jianfu.rectification.measure.submitted") == 2


def test_a_returned_measure_can_be_resubmitted_directly(units, people):
    problem = new_problem(people["office"], units["TA"])
    m = submitted(people, problem)
    act(people["office"], m, "return", "证明材料不全")
    m = act(people["contact_a"], m, "submit", "已补齐")
    assert m.status == "submitted" and m.returns == 1


# --- Nobody verifies their own unit's work --------------------------------------------------------


def test_a_contact_cannot_verify_their_own_units_measure_even_with_the_verify_code(units, people):
    problem = new_problem(people["office"], units["TA"])
    m = submitted(people, problem)
    before = snapshot(m)
    e = refused(act, "self_verification", by=people["contact_a"], measure=m, action="verify")
    assert e.status == 403 and "不能核验自己" in str(e.message)
    # Given the office's codes as well, the contact is still of the rectifying unit.
    RoleGrant.objects.create(user=people["contact_a"], role="office")
    also_office = fresh("contact_a")
    assert scope.can(also_office, "rectification.measure:verify")
    refused(act, "self_verification", by=also_office, measure=m, action="verify")
    refused(act, "self_verification", by=also_office, measure=m, action="return", note="x")
    assert snapshot(m) == before


def test_the_office_cannot_verify_a_problem_of_its_own_unit(units, people):
    office = people["office"]
    problem = new_problem(office, units["T"], description="市委办发文过多")
    m = new_measure(office, problem)
    act(office, m, "start")
    act(office, m, "submit", "已精简")
    colleague = User.objects.create(username="office2", full_name="王芳", home_unit=units["T"])
    RoleGrant.objects.create(user=colleague, role="office")
    before = snapshot(m)
    for who in (office, colleague):
        e = refused(act, "self_verification", by=who, measure=m, action="verify")
        assert e.status == 403
    assert snapshot(m) == before


def test_an_assigned_verifier_of_another_unit_may_verify_even_outside_their_units(units, people):
    office, outsider = people["office"], people["contact_b"]
    problem = new_problem(office, units["T"], description="市委办发文过多")
    m = new_measure(office, problem)
    act(office, m, "start")
    m = act(office, m, "submit", "已精简")
    m = measures.measure_assign_verifier(
        by=office, measure_id=m.pk, version=m.version, verifier_id=outsider.pk
    )
    assert m.verifier == outsider
    # Reached through the assignment alone: 乙县's contact cannot edit the city's measures.
    refused(
        measures.measure_update,
        "not_found",
        by=outsider,
        measure_id=m.pk,
        version=m.version,
        data={"content": "改"},
    )
    m = act(outsider, m, "verify", "交叉核验属实")
    problem.refresh_from_db()
    assert m.status == "verified" and m.verified_by == outsider and problem.status == "closed"


def test_the_submitter_never_verifies(units, people):
    office = people["office"]
    problem = new_problem(office, units["TA"])
    m = new_measure(people["contact_a"], problem)
    act(office, m, "start")
    m = act(office, m, "submit", "代为提交")
    refused(act, "self_verification", by=office, measure=m, action="verify")
    # Assigned as verifier, the submitter still may not.
    m = measures.measure_assign_verifier(
        by=office, measure_id=m.pk, version=m.version, verifier_id=office.pk
    )
    refused(act, "self_verification", by=office, measure=m, action="verify")
    colleague = User.objects.create(username="office2", home_unit=units["T"])
    RoleGrant.objects.create(user=colleague, role="office")
    assert act(colleague, m, "verify").status == "verified"


def test_only_the_office_assigns_a_verifier_and_never_one_of_the_rectifying_unit(units, people):
    office, contact = people["office"], people["contact_a"]
    problem = new_problem(office, units["TA"])
    e = refused(
        new_measure, "verifier_assign", by=contact, problem=problem, verifier_id=people["leader"].pk
    )
    assert e.status == 403 and e.field == "verifier"
    refused(new_measure, "self_verification", by=office, problem=problem, verifier_id=contact.pk)
    m = new_measure(office, problem, verifier_id=people["discipline"].pk)
    # The unit edits its measure; the verifier the office assigned stays.
    m = measures.measure_update(
        by=contact, measure_id=m.pk, version=m.version, data={"content": "改为每月汇总一次"}
    )
    assert m.verifier == people["discipline"] and m.content == "改为每月汇总一次"
    refused(
        measures.measure_update,
        "verifier_assign",
        by=contact,
        measure_id=m.pk,
        version=m.version,
        data={"verifier_id": None},
    )
    refused(
        measures.measure_assign_verifier,
        "self_verification",
        by=office,
        measure_id=m.pk,
        version=m.version,
        verifier_id=contact.pk,
    )
    # The discipline commission, assigned, verifies without the office's code.
    act(contact, m, "start")
    act(contact, m, "submit", "已完成")
    assert act(people["discipline"], m, "verify").status == "verified"


# --- Disallowed transitions -----------------------------------------------------------------------


def test_a_draft_cannot_be_verified(units, people):
    m = new_measure(people["contact_a"], new_problem(people["office"], units["TA"]))
    before = snapshot(m)
    e = refused(act, "transition", by=people["office"], measure=m, action="verify")
    assert e.status == 409 and "草稿" in str(e.message) and "核验通过" in str(e.message)
    assert snapshot(m) == before


def test_a_verified_measure_cannot_be_submitted_or_edited(units, people):
    m = verified(people, new_problem(people["office"], units["TA"]))
    before = snapshot(m)
    e = refused(act, "transition", by=people["contact_a"], measure=m, action="submit", note="再交")
    assert "已核验销号" in str(e.message) and "提交核验" in str(e.message)
    e = refused(
        measures.measure_update,
        "not_editable",
        by=people["contact_a"],
        measure_id=m.pk,
        version=m.version,
        data={"content": "改"},
    )
    assert "已核验销号" in str(e.message)
    assert snapshot(m) == before


def test_an_immediate_measure_has_no_review(units, people):
    m = verified(people, new_problem(people["office"], units["TA"]))
    before = snapshot(m)
    e = refused(act, "not_long_term", by=people["office"], measure=m, action="review", held=True)
    assert e.status == 409 and "长效机制" in str(e.message)
    assert snapshot(m) == before


def test_an_unknown_action_is_refused(units, people):
    m = new_measure(people["contact_a"], new_problem(people["office"], units["TA"]))
    refused(act, "transition", by=people["contact_a"], measure=m, action="delete")


# --- Working-day deadlines across National Day 2026 -----------------------------------------------


def workdays_after(start: dt.date, n: int) -> dt.date:
    """The test's own count, straight from chinese-calendar."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.fixture
def national_day(units, people):
    """A problem found on Monday 28 September 2026, three days before the holiday."""
    with clock.frozen(dt.date(2026, 9, 28)):
        yield new_problem(people["office"], units["TA"])


def test_working_days_skip_the_national_day_holiday(national_day, people):
    m = new_measure(people["contact_a"], national_day, working_days=5)
    expected = workdays_after(dt.date(2026, 9, 28), 5)
    assert m.deadline == expected
    # 29, 30 Sep, then 8, 9 Oct and the make-up Saturday 10 Oct: the holiday is not counted.
    assert m.deadline >= dt.date(2026, 10, 9) and m.deadline == dt.date(2026, 10, 10)
    assert (m.working_days, m.deadline_from) == (5, dt.date(2026, 9, 28))


def test_the_make_up_saturday_counts_as_a_working_day(national_day, people):
    m = new_measure(people["contact_a"], national_day, working_days=6)
    assert m.deadline == workdays_after(dt.date(2026, 9, 28), 6) == dt.date(2026, 10, 12)
    # Without the make-up Saturday the sixth working day would be Tuesday 13 October.
    assert chinese_calendar.is_workday(dt.date(2026, 10, 10))


def test_working_days_from_a_given_start(national_day, people):
    m = new_measure(
        people["contact_a"], national_day, working_days=1, deadline_from=dt.date(2026, 9, 30)
    )
    assert m.deadline == dt.date(2026, 10, 8) and m.deadline_from == dt.date(2026, 9, 30)


def test_a_deadline_before_the_problem_was_found_is_refused(national_day, people):
    e = refused(
        new_measure,
        "deadline_before_found",
        by=people["contact_a"],
        problem=national_day,
        deadline=dt.date(2026, 9, 20),
    )
    assert "2026-09-20" in str(e.message) and "2026-09-28" in str(e.message)
    assert e.field == "deadline"
    assert not Measure.objects.filter(problem=national_day).exists()


def test_editing_a_measure_does_not_move_its_working_day_deadline(national_day, people):
    contact = people["contact_a"]
    m = new_measure(contact, national_day, working_days=5)
    with clock.frozen(dt.date(2026, 10, 9)):
        same = {"working_days": 5, "deadline_from": dt.date(2026, 9, 28)}
        m = measures.measure_update(
            by=contact, measure_id=m.pk, version=m.version, data={"content": "改写措施", **same}
        )
        assert m.deadline == dt.date(2026, 10, 10)
        # Without a start date, an edit counts from where the measure was counted, not today.
        m = measures.measure_update(
            by=contact, measure_id=m.pk, version=m.version, data={"working_days": 6}
        )
        assert m.deadline == dt.date(2026, 10, 12) and m.deadline_from == dt.date(2026, 9, 28)
        m = measures.measure_update(
            by=contact, measure_id=m.pk, version=m.version, data={"deadline": dt.date(2026, 11, 2)}
        )
        assert (m.deadline, m.working_days, m.deadline_from) == (dt.date(2026, 11, 2), None, None)


def test_a_later_holiday_override_does_not_move_an_agreed_deadline_on_an_unrelated_edit(
    national_day, people
):
    from jianfu.core.models import HolidayOverride

    contact = people["contact_a"]
    m = new_measure(contact, national_day, working_days=5)
    HolidayOverride.objects.create(
        day=dt.date(2026, 10, 9), kind="holiday", name="调整", created_by=people["office"]
    )
    m = measures.measure_update(
        by=contact,
        measure_id=m.pk,
        version=m.version,
        data={"content": "改写措施", "working_days": 5, "deadline_from": dt.date(2026, 9, 28)},
    )
    assert m.deadline == dt.date(2026, 10, 10)


# --- The edit conflict ----------------------------------------------------------------------------


def test_the_second_save_on_the_same_version_is_refused_and_the_first_stands(units, people):
    contact, office = people["contact_a"], people["office"]
    m = new_measure(contact, new_problem(office, units["TA"]), content="原措施")
    read = m.version
    first = measures.measure_update(
        by=contact, measure_id=m.pk, version=read, data={"content": "甲改的措施"}
    )
    assert first.version == read + 1
    e = refused(
        measures.measure_update,
        "conflict",
        by=office,
        measure_id=m.pk,
        version=read,
        data={"content": "办公室改的措施", "responsible_person": "李四"},
    )
    assert e.status == 409
    assert "contact_a" in str(e.message) and clock.now().strftime("%H:%M") in str(e.message)
    stored = Measure.objects.get(pk=m.pk)
    assert (stored.content, stored.responsible_person, stored.version) == (
        "甲改的措施",
        "张明",
        read + 1,
    )
    assert audit_codes().count("jianfu.rectification.measure.updated") == 1
    # A transition on the stale version is refused as well.
    before = snapshot(m)
    refused(
        measures.measure_act,
        "conflict",
        by=contact,
        measure_id=m.pk,
        version=read,
        action="start",
    )
    assert snapshot(m) == before


def test_the_conflict_names_the_day_when_it_was_not_today(units, people):
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]))
    with clock.frozen(dt.date(2026, 3, 5)):
        e = refused(
            measures.measure_update,
            "conflict",
            by=people["office"],
            measure_id=m.pk,
            version=m.version - 1,
            data={"content": "改"},
        )
    assert "3月2日" in str(e.message)


def test_a_save_without_changes_keeps_the_version(units, people):
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]))
    same = measures.measure_update(
        by=contact, measure_id=m.pk, version=m.version, data={"content": m.content}
    )
    assert same.version == m.version
    assert "jianfu.rectification.measure.updated" not in audit_codes()


# --- Long-term measures: mechanism, review, relapse -----------------------------------------------


def long_term(**data) -> dict:
    return {
        "kind": "long_term",
        "content": "建立发文统筹机制",
        "deadline": TODAY + dt.timedelta(days=30),
        "review_on": TODAY + dt.timedelta(days=120),
        **data,
    }


def test_a_long_term_measure_needs_a_review_date_not_before_its_deadline(units, people):
    problem = new_problem(people["office"], units["TA"])
    contact = people["contact_a"]
    refused(new_measure, "required", by=contact, problem=problem, **long_term(review_on=None))
    e = refused(
        new_measure,
        "review_before_deadline",
        by=contact,
        problem=problem,
        **long_term(review_on=TODAY + dt.timedelta(days=10)),
    )
    assert e.field == "review_on"
    assert not problem.measures.exists()


def test_a_long_term_measure_needs_its_mechanism_before_submitting(units, people):
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]), **long_term())
    m = act(contact, m, "start")
    before = snapshot(m)
    refused(act, "mechanism_required", by=contact, measure=m, action="submit", note="已建立")
    assert snapshot(m) == before
    m = measures.measure_update(
        by=contact,
        measure_id=m.pk,
        version=m.version,
        data={"mechanism": "《甲县发文统筹管理办法》（甲办发〔2026〕3号）"},
    )
    assert act(contact, m, "submit", "已印发").status == "submitted"


def reviewed_setup(people, units) -> tuple[Problem, Measure]:
    problem = new_problem(people["office"], units["TA"])
    m = verified(people, problem, **long_term(mechanism="发文统筹管理办法"))
    problem.refresh_from_db()
    assert problem.status == "closed"
    return problem, m


def test_a_review_that_holds_keeps_the_problem_closed(units, people):
    problem, m = reviewed_setup(people, units)
    refused(act, "required", by=people["office"], measure=m, action="review")
    m = act(people["office"], m, "review", "发文量持续下降", held=True)
    problem.refresh_from_db()
    assert m.status == "verified" and m.review_held is True and m.reviewed_at == clock.now()
    assert problem.status == "closed" and problem.relapses == 0
    assert steps(problem)[-1] == ("review_held", True)
    assert audit_codes()[-1] == "jianfu.rectification.measure.reviewed"


def test_a_relapse_at_the_review_reopens_the_problem(units, people):
    problem, m = reviewed_setup(people, units)
    before = snapshot(m)
    refused(act, "required", by=people["office"], measure=m, action="review", held=False)
    assert snapshot(m) == before
    new_deadline = TODAY + dt.timedelta(days=40)
    m = act(
        people["office"], m, "review", "三月份发文量回升到整改前水平", held=False,
        deadline=new_deadline,
    )  # fmt: skip
    problem.refresh_from_db()
    assert m.status == "in_progress" and m.review_held is False
    assert m.deadline == new_deadline
    assert m.verified_by is None and m.verified_at is None
    assert problem.status == "open" and problem.closed_at is None and problem.relapses == 1
    step = Step.objects.filter(measure=m).last()
    assert (step.kind, step.from_status, step.to_status) == ("relapsed", "verified", "in_progress")
    assert step.note == "三月份发文量回升到整改前水平"
    # The unit works on it again, and verification closes it again.
    act(people["contact_a"], m, "submit", "重新落实办法")
    act(people["office"], m, "verify")
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.relapses == 1


def test_a_relapse_needs_a_new_deadline_and_moves_the_review_by_the_same_interval(units, people):
    problem, m = reviewed_setup(people, units)  # deadline TODAY + 30, review 90 days later
    office, note = people["office"], "发文量回升"
    before = snapshot(m)
    e = refused(act, "required", by=office, measure=m, action="review", note=note, held=False)
    assert e.field == "deadline" and "完成时限" in str(e.message)
    past = TODAY - dt.timedelta(days=1)
    e = refused(
        act, "deadline_past", by=office, measure=m, action="review", note=note, held=False,
        deadline=past,
    )  # fmt: skip
    assert "早于今天" in str(e.message)
    refused(
        act, "review_before_deadline", by=office, measure=m, action="review", note=note,
        held=False, deadline=TODAY + dt.timedelta(days=20), review_on=TODAY + dt.timedelta(days=5),
    )  # fmt: skip
    assert snapshot(m) == before  # nothing partly saved
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.relapses == 0
    # Ten working days from Monday 2 March 2026: Monday 16 March; the review 90 days after it.
    m = act(office, m, "review", note, held=False, working_days=10)
    assert (m.deadline, m.working_days, m.deadline_from) == (dt.date(2026, 3, 16), 10, TODAY)
    assert m.review_on == dt.date(2026, 3, 16) + dt.timedelta(days=90)
    step = Step.objects.filter(measure=m).last()
    assert step.kind == "relapsed"
    assert step.changes["deadline"] == [(TODAY + dt.timedelta(days=30)).isoformat(), "2026-03-16"]
    assert "review_on" in step.changes and step.changes["working_days"] == [None, 10]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.code == "jianfu.rectification.measure.reviewed"
    assert entry.changes["status"] == ["verified", "in_progress"] and "deadline" in entry.changes


def test_a_relapse_takes_a_review_date_given(units, people):
    _problem, m = reviewed_setup(people, units)
    deadline, review = TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=60)
    m = act(people["office"], m, "review", "反弹", held=False, deadline=deadline, review_on=review)
    assert (m.deadline, m.review_on, m.working_days) == (deadline, review, None)


def test_the_unit_does_not_review_itself(units, people):
    _problem, m = reviewed_setup(people, units)
    refused(act, "self_verification", by=people["contact_a"], measure=m, action="review", held=True)
    with pytest.raises(PermissionDenied):
        act(people["discipline"], m, "review", held=True)


# --- Evidence files -------------------------------------------------------------------------------


def test_evidence_uploaded_with_a_step_is_stored_with_its_hash(units, people, media):
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]))
    act(contact, m, "start")
    m = act(contact, m, "submit", "已完成", uploads=[("整改报告.pdf", PDF)])
    (a,) = Attachment.objects.filter(measure=m)
    assert a.sha256 == hashlib.sha256(PDF).hexdigest() and a.size == len(PDF)
    assert (a.name, a.kind, a.uploaded_by) == ("整改报告.pdf", "pdf", contact)
    assert a.step.kind == "submitted" and a.problem_id == m.problem_id
    assert files.open_stored(a.relpath).read_bytes() == PDF
    entry = AuditEntry.objects.get(code="jianfu.rectification.measure.submitted")
    assert entry.extra["files"][0]["sha256"] == a.sha256


def test_an_executable_renamed_pdf_refuses_the_whole_step(units, people, media):
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]))
    act(contact, m, "start")
    before = snapshot(m)
    e = refused(
        act,
        "file_type",
        by=contact,
        measure=m,
        action="submit",
        note="已完成",
        uploads=[("整改报告.pdf", PDF), ("说明.pdf", EXE)],
    )
    assert "说明.pdf" in str(e.message) and "程序" in str(e.message)
    assert snapshot(m) == before
    assert not (media / "evidence").exists()


def test_a_file_over_the_limit_refuses_the_whole_step(units, people, media):
    setting_update(by=people["office"], key=files.MAX_MB, value="1")
    contact = people["contact_a"]
    m = new_measure(contact, new_problem(people["office"], units["TA"]))
    act(contact, m, "start")
    big = PDF + b"0" * (1024 * 1024)
    before = snapshot(m)
    e = refused(
        act,
        "file_too_big",
        by=contact,
        measure=m,
        action="progress",
        note="进展",
        uploads=[("现场照片.pdf", big)],
    )
    assert "1 MB" in str(e.message)
    assert snapshot(m) == before


def test_evidence_added_between_steps(units, people, media):
    contact = people["contact_a"]
    problem = new_problem(people["office"], units["TA"])
    m = new_measure(contact, problem)
    out = evidence_files.attachment_add(
        by=contact, problem=problem, measure=m, uploads=[("材料.pdf", PDF)], note="补充"
    )
    assert out[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert Attachment.objects.get().step.kind == "evidence"
    refused(
        evidence_files.attachment_add,
        "required",
        by=contact,
        problem=problem,
        measure=m,
        uploads=[],
    )
    assert audit_codes()[-1] == "jianfu.rectification.attachment.added"
    with pytest.raises(DomainError) as e:
        evidence_files.attachment_add(
            by=people["contact_b"], problem=problem, measure=None, uploads=[("材料.pdf", PDF)]
        )
    assert e.value.status == 404
    assert Attachment.objects.count() == 1


# --- Scope ----------------------------------------------------------------------------------------


def test_another_countys_contact_finds_nothing(units, people):
    problem = new_problem(people["office"], units["TA"])
    m = new_measure(people["contact_a"], problem)
    other = people["contact_b"]
    before = snapshot(m)
    e = refused(
        measures.measure_update,
        "not_found",
        by=other,
        measure_id=m.pk,
        version=m.version,
        data={"content": "改"},
    )
    assert e.status == 404
    for action in ("start", "verify"):
        refused(act, "not_found", by=other, measure=m, action=action)
    refused(new_measure, "not_found", by=other, problem=problem)
    refused(new_problem, "unit_out_of_scope", by=people["contact_a"], unit=units["TB"])
    assert snapshot(m) == before


def test_a_contact_names_only_responsible_units_in_their_own_county(units, people):
    problem = new_problem(people["office"], units["TA"])
    refused(
        new_measure,
        "unit_out_of_scope",
        by=people["contact_a"],
        problem=problem,
        responsible_unit_id=units["TB"].pk,
    )
    m = new_measure(people["contact_a"], problem, responsible_unit_id=units["TA01"].pk)
    assert m.responsible_unit == units["TA01"]


def test_the_leader_reads_but_does_not_edit(units, people):
    m = new_measure(people["contact_a"], new_problem(people["office"], units["TA"]))
    leader = people["leader"]
    with pytest.raises(PermissionDenied):
        measures.measure_update(by=leader, measure_id=m.pk, version=m.version, data={})
    with pytest.raises(PermissionDenied):
        act(leader, m, "start")
    with pytest.raises(PermissionDenied):
        new_problem(leader, units["TA"])


def test_discipline_registers_problems_but_does_not_keep_the_ledger(units, people):
    discipline = people["discipline"]
    problem = new_problem(discipline, units["TA"], source="complaint", severity=3)
    assert (problem.source, problem.severity, problem.created_by) == ("complaint", 3, discipline)
    assert audit_codes()[-1] == "jianfu.rectification.problem.created"
    with pytest.raises(PermissionDenied):
        new_measure(discipline, problem)
    m = new_measure(people["contact_a"], problem)
    with pytest.raises(PermissionDenied):
        measures.measure_update(
            by=discipline, measure_id=m.pk, version=m.version, data={"content": "改"}
        )
    with pytest.raises(PermissionDenied):
        act(discipline, m, "start")


def test_a_problem_found_in_the_future_is_refused(units, people):
    e = refused(
        new_problem,
        "found_in_future",
        by=people["office"],
        unit=units["TA"],
        found_on=TODAY + dt.timedelta(days=1),
    )
    assert e.field == "found_on"
    refused(new_problem, "required", by=people["office"], unit=units["TA"], description=" ")


# --- A problem closes when all its measures are verified ------------------------------------------


def test_a_problem_closes_only_when_every_measure_is_verified(units, people):
    office, contact = people["office"], people["contact_a"]
    problem = new_problem(office, units["TA"])
    first = submitted(people, problem)
    second = submitted(people, problem, content="建立材料报送清单")
    act(office, first, "verify")
    problem.refresh_from_db()
    assert problem.status == "open" and problem.closed_at is None
    act(office, second, "verify")
    problem.refresh_from_db()
    assert problem.status == "closed"
    assert [k for k, on_measure in steps(problem) if not on_measure] == ["created", "verified"]
    e = refused(new_measure, "problem_closed", by=contact, problem=problem)
    assert "已销号" in str(e.message)
    assert problem.measures.count() == 2


def test_a_problem_with_a_draft_measure_stays_open(units, people):
    problem = new_problem(people["office"], units["TA"])
    new_measure(people["contact_a"], problem, content="尚未开始的措施")
    verified(people, problem)
    problem.refresh_from_db()
    assert problem.status == "open"


def test_editing_a_problem_is_recorded(units, people):
    problem = new_problem(people["office"], units["TA"])
    problem = services.problem_update(
        by=people["contact_a"],
        problem=problem,
        version=problem.version,
        description="重复报送材料",
        severity=3,
    )
    assert (problem.description, problem.severity) == ("重复报送材料", 3)
    step = problem.steps.last()
    assert step.kind == "edited" and step.changes["severity"] == [2, 3]
    assert audit_codes()[-1] == "jianfu.rectification.problem.updated"
    with pytest.raises(DomainError) as e:
        services.problem_update(
            by=people["contact_b"],
            problem=problem,
            version=problem.version,
            description="x",
            severity=1,
        )
    assert e.value.status == 404


def test_editing_a_problem_keeps_its_item_unless_given(units, people):
    from jianfu.rectification.selfexam import services as exams

    office = people["office"]
    nl = exams.list_create(by=office, title="省负面清单", year=2026)
    item = exams.item_save(
        by=office,
        negative_list=nl,
        data={"number": "1", "category": "文山会海", "title": "以文件落实文件", "explanation": ""},
    )
    problem = new_problem(office, units["TA"], item=item)
    problem = services.problem_update(
        by=office, problem=problem, version=problem.version, description="改写", severity=3
    )
    assert problem.item == item  # left out: kept
    problem = services.problem_update(
        by=office,
        problem=problem,
        version=problem.version,
        description="改写",
        severity=3,
        item=None,
    )
    assert problem.item is None  # given as None: cleared
    assert problem.steps.last().changes == {"item": [item.pk, None]}


def test_the_second_edit_of_a_problem_on_the_same_version_is_refused(units, people):
    contact, office = people["contact_a"], people["office"]
    problem = new_problem(office, units["TA"], description="会议过多", severity=2)
    assert (problem.version, problem.updated_by, problem.updated_at) == (1, office, clock.now())
    read = problem.version
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 2, 9, 41))):
        first = services.problem_update(
            by=contact, problem=problem, version=read, description="会议过多、陪会", severity=3
        )
    assert (first.version, first.updated_by) == (read + 1, contact)
    e = refused(
        services.problem_update,
        "conflict",
        by=office,
        problem=problem,
        version=read,
        description="办公室改写的描述",
        severity=1,
    )
    assert e.status == 409
    assert "contact_a" in str(e.message) and "09:41" in str(e.message)
    assert "这个问题" in str(e.message) and "您的保存未生效" in str(e.message)
    stored = Problem.objects.get(pk=problem.pk)
    assert (stored.description, stored.severity, stored.version) == ("会议过多、陪会", 3, read + 1)
    assert audit_codes().count("jianfu.rectification.problem.updated") == 1
    # Read again, the office's edit goes through and is the one the history shows last.
    again = services.problem_update(
        by=office, problem=stored, version=stored.version, description="办公室改写", severity=1
    )
    assert (again.version, again.updated_by) == (read + 2, office)
    assert again.steps.last().changes["description"] == ["会议过多、陪会", "办公室改写"]


def test_a_problem_edit_without_changes_keeps_the_version(units, people):
    problem = new_problem(people["office"], units["TA"])
    same = services.problem_update(
        by=people["contact_a"],
        problem=problem,
        version=problem.version,
        description=problem.description,
        severity=problem.severity,
    )
    assert (same.version, same.updated_by) == (1, people["office"])
    assert "jianfu.rectification.problem.updated" not in audit_codes()


def test_a_closed_problem_is_not_edited(units, people):
    problem = new_problem(people["office"], units["TA"])
    verified(people, problem)
    problem.refresh_from_db()
    assert problem.status == "closed"
    entries = AuditEntry.objects.count()
    e = refused(
        services.problem_update,
        "problem_closed",
        by=people["office"],
        problem=problem,
        version=problem.version,
        description="销号后改写",
        severity=1,
    )
    assert e.status == 409 and "已核验销号" in str(e.message)
    problem.refresh_from_db()
    assert problem.description != "销号后改写" and AuditEntry.objects.count() == entries


# --- Deleting a draft -----------------------------------------------------------------------------


def test_a_draft_measure_may_be_deleted_and_the_history_keeps_what_it_said(units, people, media):
    contact = people["contact_a"]
    problem = new_problem(people["office"], units["TA"])
    m = new_measure(contact, problem, content="重复制定的措施")
    evidence_files.attachment_add(
        by=contact, problem=problem, measure=m, uploads=[("方案.pdf", PDF)]
    )
    stale = m.version
    m = measures.measure_update(
        by=contact, measure_id=m.pk, version=m.version, data={"responsible_person": "李四"}
    )
    refused(measures.measure_delete, "conflict", by=contact, measure_id=m.pk, version=stale)
    measures.measure_delete(by=contact, measure_id=m.pk, version=m.version)
    assert not Measure.objects.filter(pk=m.pk).exists()
    step = problem.steps.order_by("at", "pk").last()
    assert step.measure_id is None and step.note == "重复制定的措施"
    assert step.changes == {"deleted_measure": m.pk}
    # The file stays with the problem.
    assert Attachment.objects.get(problem=problem).measure_id is None
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.code == "jianfu.rectification.measure.deleted"
    assert (entry.object_type, str(entry.object_id)) == ("rectification.measure", str(m.pk))


def test_a_measure_being_worked_on_is_never_deleted(units, people):
    contact = people["contact_a"]
    problem = new_problem(people["office"], units["TA"])
    m = act(contact, new_measure(contact, problem), "start")
    before = snapshot(m)
    e = refused(
        measures.measure_delete, "not_deletable", by=contact, measure_id=m.pk, version=m.version
    )
    assert e.status == 409 and "草稿" in str(e.message) and "整改中" in str(e.message)
    assert snapshot(m) == before
    # Nor by someone without the ledger code, nor outside their units.
    draft = new_measure(contact, problem)
    with pytest.raises(PermissionDenied):
        measures.measure_delete(by=people["leader"], measure_id=draft.pk, version=draft.version)
    refused(
        measures.measure_delete,
        "not_found",
        by=people["contact_b"],
        measure_id=draft.pk,
        version=draft.version,
    )


def test_deleting_the_last_unverified_draft_closes_the_problem(units, people):
    problem = new_problem(people["office"], units["TA"])
    draft = new_measure(people["contact_a"], problem, content="多余的草稿")
    verified(people, problem)
    measures.measure_delete(by=people["contact_a"], measure_id=draft.pk, version=draft.version)
    problem.refresh_from_db()
    assert problem.status == "closed"


# --- Who may be asked to verify -------------------------------------------------------------------


def test_a_city_unit_problem_has_verifiers_outside_the_city_unit(units, people):
    from jianfu.rectification.problems import queries

    office = people["office"]
    problem = new_problem(office, units["T"], description="市委办发文过多")
    names = {u.username for u in queries.verifier_candidates(office, problem)}
    # Not the city unit's own people (it never verifies itself), nor administrators or reporters.
    assert {"contact_a", "contact_b"} <= names
    assert not names & {"office", "leader", "discipline", "sysadmin", "reporter"}
    # The responsible unit's people are left out too.
    names = {
        u.username
        for u in queries.verifier_candidates(office, problem, responsible_unit_id=units["TA"].pk)
    }
    assert "contact_a" not in names and "contact_b" in names
    # A county problem may be verified by the city's discipline commission.
    county = new_problem(office, units["TA"])
    names = {u.username for u in queries.verifier_candidates(office, county)}
    assert {"discipline", "leader", "office", "contact_b"} <= names and "contact_a" not in names
