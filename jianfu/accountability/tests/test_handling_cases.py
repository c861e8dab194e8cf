"""Cases: opened from a clue, findings, an outcome for each person or the unit, problems opened on
the unit's list in one step (rectification, its status on the case page, the contact told),
concluded and closed; the outcomes page and the bulletin section agree and name positions only."""

import datetime as dt

import pytest

from jianfu.accountability.clues.models import ClueStatus
from jianfu.accountability.handling import bulletin, services, sources
from jianfu.accountability.handling.models import Case, CaseStatus, ClueTrack
from jianfu.accountability.tests.handling_city import at, clue, second_commissioner
from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.notify.models import Notice

pytestmark = pytest.mark.django_db


def _case(people, unit="TA"):
    c = clue(unit, real_name=True)
    d = services.disposition_propose(by=people["discipline"], clue_id=c.pk, kind="case", reason="r")
    services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)
    return Case.objects.get(clue=c)


def test_a_case_after_a_preliminary_verification(people):
    c = clue()
    with pytest.raises(DomainError):
        services.case_open(by=people["discipline"], clue_id=c.pk)
    d = services.disposition_propose(
        by=people["discipline"], clue_id=c.pk, kind="verification", reason="需核实"
    )
    services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)
    case = services.case_open(by=people["discipline"], clue_id=c.pk)
    assert case.unit_id == c.subject_unit_id and case.status == CaseStatus.VERIFYING


def test_outcomes_problems_conclude_and_close(people, login):
    case = _case(people)
    me = people["discipline"]
    with pytest.raises(DomainError) as e:
        services.case_conclude(by=me, case_id=case.pk)
    assert e.value.field == "findings"
    services.case_findings(by=me, case_id=case.pk, findings="以会议落实会议，层层陪会")
    with pytest.raises(DomainError) as e:  # a party organisation gets no 诫勉
        services.outcome_add(by=me, case_id=case.pk, kind="admonishment")
    assert "党组织" in str(e.value.message)
    with pytest.raises(DomainError):  # a person gets no 改组
        services.outcome_add(
            by=me, case_id=case.pk, kind="org_reorganise", person="李某", position="副县长"
        )
    services.outcome_add(
        by=me, case_id=case.pk, kind="admonishment", person="李某", position="副县长"
    )
    services.outcome_add(by=me, case_id=case.pk, kind="org_review")
    problems = sources.case_problems_open(
        by=me, case_id=case.pk, descriptions=["会议过多过长", "", "陪会要求层层加码"]
    )
    assert [p.source for p in problems] == ["discipline", "discipline"]
    assert all(p.unit_id == case.unit_id and p.status == "open" for p in problems)
    told = Notice.objects.filter(kind="accountability.case_problems")
    assert told.count() == 1
    page = login("discipline").get(f"/accountability/handling/cases/{case.pk}/").content.decode()
    assert "会议过多过长" in page and "整改中" in page
    services.case_conclude(by=me, case_id=case.pk)
    services.case_close(by=me, case_id=case.pk)
    case.refresh_from_db()
    case.clue.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.clue.status == ClueStatus.CLOSED
    assert ClueTrack.objects.get(clue=case.clue).concluded_at is not None
    with pytest.raises(DomainError):
        services.outcome_add(by=me, case_id=case.pk, kind="talk", person="王某", position="科长")


def test_case_scope_for_contacts_and_leaders(people, login):
    case = _case(people, "TA")
    assert login("contact_b").get(f"/accountability/handling/cases/{case.pk}/").status_code == 404
    assert login("contact_a").get(f"/accountability/handling/cases/{case.pk}/").status_code == 403
    assert login("leader").get(f"/accountability/handling/cases/{case.pk}/").status_code == 403
    assert (
        login("leader").post(f"/accountability/handling/cases/{case.pk}/conclude/").status_code
        == 403
    )


def test_the_case_list_in_bounded_queries(people, login, django_assert_max_num_queries):
    for _ in range(4):
        case = _case(people)
        services.outcome_add(by=people["discipline"], case_id=case.pk, kind="talk", position="科长")
    page = login("discipline")
    with django_assert_max_num_queries(20):
        assert page.get("/accountability/handling/cases/").status_code == 200


def test_the_bulletin_section_equals_the_outcomes_page_and_names_no_one(people, login):
    me = people["discipline"]
    with clock.frozen(at(2026, 11, 3)):
        case = _case(people, "TB")
        services.case_findings(by=me, case_id=case.pk, findings="事实")
        services.outcome_add(
            by=me, case_id=case.pk, kind="notice", person="赵某某", position="镇长"
        )
        services.outcome_add(by=me, case_id=case.pk, kind="org_notice")
        services.case_conclude(by=me, case_id=case.pk)
        other = _case(people, "TA")
        services.outcome_add(by=me, case_id=other.pk, kind="talk", person="钱某", position="所长")
    part = bulletin.build(
        bs.Context(people["office"], dt.date(2026, 11, 1), dt.date(2026, 11, 30), "11月")
    )
    page = login("leader").get("/accountability/handling/outcomes/?start=2026-11-01&end=2026-11-30")
    body = page.content.decode()
    assert {f["label"]: f["value"] for f in part.figures} == {
        "通报批评": 1,
        "通报（党组织）": 1,
        "谈话提醒": 1,
    }
    assert len(part.lines) == 1
    assert part.lines[0]["text"] in body and "镇长：通报批评" in part.lines[0]["text"]
    for name in ("赵某某", "钱某"):
        assert name not in str(part.as_json()) and name not in body
    for label, n in ((f["label"], f["value"]) for f in part.figures):
        assert f'<span>{label}</span><span class="fw-semibold">{n}</span>' in body
    empty = bulletin.build(
        bs.Context(people["office"], dt.date(2026, 1, 1), dt.date(2026, 1, 31), "1月")
    )
    assert empty.empty
