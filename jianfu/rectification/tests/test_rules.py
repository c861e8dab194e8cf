"""The rectification ledger's signals, on small ledgers built through the services in the test city:
a measure past its deadline (rect_overdue), a problem returned again and again (rect_returned), a
relapse at the review (rect_relapse); a clean ledger raises nothing; they run after every write on
the ledger and nightly; the signal page says what happened in words."""

import datetime as dt
import re

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.core import clock, events, scheduler
from jianfu.core.models import User
from jianfu.rectification.models import Measure, Problem, Source
from jianfu.rectification.problems import measures, services
from jianfu.signals import runner, tasks
from jianfu.signals import services as signals
from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.problems import problem_for
from jianfu.signals.rules import RULES
from jianfu.signals.rules import rectification as rules

pytestmark = pytest.mark.django_db

FOUND = dt.date(2026, 3, 2)  # a Monday
SETTINGS = {rules.OVERDUE_MEDIUM: 5, rules.OVERDUE_HIGH: 20, rules.RETURNED_TIMES: 2}


def fresh(username: str) -> User:
    return User.objects.select_related("home_unit").get(username=username)


@pytest.fixture
def office():
    return fresh("office")


@pytest.fixture
def contact():
    return fresh("contact_a")


def problem(office, unit, found=FOUND, **kwargs) -> Problem:
    kwargs.setdefault("source", Source.TOUR)
    kwargs.setdefault("description", "县委办向乡镇下发的报表中多张重复，要求基层反复填报")
    with clock.frozen(found):
        return services.problem_create(by=office, unit_id=unit.pk, found_on=found, **kwargs)


def measure(by, p, on=FOUND, **data) -> Measure:
    data.setdefault("content", "清理面向乡镇的报表，同一数据只报一次")
    data.setdefault("kind", "immediate")
    data.setdefault("responsible_unit_id", p.unit_id)
    data.setdefault("responsible_person", "李华")
    with clock.frozen(on):
        return measures.measure_create(by=by, problem=p, data=data)


def act(by, m, action, on, note="", **kwargs) -> Measure:
    version = Measure.objects.values_list("version", flat=True).get(pk=m.pk)
    with clock.frozen(on):
        return measures.measure_act(
            by=by, measure_id=m.pk, version=version, action=action, note=note, **kwargs
        )


def run(as_of: dt.date):
    with clock.frozen(as_of):
        return runner.run_rules(as_of=as_of, group="rectification")


def rect_signals(**filters):
    return Signal.objects.filter(rule__startswith="rect_", **filters)


def figures(signal) -> dict:
    return {f["key"]: f["value"] for f in signal.evidence["figures"]}


# --- Overdue --------------------------------------------------------------------------------------


def test_an_overdue_measure_raises_a_signal_with_its_evidence(office, contact, units):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20), responsible_unit_id=units["TA01"].pk)
    act(contact, m, "start", FOUND)
    run(dt.date(2026, 3, 20))
    assert not rect_signals().exists()  # due today is not late
    run(dt.date(2026, 3, 24))  # a Tuesday: Mon 23 and Tue 24 are the working days late
    s = Signal.objects.get(rule="rect_overdue")
    assert (s.unit, s.period, s.subject, s.severity) == (units["TA"], "2026", f"m{m.pk}", 1)
    assert s.evidence["measure"] == m.pk and s.evidence["problem"] == p.pk
    assert s.evidence["days_overdue"] == 4 and s.evidence["workdays_overdue"] == 2
    fig = figures(s)
    assert fig["deadline"] == "2026-03-20" and fig["measure_status"] == "in_progress"
    assert fig["responsible_unit"] == "甲一镇" and fig["responsible_person"] == "李华"
    assert fig["measure"].startswith("清理面向乡镇的报表")
    assert s.evidence["records"] == {"model": "rectification.problem", "ids": [p.pk], "count": 1}


def test_severity_rises_with_the_working_days_late(office, contact, units):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20))
    for as_of, severity in ((dt.date(2026, 3, 26), 1), (dt.date(2026, 3, 27), 2)):
        (found,) = rules.evaluate_overdue(as_of, None, SETTINGS)
        assert found.severity == severity and found.subject == f"m{m.pk}"
    (found,) = rules.evaluate_overdue(dt.date(2026, 4, 20), None, SETTINGS)
    assert found.evidence["workdays_overdue"] >= 20 and found.severity == 3
    assert found.conditions == ("overdue", "draft")


