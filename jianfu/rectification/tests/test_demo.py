"""The rectification demo: a published negative list with its earlier version, one self-examination
round, problems from the planted signals and from a tour, a complaint and the office, ledgers in
every state, and the ledger's own signals raised for the planted cases and only those.

Built once for the module: the tiny demo beside the test city, as of 25 November 2026 (after the
National Day of the issue's working-day example), rolled back at the end.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import AuditEntry, Unit
from jianfu.demo import generator
from jianfu.demo import rectification as demo_data
from jianfu.rectification.models import (
    Measure,
    MeasureStatus,
    NegativeList,
    Participation,
    Problem,
    Round,
    Source,
    Step,
    StepKind,
)
from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.problems import problem_for

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
            root = Unit.objects.get(code="410900")
            units = {
                kind: list(Unit.objects.filter(kind=kind, path__startswith=root.path))
                for kind in ("county", "department", "township")
            }
            _city, counties, departments = demo_data.first_city({"city": [root], **units}, root)
            planted = demo_data.choose_planted(counties, departments, units["township"])
            yield {"counts": counts, "root": root, "planted": planted, "module": demo_data}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def under(demo):
    return {"unit__path__startswith": demo["root"].path}


def measures(demo):
    return Measure.objects.filter(problem__unit__path__startswith=demo["root"].path)


def test_a_published_negative_list_with_its_earlier_version(demo, db):
    current = NegativeList.objects.get(year=2026)
    assert current.is_published and current.title.endswith("（2026年版）")
    assert current.issued_by.startswith("中共") and current.issued_by.endswith("省委办公厅")
    items = list(current.items.all())
    assert 20 <= len(items) <= 30
    assert 5 <= len({i.category for i in items}) <= 7
    assert [i.number for i in items] == [str(n) for n in range(1, len(items) + 1)]
    assert all(i.explanation for i in items)
    previous = current.previous
    assert previous.year == 2025 and previous.is_published
    assert previous.items.count() < len(items)  # this year's version added items


def test_one_round_most_have_submitted_some_have_not(demo, db):
    rnd = Round.objects.get()
    assert rnd.is_open and rnd.opened_at.date() < AS_OF <= rnd.deadline
    parts = Participation.objects.filter(round=rnd)
    done = parts.filter(submitted_at__isnull=False)
    assert parts.count() == 5  # the tiny city's two counties and three departments
    assert 0 < parts.count() - done.count() < done.count()
    found = Problem.objects.filter(source=Source.SELF_EXAM, **under(demo))
    for p in found:
        assert p.exam_answer.answer in ("present", "partly") and p.item is not None
        assert p.description == p.exam_answer.explanation


def test_the_planted_signals_became_problems_carrying_their_evidence(demo, db):
    confirmed = Signal.objects.filter(status=SignalStatus.CONFIRMED, **under(demo))
    assert {(s.rule, s.subject) for s in confirmed} == {
        ("gaming", "white_header"),
        ("quota_rising", "meeting"),
        ("gaming", "remote_inspection"),
    }
    for s in confirmed:
        problem = problem_for(s)
        assert problem.unit_id == s.unit_id and problem.source == Source.SIGNAL
        assert problem.evidence["evidence"] == s.frozen["evidence"]
        assert problem.found_on == AS_OF
    # The pacing signal is left in the inbox.
    assert Signal.objects.filter(rule="quota_pacing", status=SignalStatus.OPEN).exists()


def test_problems_come_from_every_channel(demo, db):
    sources = set(Problem.objects.filter(**under(demo)).values_list("source", flat=True))
    assert sources >= {"self_exam", "signal", "tour", "complaint", "office", "sample_point"}


def test_the_ledgers_hold_every_state(demo, db):
    ms = measures(demo)
    statuses = set(ms.values_list("status", flat=True))
    assert statuses == set(MeasureStatus.values)
    assert ms.filter(status=MeasureStatus.RETURNED, returns=1).exists()
    assert ms.filter(returns=2).exists()
    assert ms.filter(kind="long_term", review_held=True, status=MeasureStatus.VERIFIED).exists()
    relapsed = ms.get(review_held=False)
    assert relapsed.status == MeasureStatus.IN_PROGRESS and relapsed.problem.relapses == 1
    assert ms.filter(kind="long_term", status="verified", reviewed_at__isnull=True).exists()
    in_progress = ms.filter(status=MeasureStatus.IN_PROGRESS)
    assert Step.objects.filter(measure__in=in_progress, kind=StepKind.PROGRESS).exists()
    closed = Problem.objects.filter(status="closed", **under(demo))
    assert closed.exists() and all(p.closed_at for p in closed)


def test_a_deadline_in_working_days_across_national_day(demo, db):
    m = measures(demo).get(working_days__isnull=False)
    assert (m.working_days, m.deadline_from) == (10, dt.date(2026, 9, 24))
    assert m.deadline == dt.date(2026, 10, 15)  # Mid-Autumn and 1–7 Oct off, Sat 10 Oct worked
    assert m.status == MeasureStatus.IN_PROGRESS


def test_the_ledgers_own_signals_are_raised_for_the_planted_cases_only(demo, db):
    planted, module = demo["planted"], demo["module"]
    assert set(planted) == set(module.PATTERN_LABELS)
    expected = {(module.RULE_OF[k], u.pk) for k, u in planted.items()}
    raised = Signal.objects.filter(rule__startswith="rect_")
    assert {(s.rule, s.unit_id) for s in raised} == expected
    assert raised.count() == len(expected) and all(s.status == "open" for s in raised)
    holiday = raised.get(unit=planted["overdue_holiday"])
    assert holiday.evidence["deadline"] == "2026-10-15" and holiday.severity == 3
    assert raised.get(unit=planted["overdue_draft"]).evidence["workdays_overdue"] == 8
    late = raised.get(unit=planted["overdue_returned"])
    assert late.evidence["workdays_overdue"] == 2 and late.evidence["status"] == "returned"
    twice = raised.get(rule="rect_returned")
    assert [e["note"] != "" for e in twice.evidence["events"]] == [True, True]
    relapse = raised.get(rule="rect_relapse")
    assert relapse.evidence["events"][0]["note"].startswith("抽查发现")
    labels = [k for k in demo["counts"] if k.startswith("埋设整改预警样例")]
    assert len(labels) == 5 and all(u.name in " ".join(labels) for u in planted.values())


def test_the_history_is_in_the_past_and_in_order(demo, db):
    steps = Step.objects.filter(problem__unit__path__startswith=demo["root"].path)
    assert all(s.at.date() <= AS_OF for s in steps)
    assert not Problem.objects.filter(found_on__gt=AS_OF).exists()
    codes = AuditEntry.objects.filter(code__startswith="jianfu.rectification.").order_by("seq")
    ats = list(codes.values_list("at", flat=True))
    assert ats == sorted(ats) and len(ats) > 30


def test_the_signal_page_links_the_problem(demo, db, client):
    from jianfu.core.models import User

    s = Signal.objects.get(rule="rect_returned")
    client.force_login(User.objects.get(username="demo-office"))
    with clock.frozen(AS_OF):
        page = client.get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert "第 2 次退回" in page and "累计退回" in page
    assert reverse("problem_detail", args=[s.evidence["problem"]]) in page
