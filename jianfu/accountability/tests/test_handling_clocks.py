"""The statutory clocks in working days across National Day 2026 (1–7 October off; Sunday 20
September and Saturday 10 October worked), their colours, the org-adjustment month, the signal
rule acc_clock_overdue (raised on overdue only, nothing of the informant in it) and the home
card."""

import datetime as dt

import pytest

from jianfu.accountability.handling import queries, services
from jianfu.accountability.handling.models import Case, Outcome
from jianfu.accountability.tests.handling_city import at, clue, second_commissioner
from jianfu.core import clock, home
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.signals.rules import RULES

pytestmark = pytest.mark.django_db
D = dt.date


def _clocks(people, today, kind=None):
    out = queries.running_clocks(people["discipline"], today)
    return [c for c in out if kind is None or c.kind == kind]


def _approved(people, c, kind, **extra):
    d = services.disposition_propose(
        by=people["discipline"], clue_id=c.pk, kind=kind, reason="依据", **extra
    )
    return services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)


def test_passing_on_within_five_working_days_across_national_day(people):
    c = clue(received=at(2026, 9, 29))
    d = services.disposition_propose(
        by=people["discipline"],
        clue_id=c.pk,
        kind="passed_on",
        passed_to="省纪委",
        reason="属省管干部",
    )
    # 30 Sep, 8, 9, 10 (a Saturday worked) and 12 October: not 6 October by weekdays alone.
    (k,) = _clocks(people, D(2026, 9, 30), "pass_on")
    assert k.due == D(2026, 10, 12) and k.colour == "green" and k.days_left == 4
    assert _clocks(people, D(2026, 10, 8), "pass_on")[0].colour == "yellow"
    assert _clocks(people, D(2026, 10, 13), "pass_on")[0].colour == "red"
    services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)
    assert _clocks(people, D(2026, 10, 13), "pass_on") == []


def test_telling_a_real_name_informant_of_acceptance_and_of_the_result(people):
    c = clue(received=at(2026, 9, 29), real_name=True)
    anonymous = clue(received=at(2026, 9, 29))
    (k,) = _clocks(people, D(2026, 10, 9), "accept")
    assert k.clue_id == c.pk and k.due == D(2026, 10, 26)
    services.informant_told_accepted(by=people["discipline"], clue_id=c.pk)
    assert _clocks(people, D(2026, 10, 9), "accept") == []
    with pytest.raises(DomainError):
        services.informant_told_accepted(by=people["discipline"], clue_id=anonymous.pk)
    with pytest.raises(DomainError):  # not concluded yet
        services.informant_told_result(by=people["discipline"], clue_id=c.pk)
    with clock.frozen(at(2026, 9, 30)):
        _approved(people, c, "closed", closed_reason="untrue")
    # Closed on 30 September: 15 working days from 8 October on → 27 October.
    (k,) = _clocks(people, D(2026, 10, 9), "result")
    assert k.due == D(2026, 10, 27) and k.colour == "green"
    assert _clocks(people, D(2026, 10, 28), "result")[0].colour == "red"
    services.informant_told_result(by=people["discipline"], clue_id=c.pk)
    assert _clocks(people, D(2026, 10, 28), "result") == []


def test_a_letter_of_inquiry_answered_within_fifteen_working_days(people):
    c = clue()
    d = _approved(people, c, "inquiry", inquiry_mode="letter")
    assert _clocks(people, D(2026, 10, 9), "letter") == []  # not sent: no clock yet
    services.letter_sent(by=people["discipline"], disposition_id=d.pk, at=at(2026, 9, 28))
    (k,) = _clocks(people, D(2026, 10, 20), "letter")
    assert k.due == D(2026, 10, 23) and k.colour == "yellow" and k.days_left == 3
    assert _clocks(people, D(2026, 10, 26), "letter")[0].colour == "red"
    services.letter_answered(by=people["discipline"], disposition_id=d.pk, at=at(2026, 10, 22))
    assert _clocks(people, D(2026, 10, 26), "letter") == []