def test_submitting_the_measure_resolves_its_signal(
    office, contact, units, django_capture_on_commit_callbacks
):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20))
    act(contact, m, "start", FOUND)
    run(dt.date(2026, 3, 25))
    s = Signal.objects.get(rule="rect_overdue")
    assert s.status == SignalStatus.OPEN
    # The write announces itself; the subscribed task runs the rules once it commits.
    with (
        clock.frozen(dt.date(2026, 3, 26)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        act(contact, m, "submit", dt.date(2026, 3, 26), "报表已清理，保留 3 张")
    assert callbacks
    s.refresh_from_db()
    assert s.status == SignalStatus.RESOLVED


def test_a_returned_measure_past_its_deadline_is_overdue_again(office, contact, units):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20))
    act(contact, m, "start", FOUND)
    act(contact, m, "submit", dt.date(2026, 3, 18), "已完成")
    run(dt.date(2026, 3, 25))
    assert not rect_signals().exists()  # waiting for verification is not the unit's delay
    act(office, m, "return", dt.date(2026, 3, 25), "报表清单未附")
    run(dt.date(2026, 3, 26))
    s = Signal.objects.get(rule="rect_overdue")
    assert s.evidence["status"] == "returned" and s.evidence["conditions"] == [
        "overdue",
        "returned",
    ]


def test_a_measure_due_today_is_not_overdue(office, contact, units):
    p = problem(office, units["TA"])
    measure(contact, p, deadline=dt.date(2026, 3, 20))
    assert rules.evaluate_overdue(dt.date(2026, 3, 20), None, SETTINGS) == []
    assert len(rules.evaluate_overdue(dt.date(2026, 3, 21), None, SETTINGS)) == 1


def test_working_days_late_across_national_day(office, contact, units):
    # 10 working days from Thursday 24 September 2026: Mid-Autumn (25–27 Sep) and National Day
    # (1–7 Oct) off, Saturday 10 October a make-up working day → due Thursday 15 October.
    p = problem(office, units["TA"], found=dt.date(2026, 9, 22))
    on = dt.date(2026, 9, 24)
    m = measure(contact, p, on=on, working_days=10, deadline_from=on)
    assert m.deadline == dt.date(2026, 10, 15)
    (found,) = rules.evaluate_overdue(dt.date(2026, 10, 20), None, SETTINGS)
    ev = found.evidence
    assert ev["days_overdue"] == 5 and ev["workdays_overdue"] == 3  # Fri 16, Mon 19, Tue 20
    fig = figures(found)
    assert fig["working_days"] == 10 and fig["deadline_from"] == "2026-09-24"
    # A deadline missed just before the holiday: nine days late, two of them working days.
    m.deadline = dt.date(2026, 9, 30)
    m.save(update_fields=["deadline"])
    (found,) = rules.evaluate_overdue(dt.date(2026, 10, 9), None, SETTINGS)
    assert found.evidence["days_overdue"] == 9 and found.evidence["workdays_overdue"] == 2
    (found,) = rules.evaluate_overdue(dt.date(2026, 10, 10), None, SETTINGS)  # make-up Saturday
    assert found.evidence["workdays_overdue"] == 3


def test_the_rules_run_for_the_units_asked_only(office, contact, units):
    p = problem(office, units["TA"])
    measure(contact, p, deadline=dt.date(2026, 3, 20))
    assert rules.evaluate_overdue(dt.date(2026, 4, 1), [units["TB"].pk], SETTINGS) == []
    assert len(rules.evaluate_overdue(dt.date(2026, 4, 1), [units["TA"].pk], SETTINGS)) == 1


# --- Returned twice ------------------------------------------------------------------------------


def test_a_problem_returned_twice_raises_rect_returned(office, contact, units):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 6, 30))
    act(contact, m, "start", FOUND)
    act(contact, m, "submit", dt.date(2026, 3, 10), "已清理")
    act(office, m, "return", dt.date(2026, 3, 12), "未提供保留报表的清单")
    act(contact, m, "submit", dt.date(2026, 3, 16), "已补充清单")
    run(dt.date(2026, 3, 16))
    assert not rect_signals().exists()  # once is not yet a pattern
    act(office, m, "return", dt.date(2026, 3, 18), "抽查两个乡镇，仍在重复报送")
    run(dt.date(2026, 3, 18))
    s = Signal.objects.get(rule="rect_returned")
    assert (s.unit, s.subject, s.period, s.severity) == (units["TA"], f"p{p.pk}", "2026", 2)
    assert s.evidence["returns"] == 2
    assert [(e["date"], e["note"], e["measure"]) for e in s.evidence["events"]] == [
        ("2026-03-12", "未提供保留报表的清单", m.pk),
        ("2026-03-18", "抽查两个乡镇，仍在重复报送", m.pk),
    ]
    dated = [f for f in s.evidence["figures"] if f["key"] == "return_n"]
    assert [f["args"]["n"] for f in dated] == [1, 2]
    assert dated[1]["value"] == {"date": "2026-03-18", "text": "抽查两个乡镇，仍在重复报送"}
    assert not Signal.objects.filter(rule="rect_overdue").exists()


