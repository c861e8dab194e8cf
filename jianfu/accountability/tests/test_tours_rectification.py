"""A tour sees its rectification: per target unit its findings, the problems they became and
their state; the units fixing nothing are flagged on the page, raise acc_tour_unfixed, and the
bulletin's section says what the page shows. Clean units (rectifying) raise nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.accountability.tours import services
from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.models import RoleGrant, User
from jianfu.rectification.models import Measure, Problem
from jianfu.rectification.problems import measures
from jianfu.signals import runner
from jianfu.signals.models import Signal

from .tours_helpers import TODAY, add, day, make_tour, measure

pytestmark = pytest.mark.django_db


def _city(people, units):
    """甲县 does nothing on its two problems; 乙县 set a measure and reported progress; 市教育局
    fixed its problem (verified, closed)."""
    tour = make_tour(people, units, targets=("TA", "TB", "TD01"))
    fa = [add(people, tour, units["TA"], f"甲县问题{i}") for i in range(2)]
    fb = add(people, tour, units["TB"], "乙县报表多", category="forms")
    fd = add(people, tour, units["TD01"], "教育局会议多")
    with clock.frozen(day(45)):
        services.findings_to_problems(
            by=people["office"], tour=tour, finding_ids=[f.pk for f in [*fa, fb, fd]]
        )
    p = {f.pk: Problem.objects.get(source_kind="tour_finding", source_id=f.pk) for f in [fb, fd]}
    measure(people["contact_b"], p[fb.pk], progress_at=10)
    contact_d = User.objects.create(username="contact_d", home_unit=units["TD01"])
    RoleGrant.objects.create(user=contact_d, role="contact")
    m = measure(contact_d, p[fd.pk])
    with clock.frozen(day(20)):
        m = Measure.objects.get(pk=m.pk)
        m = measures.measure_act(by=contact_d, measure_id=m.pk, version=m.version,
                                 action="submit", note="已整改")  # fmt: skip
    with clock.frozen(day(15)):
        measures.measure_act(
            by=people["office"], measure_id=m.pk, version=m.version, action="verify"
        )
    return tour


def _page(login, tour):
    with clock.frozen(TODAY):
        return login("office").get(reverse("tour_detail", args=[tour.pk]))


def test_the_tour_page_shows_each_units_findings_their_problems_and_state(login, people, units):
    tour = _city(people, units)
    response = _page(login, tour)
    assert response.status_code == 200
    by_unit = {u.unit.code: u for u in response.context["units"]}
    assert [r.state for r in by_unit["TA"].rows] == ["open", "open"]
    assert [r.state for r in by_unit["TB"].rows] == ["measures"]
    assert [r.state for r in by_unit["TD01"].rows] == ["closed"]
    assert by_unit["TA"].fixes_nothing and by_unit["TA"].stalled == 2
    assert not by_unit["TB"].fixes_nothing and not by_unit["TD01"].fixes_nothing
    text = response.content.decode()
    assert "整改不力" in text and "已销号" in text and "乙县报表多" in text


def test_the_rule_raises_the_unit_fixing_nothing_and_not_the_units_rectifying(people, units):
    tour = _city(people, units)
    with clock.frozen(TODAY):
        runner.run(as_of=TODAY, rules=["acc_tour_unfixed"])
    signals = list(Signal.objects.filter(rule="acc_tour_unfixed"))
    assert [(s.unit_id, s.subject) for s in signals] == [(units["TA"].pk, f"t{tour.pk}")]
    s = signals[0]
    assert s.severity == 3  # none of 甲县's tour problems moved
    assert len(s.evidence["records"]["ids"]) == 2
    assert {f["key"]: f["value"] for f in s.evidence["figures"]}["acc_tour_stalled"] == 2


def test_a_problem_fresh_on_the_list_is_not_yet_fixing_nothing(people, units):
    tour = make_tour(people, units)
    f = add(people, tour, units["TA"], "甲县新问题")
    with clock.frozen(day(10)):
        services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[f.pk])
    with clock.frozen(TODAY):
        runner.run(as_of=TODAY, rules=["acc_tour_unfixed"])
    assert not Signal.objects.filter(rule="acc_tour_unfixed").exists()


def test_a_measure_set_but_no_progress_for_the_days_is_fixing_nothing(people, units):
    tour = make_tour(people, units)
    f = add(people, tour, units["TB"], "乙县问题")
    with clock.frozen(day(60)):
        (p,) = services.findings_to_problems(by=people["office"], tour=tour, finding_ids=[f.pk])
    measure(people["contact_b"], p, at=50, deadline_in=60)
    with clock.frozen(TODAY):
        runner.run(as_of=TODAY, rules=["acc_tour_unfixed"])
    assert Signal.objects.get(rule="acc_tour_unfixed").unit_id == units["TB"].pk


def test_the_tour_page_runs_the_same_queries_for_3_or_30_findings(
    login, people, units, django_assert_max_num_queries
):
    tour = make_tour(people, units)
    client = login("office")

    def grow(n):
        fs = [add(people, tour, units["TA" if i % 2 else "TB"], f"问题{n}-{i}") for i in range(n)]
        services.findings_to_problems(
            by=people["office"], tour=tour, finding_ids=[f.pk for f in fs[::2]]
        )

    grow(3)
    client.get(reverse("tour_detail", args=[tour.pk]))  # session, settings cached
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("tour_detail", args=[tour.pk]))
    grow(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("tour_detail", args=[tour.pk]))
    assert sum(len(u.rows) for u in response.context["units"]) == 30
    with django_assert_max_num_queries(14):
        assert client.get(reverse("tour_list")).status_code == 200


def test_the_bulletin_section_says_what_the_tour_page_shows(login, people, units):
    tour = _city(people, units)
    with clock.frozen(TODAY):
        part = bs.SECTIONS["acc_tours"].build(
            bs.Context(people["office"], dt.date(2025, 9, 1), TODAY, "9月")
        )
    page = _page(login, tour)
    rows = page.context["units"]
    figures = {f["label"]: f["value"] for f in part.figures}
    assert figures["巡察"] == 1 and figures["被巡察单位"] == len(rows) == 3
    assert figures["发现问题"] == sum(len(u.rows) for u in rows) == 4
    assert figures["已销号"] == sum(u.closed for u in rows) == 1
    assert figures["整改不力的单位"] == sum(u.fixes_nothing for u in rows) == 1
    from jianfu.accountability.tours.bulletin import unit_sentence

    with clock.frozen(TODAY):
        assert [line["text"] for line in part.lines] == [unit_sentence(tour, u) for u in rows]
    ta = next(line for line in part.lines if line["unit"] == units["TA"].pk)
    assert "整改不力" in ta["text"] and "未制定措施 2 个" in ta["text"]


def test_a_tour_closed_before_the_period_is_not_in_its_bulletin(people, units):
    tour = make_tour(people, units)
    from jianfu.accountability.tours.models import Tour

    Tour.objects.filter(pk=tour.pk).update(status="closed", closed_on=dt.date(2025, 8, 1))
    part = bs.SECTIONS["acc_tours"].build(
        bs.Context(people["office"], dt.date(2025, 9, 1), TODAY, "9月")
    )
    assert part.empty


def test_the_managers_home_counts_findings_to_list_and_units_fixing_nothing(login, people, units):
    tour = _city(people, units)
    add(people, tour, units["TB"], "乙县新发现的问题")
    from jianfu.accountability.tours import queries

    with clock.frozen(TODAY):
        assert queries.home_figures(people["discipline"]) == (1, 1)
        page = login("discipline").get(reverse("home")).content.decode()
    assert "巡察发现问题待列入问题清单" in page and "巡察问题整改不力的单位" in page
    assert "巡察问题整改不力的单位" not in login("contact_a").get(reverse("home")).content.decode()
