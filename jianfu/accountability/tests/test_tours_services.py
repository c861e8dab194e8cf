"""Tours' writes: findings become problems in one step (source tour, each in its unit's list,
idempotent), a finding is referred as a clue (channel TOUR, source kept), and the checks."""

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.accountability.clues.models import Clue, ClueChannel
from jianfu.accountability.tours import services
from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.rectification.models import Problem, Source

from .tours_helpers import add, day, make_tour

pytestmark = pytest.mark.django_db


def test_chosen_findings_become_problems_in_their_units_lists_in_one_step(people, units):
    tour = make_tour(people, units)
    a1 = add(people, tour, units["TA"], "甲县会议层层陪会")
    a2 = add(people, tour, units["TA"], "甲县过度留痕", category="traces")
    b1 = add(people, tour, units["TB"], "乙县报表多")
    with clock.frozen(day(45)):
        made = services.findings_to_problems(
            by=people["office"], tour=tour, finding_ids=[a1.pk, a2.pk, b1.pk]
        )
    assert len(made) == 3
    problems = {p.source_id: p for p in Problem.objects.filter(source_kind=services.KIND)}
    assert {problems[a1.pk].unit_id, problems[a2.pk].unit_id} == {units["TA"].pk}
    assert problems[b1.pk].unit_id == units["TB"].pk
    assert {p.source for p in problems.values()} == {Source.TOUR}
    assert "甲县过度留痕" in problems[a2.pk].description
    assert problems[a2.pk].evidence["tour_name"] == tour.name
    a1.refresh_from_db()
    assert a1.problem_id == problems[a1.pk].pk
    assert AuditEntry.objects.filter(code="jianfu.accountability.finding.problems").count() == 1


def test_doing_it_again_adds_nothing(people, units):
    tour = make_tour(people, units)
    a1 = add(people, tour, units["TA"], "甲县会议层层陪会")
    b1 = add(people, tour, units["TB"], "乙县报表多")
    services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[a1.pk])
    made = services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[a1.pk, b1.pk])
    assert [p.source_id for p in made] == [b1.pk]
    assert Problem.objects.filter(source_kind=services.KIND).count() == 2
    assert services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[a1.pk]) == []


def test_another_tours_finding_is_refused_and_nothing_saved(people, units):
    tour = make_tour(people, units)
    other = make_tour(people, units, name="另一轮巡察")
    a1 = add(people, tour, units["TA"], "甲县会议层层陪会")
    x = add(people, other, units["TB"], "别的巡察的问题")
    with pytest.raises(DomainError) as e:
        services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[a1.pk, x.pk])
    assert e.value.code == "not_of_tour"
    assert not Problem.objects.filter(source_kind=services.KIND).exists()


def test_a_referred_finding_is_a_clue_of_the_tour_channel_keeping_its_source(people, units):
    tour = make_tour(people, units)
    f = add(people, tour, units["TB"], "乙县统计数据造假", category="gaming")
    clue = services.finding_refer(by=people["discipline"], finding=f)
    assert clue.channel == ClueChannel.TOUR
    assert (clue.source_kind, clue.source_id) == ("tour_finding", f.pk)
    assert clue.subject_unit_id == units["TB"].pk and clue.category == "gaming"
    assert "乙县统计数据造假" in clue.text
    f.refresh_from_db()
    assert f.clue_id == clue.pk
    with pytest.raises(DomainError) as e:
        services.finding_refer(by=people["office"], finding=f)
    assert e.value.code == "referred"
    assert Clue.objects.filter(source_kind="tour_finding").count() == 1
    assert AuditEntry.objects.filter(code="jianfu.accountability.finding.referred").exists()


def test_a_finding_must_be_of_a_target_and_within_the_tour(people, units):
    tour = make_tour(people, units, targets=("TA",))
    with pytest.raises(DomainError) as e:
        add(people, tour, units["TB"], "不是被巡察单位")
    assert e.value.field == "unit_id"
    with pytest.raises(DomainError) as e:
        add(people, tour, units["TA"], "进驻之前", found=90)
    assert e.value.code == "found_before_tour"


def test_a_tour_ending_before_it_starts_is_refused_naming_the_dates(people, units):
    with pytest.raises(DomainError) as e:
        services.tour_save(
            by=people["office"],
            data={
                "name": "巡察",
                "round": 1,
                "leader": "组长",
                "starts_on": day(10),
                "ends_on": day(20),
                "target_ids": [units["TA"].pk],
            },
        )
    assert e.value.field == "ends_on" and day(20).isoformat() in str(e.value.message)


def test_a_contact_cannot_create_a_tour(people, units):
    with pytest.raises(PermissionDenied):
        services.tour_save(
            by=people["contact_a"],
            data={
                "name": "巡察",
                "round": 1,
                "leader": "组长",
                "starts_on": day(20),
                "ends_on": day(10),
                "target_ids": [units["TA"].pk],
            },
        )