def test_returns_add_up_over_the_problems_measures(office, contact, units):
    p = problem(office, units["TA"])
    for content in ("清理报表", "合并工作群"):
        m = measure(contact, p, content=content, deadline=dt.date(2026, 6, 30))
        act(contact, m, "start", FOUND)
        act(contact, m, "submit", dt.date(2026, 3, 10), "已完成")
        act(office, m, "return", dt.date(2026, 3, 12), "证明材料不足")
    (found,) = rules.evaluate_returned(dt.date(2026, 3, 12), None, SETTINGS)
    assert found.subject == f"p{p.pk}" and found.evidence["returns"] == 2


# --- Relapse -------------------------------------------------------------------------------------


def long_term_verified(office, contact, p) -> Measure:
    m = measure(
        contact,
        p,
        kind="long_term",
        deadline=dt.date(2026, 4, 30),
        review_on=dt.date(2026, 9, 30),
        mechanism="《关于规范向基层报送报表的若干规定》（甲办发〔2026〕5号）",
    )
    act(contact, m, "start", FOUND)
    act(contact, m, "submit", dt.date(2026, 4, 28), "报表统一由县统计局归口管理")
    return act(office, m, "verify", dt.date(2026, 4, 30), "抽查三个乡镇，属实")


def test_a_relapse_at_the_review_raises_rect_relapse(office, contact, units):
    p = problem(office, units["TA"], severity=2)
    m = long_term_verified(office, contact, p)
    run(dt.date(2026, 9, 30))
    assert not rect_signals().exists()
    note = "回头看发现 9 月又新增 4 张临时报表，要求乡镇当日报送"
    new_deadline = dt.date(2026, 10, 30)
    act(office, m, "review", dt.date(2026, 10, 9), note, held=False, deadline=new_deadline)
    run(dt.date(2026, 10, 9))
    s = Signal.objects.get(rule="rect_relapse")
    assert (s.unit, s.subject, s.period, s.severity) == (units["TA"], f"p{p.pk}", "2026", 2)
    assert s.evidence["relapses"] == 1 and s.evidence["problem_status"] == "open"
    assert s.evidence["events"] == [
        {"date": "2026-10-09", "note": note, "measure": m.pk, "content": m.content}
    ]
    assert figures(s)["mechanism"].startswith("《关于规范向基层报送报表")
    # Back in progress to the new deadline, not late against the one it met before.
    assert not Signal.objects.filter(rule="rect_overdue").exists()
    assert rules.evaluate_overdue(new_deadline, None, SETTINGS) == []
    (late,) = rules.evaluate_overdue(dt.date(2026, 11, 2), None, SETTINGS)
    assert late.subject == f"m{m.pk}" and late.evidence["workdays_overdue"] == 1


def test_a_second_relapse_is_severe(office, contact, units):
    p = problem(office, units["TA"], severity=1)
    m = long_term_verified(office, contact, p)
    act(
        office,
        m,
        "review",
        dt.date(2026, 10, 9),
        "反弹",
        held=False,
        deadline=dt.date(2026, 10, 30),
    )
    (found,) = rules.evaluate_relapse(dt.date(2026, 10, 9), None, SETTINGS)
    assert found.severity == 2
    act(contact, m, "submit", dt.date(2026, 10, 28), "已再次清理")
    act(office, m, "verify", dt.date(2026, 10, 29), "属实")
    act(
        office,
        m,
        "review",
        dt.date(2026, 12, 1),
        "又反弹",
        held=False,
        deadline=dt.date(2027, 1, 15),
    )
    (found,) = rules.evaluate_relapse(dt.date(2026, 12, 1), None, SETTINGS)
    assert found.severity == 3 and found.period == "2026"
    assert [e["note"] for e in found.evidence["events"]] == ["反弹", "又反弹"]


