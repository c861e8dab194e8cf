"""A tour of the test city's two counties, with findings, for the tours' tests."""

import datetime as dt

from jianfu.accountability.tours import services
from jianfu.accountability.tours.models import TourStatus
from jianfu.core import clock
from jianfu.rectification.models import Measure, MeasureKind
from jianfu.rectification.problems import measures

TODAY = dt.date(2025, 9, 30)


def day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def make_tour(people, units, *, name="2025年市委第一轮巡察", targets=("TA", "TB"), at=80):
    with clock.frozen(day(at)):
        return services.tour_save(
            by=people["office"],
            data={
                "name": name,
                "round": 1,
                "leader": "陈刚，巡察组组长",
                "members": "李明，副组长\n王芳，组员",
                "starts_on": day(at - 5),
                "ends_on": day(at - 30),
                "status": TourStatus.IN_PROGRESS,
                "target_ids": [units[c].pk for c in targets],
            },
        )


def add(people, tour, unit, text, *, category="meetings", at=55, found=70):
    with clock.frozen(day(at)):
        return services.finding_add(
            by=people["office"],
            tour=tour,
            data={"unit_id": unit.pk, "category": category, "text": text, "found_on": day(found)},
        )


def measure(contact, problem, *, at=40, progress_at=None, deadline_in=30):
    with clock.frozen(day(at)):
        m = measures.measure_create(
            by=contact,
            problem=problem,
            data={
                "content": "制定整改措施并推进落实",
                "kind": MeasureKind.IMMEDIATE,
                "responsible_unit_id": problem.unit_id,
                "responsible_person": "办公室主任",
                "deadline": TODAY + dt.timedelta(days=deadline_in),
            },
        )
        m = measures.measure_act(by=contact, measure_id=m.pk, version=m.version, action="start")
    if progress_at is not None:
        with clock.frozen(day(progress_at)):
            v = Measure.objects.get(pk=m.pk).version
            measures.measure_act(
                by=contact, measure_id=m.pk, version=v, action="progress", note="正在整改"
            )
    return m