def test_the_org_adjustment_month(people):
    c = clue()
    _approved(people, c, "case")
    case = Case.objects.get(clue=c)
    with clock.frozen(at(2026, 1, 31)):
        o = services.outcome_add(
            by=people["discipline"],
            case_id=case.pk,
            kind="adjustment",
            person="张某",
            position="局长",
        )
    (k,) = _clocks(people, D(2026, 2, 10), "adjustment")
    assert k.due == D(2026, 2, 28) and k.colour == "green" and k.case_id == case.pk
    assert _clocks(people, D(2026, 3, 2), "adjustment")[0].colour == "red"
    assert queries.add_month(D(2026, 9, 15)) == D(2026, 10, 15)
    services.outcome_carried_out(by=people["discipline"], outcome_id=o.pk)
    assert _clocks(people, D(2026, 3, 2), "adjustment") == []
    with pytest.raises(DomainError):  # only an adjustment has a month
        other = Outcome.objects.create(
            case=case, kind="talk", decided_at=clock.now(), position="科长"
        )
        services.outcome_carried_out(by=people["discipline"], outcome_id=other.pk)


def test_the_yellow_margin_is_a_runtime_setting(people):
    from jianfu.core import runtime
    from jianfu.core.models import RuntimeSetting

    clue(received=at(2026, 9, 29), real_name=True)  # due 26 October
    assert _clocks(people, D(2026, 10, 19), "accept")[0].colour == "green"  # 5 left
    RuntimeSetting.objects.update_or_create(key=queries.config.YELLOW_DAYS, defaults={"value": 5})
    runtime.invalidate()
    assert _clocks(people, D(2026, 10, 19), "accept")[0].colour == "yellow"


def test_the_rule_raises_on_overdue_clocks_only_and_names_no_informant(people):
    late = clue("TA", received=at(2026, 9, 29), real_name=True, text="举报人张三电话138")
    clue("TB", received=at(2026, 10, 20), real_name=True)
    rule = RULES["acc_clock_overdue"]
    assert rule.group == "accountability"
    assert rule.evaluate(D(2026, 10, 26), None, {}) == []  # due that day: not yet overdue
    (f,) = rule.evaluate(D(2026, 10, 27), None, {})
    # The commission's duty sits on the top unit, never on the unit the clue is about: a signal
    # there would tell its contact that a clue exists before it is referred.
    top = Unit.objects.get(path=late.subject_unit.path[: Unit.steplen])
    assert f.unit_id == top.pk != late.subject_unit_id and f.subject == f"accept:c{late.pk}"
    assert rule.evaluate(D(2026, 10, 27), [late.subject_unit_id], {}) == []
    assert f.evidence["due"] == "2026-10-26" and f.evidence["days_late"] == 1
    text = str(f.evidence)
    assert "张三" not in text and "138" not in text and "real" not in text
    assert rule.evaluate(D(2026, 10, 27), [late.subject_unit_id + 999], {}) == []


def test_the_clocks_page_and_the_home_card_worst_first(people, login, rf):
    clue("TA", received=at(2026, 9, 1), real_name=True)
    clue("TB", received=at(2026, 9, 29), real_name=True)
    with clock.frozen(at(2026, 10, 9)):
        body = login("discipline").get("/accountability/handling/clocks/").content.decode()
        assert body.index("acc-clock-row-red") < body.index("acc-clock-green")
        assert login("contact_a").get("/accountability/handling/clocks/").status_code == 403
        cards = home.PROVIDERS["accountability.handling"].compute(
            people["discipline"], clock.today()
        )
    card = cards[0]
    assert card.count == 1 and card.tone == "urgent" and "甲县" in card.note
    assert cards[1].count == 0


def test_the_commission_home_page_shows_its_work_queue(people, login):
    clue("TA", received=at(2026, 9, 1), real_name=True)
    with clock.frozen(at(2026, 10, 9)):
        page = login("discipline").get("/").content.decode()
    assert "待办事项" in page and "法定时限将到或已过" in page
    assert "法定时限将到或已过" not in login("leader").get("/").content.decode()