# --- Clean -------------------------------------------------------------------------------------


def test_a_clean_ledger_raises_nothing(office, contact, units):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20))
    act(contact, m, "start", FOUND)
    act(contact, m, "submit", dt.date(2026, 3, 19), "已完成")
    act(office, m, "verify", dt.date(2026, 3, 23), "属实")
    lasting = long_term_verified(office, contact, problem(office, units["TA"]))
    in_time = measure(contact, problem(office, units["TA"]), deadline=dt.date(2026, 12, 31))
    act(contact, in_time, "start", FOUND)
    run(dt.date(2026, 9, 30))
    act(office, lasting, "review", dt.date(2026, 9, 30), "抽查未见新增报表", held=True)
    for as_of in (dt.date(2026, 3, 20), dt.date(2026, 10, 9), dt.date(2026, 12, 31)):
        run(as_of)
    assert not rect_signals().exists()


# --- Plumbing ----------------------------------------------------------------------------------


def test_the_rules_are_registered_in_their_group():
    for code in ("rect_overdue", "rect_returned", "rect_relapse"):
        assert RULES[code].group == "rectification"


def test_a_ledger_write_runs_the_group_once_committed(
    office, units, django_capture_on_commit_callbacks
):
    assert tasks.Coalesced(tasks.run_rectification_rules) in events._subscribers["rectification"]
    p = problem(office, units["TA"])
    with (
        clock.frozen(dt.date(2026, 3, 30)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        measure(fresh("contact_a"), p, on=dt.date(2026, 3, 2), deadline=dt.date(2026, 3, 20))
        assert not Signal.objects.exists()  # nothing runs before the commit
    assert len(callbacks) == 1
    assert Signal.objects.get().rule == "rect_overdue"


def test_the_nightly_run_includes_the_rectification_rules(office, contact, units):
    job = next(j for j in scheduler.JOBS if j.name == tasks.NIGHTLY_JOB)
    assert job.task is tasks.run_all_rules
    p = problem(office, units["TA"])
    measure(contact, p, deadline=dt.date(2026, 3, 20))
    with clock.frozen(dt.date(2026, 3, 23)):
        tasks.run_all_rules.call()
    assert Signal.objects.get().rule == "rect_overdue"


def test_a_burst_of_changes_queues_one_run(settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):  # three rows of a ledger import, say
            events.data_changed("rectification")
    queued = DBTaskResult.objects.filter(task_path=tasks.run_rectification_rules.module_path)
    assert queued.count() == 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.data_changed("rectification")  # the queued run has not started: it covers this
    assert queued.count() == 1
    queued.update(status="RUNNING")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.data_changed("rectification")  # the running one may have read before this
    assert queued.count() == 2


# --- The page and the problem a confirmed signal becomes -----------------------------------------


def test_the_signal_page_says_it_in_words(office, contact, units, login):
    p = problem(office, units["TA"])
    m = measure(contact, p, deadline=dt.date(2026, 3, 20))
    run(dt.date(2026, 3, 30))
    s = Signal.objects.get(rule="rect_overdue")
    with clock.frozen(dt.date(2026, 3, 30)):
        page = login("office").get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert "整改逾期" in page and "已超过完成时限 2026-03-20" in page
    for words in ("已逾期（工作日）", "6 个工作日", "10 天", "草稿", "立行立改", "责任人", "李华"):
        assert words in page, words
    # The subject's code (m<pk>) is never shown as words; a link may carry it, and a random
    # token may hold the same letters, so only the text between tags is read.
    words = re.sub(r"<[^>]*>", " ", page)
    assert m.content[:10] in words and not re.search(rf"\bm{m.pk}\b", words)


def test_a_confirmed_overdue_signal_becomes_a_problem_that_reads_well(office, contact, units):
    p = problem(office, units["TA"])
    measure(contact, p, deadline=dt.date(2026, 3, 20))
    run(dt.date(2026, 3, 30))
    s = Signal.objects.get(rule="rect_overdue")
    with clock.frozen(dt.date(2026, 3, 30)):
        signals.signal_confirm(by=office, signal=s, note="督促甲县限期完成")
    new = problem_for(s)
    assert new.unit == units["TA"] and new.source == Source.SIGNAL
    assert new.description.startswith("整改逾期，2026：整改措施“清理面向乡镇的报表")
    assert "m" + str(s.evidence["measure"]) not in new.description
    assert new.evidence["rule"] == "rect_overdue" and new.evidence["evidence"]["problem"] == p.pk
