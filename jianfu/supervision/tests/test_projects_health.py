"""Each health check of key projects raises its signal on its planted case, with the figures, and
not on the clean twin; several clean projects with ordinary noise raise nothing."""

import random

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import RULES
from jianfu.supervision.projects import health, services

from . import projects_factory as f

pytestmark = pytest.mark.django_db


def run(as_of=f.AS_OF):
    runner.run(as_of=as_of, rules=list(health.CODES))
    return {(s.rule, s.subject) for s in Signal.objects.filter(rule__in=health.CODES)}


def raised(p, found):
    return {rule for rule, subject in found if subject == health.subject(p.pk)}


def test_the_rules_are_registered():
    for code in health.CODES:
        assert RULES[code].group == "projects"


def test_clean_projects_raise_nothing(units):
    rng = random.Random(7)
    for i in range(8):
        unit = units["TA" if i % 2 else "TB"]
        f.clean(unit, f"清洁项目{i}", rng=rng, location=f"园区{i}号地块")
    # A project not started and not a deal, planned for next year: nothing to say either.
    f.project(units["TA"], "待建项目", location="北区", milestones=2)
    assert run() == set()


def test_signed_never_started(units):
    planted = f.project(units["TA"], "签约未开工", deal=(13, 2000, 500), milestones=2)
    twin = f.clean(units["TA"], "签约已开工", location="南区", deal=(13, 2000, 900))
    found = run()
    assert raised(planted, found) == {"proj_unstarted"}
    assert raised(twin, found) == set()
    s = Signal.objects.get(rule="proj_unstarted")
    assert s.unit_id == units["TA"].pk
    figures = {x["key"]: x["value"] for x in s.evidence["figures"]}
    assert figures["months_since_signing"] == 13 and figures["amount_signed"] == 2000.0


def test_money_stalled(units):
    planted = f.clean(units["TA"], "资金停滞", money_months=[4, 5, 6, 7, 8, 9], done=1)
    twin = f.clean(units["TA"], "资金正常", location="东区", money_months=[0, 1, 3, 4, 5, 6, 7])
    found = run()
    assert raised(planted, found) == {"proj_money_stalled"}
    assert raised(twin, found) == set()
    s = Signal.objects.get(rule="proj_money_stalled")
    figures = {x["key"]: x["value"] for x in s.evidence["figures"]}
    assert figures["months_without_money"] == 3  # months 3, 2 and 1 back
    assert "连续 3 个月没有资金到位" in RULES["proj_money_stalled"].headline(s.subject, s.evidence)


def test_low_arrival_six_months_after_signing(units):
    planted = f.clean(units["TA"], "到位率低", deal=(7, 5000, 500), start_months_ago=6)  # 10 %
    twin = f.clean(
        units["TA"], "到位率正常", location="西区", deal=(7, 5000, 900), start_months_ago=6
    )  # 18 %
    early = f.clean(units["TB"], "刚签约", deal=(5, 5000, 0), start_months_ago=4)
    found = run()
    assert raised(planted, found) == {"proj_low_arrival"}
    assert raised(twin, found) == set() and raised(early, found) == set()


def test_progress_far_ahead_of_money(units):
    planted = f.clean(units["TA"], "进度虚报", done=4, money_months=[0, 1, 2], total=3000)
    twin = f.clean(units["TA"], "进度如实", location="北区", done=3, total=1500)
    found = run()
    assert raised(planted, found) == {"proj_progress_ahead"}
    assert raised(twin, found) == set()


def test_a_started_project_started_again(units):
    planted = f.clean(units["TA"], "重复开工")
    twin = f.clean(units["TA"], "一次开工", location="港区")
    with clock.frozen(f.AS_OF):
        event = services.project_record_start(
            by=f.office(), project=planted, started_on=f.month(1), note="再次举行开工仪式"
        )
    assert event.repeated
    planted.refresh_from_db()
    assert planted.actual_start == f.month(10).replace(day=20)  # the first start stays
    found = run()
    assert raised(planted, found) == {"proj_restarted"}
    assert raised(twin, found) == set()
    s = Signal.objects.get(rule="proj_restarted")
    assert len(s.evidence["starts"]) == 2


def test_a_new_project_matching_an_old_one_by_name_and_location(units):
    old = f.clean(units["TA"], "智能制造产业园", location="高新区 A 区")
    new = f.clean(units["TB"], "智能制造产业园项目（一期）", location="高新区A区")
    other = f.clean(units["TB"], "智能制造产业园", location="临港区")
    phase_two = f.clean(units["TA"], "智能制造产业园二期", location="高新区A区")
    found = run()
    assert raised(new, found) == {"proj_restarted"}
    assert raised(old, found) == set() and raised(other, found) == set()
    assert raised(phase_two, found) == set()
    s = Signal.objects.get(rule="proj_restarted")
    assert s.evidence["earlier"] == old.pk
    assert "同名同址" in RULES["proj_restarted"].headline(s.subject, s.evidence)


def test_a_signal_resolves_once_the_money_arrives(units):
    planted = f.clean(units["TA"], "资金停滞后恢复", money_months=[5, 6, 7, 8, 9])
    assert raised(planted, run()) == {"proj_money_stalled"}
    with clock.frozen(f.AS_OF):
        services.money_record(
            by=f.office(), project=planted, month=f.month(0), planned=100, arrived=80
        )
    run()
    assert Signal.objects.get(rule="proj_money_stalled").status == "resolved"


def test_the_signal_page_links_the_project(units, login):
    planted = f.project(units["TA"], "签约未开工", deal=(13, 2000, 500), milestones=2)
    run()
    s = Signal.objects.get(rule="proj_unstarted")
    page = login("office").get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert reverse("project_detail", args=[planted.pk]) in page
    assert "签约未开工" in page


def test_the_rules_read_in_a_sentence_with_their_thresholds(login):
    page = login("office").get(reverse("signal_rules")).content.decode()
    assert "重点项目" in page
    assert "签约满 12 个月仍未开工" in page
    assert "不足签约金额的 15% 即预警" in page
    assert "连续 3 个整月" in page
