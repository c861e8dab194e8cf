"""A small city in trouble for the coordination meeting's tests, each trouble with a clean twin:
a red supervision item (and a green one), a unit over its document quota (and one on track), an
overdue rectification measure (and one in time), a key project signed and never started (and a
clean one). Everything through the services, as the office and the units would."""

import datetime as dt

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.rectification.models import Measure, Source
from jianfu.rectification.problems import measures
from jianfu.rectification.problems import services as rect_services
from jianfu.registry.models import Document
from jianfu.registry.quotas import services as quota_services
from jianfu.registry.records import services as record_services
from jianfu.signals import runner
from jianfu.supervision.items import services as item_services
from jianfu.supervision.meetings import services
from jianfu.supervision.projects import health

from . import projects_factory as pf

TODAY = pf.AS_OF  # 2025-11-20, a Thursday


def user(name: str) -> User:
    return User.objects.select_related("home_unit").get(username=name)


def _docs(by, unit, n, day=dt.date(2025, 3, 5)):
    for i in range(n):
        record_services.record_create(
            Document,
            by=by,
            unit=unit,
            title=f"关于第{i}项工作的通知",
            number=f"{unit.code}发〔{day.year}〕{i}号",
            issued_on=day,
            kind="red_header",
        )


def _measure(office, contact, unit, deadline):
    with clock.frozen(dt.date(2025, 9, 1)):
        p = rect_services.problem_create(
            by=office,
            unit_id=unit.pk,
            found_on=dt.date(2025, 9, 1),
            source=Source.TOUR,
            description=f"{unit.name}向基层重复下发报表",
        )
        m = measures.measure_create(
            by=contact,
            problem=p,
            data={
                "content": "清理报表，同一数据只报一次",
                "kind": "immediate",
                "responsible_unit_id": unit.pk,
                "responsible_person": "李华",
                "deadline": deadline,
            },
        )
        version = Measure.objects.values_list("version", flat=True).get(pk=m.pk)
        measures.measure_act(by=contact, measure_id=m.pk, version=version, action="start")
    return m


def city(units) -> dict:
    office = user("office")
    out = {}
    with clock.frozen(dt.date(2025, 9, 1)):
        out["red"] = item_services.item_create(
            by=office,
            source="instruction",
            title="清理村级组织挂牌",
            deadline=dt.date(2025, 10, 31),
            lead_unit_id=units["TA"].pk,
            issue=True,
        )
        out["green"] = item_services.item_create(
            by=office,
            source="annual",
            title="完善监测点联系机制",
            deadline=dt.date(2026, 6, 30),
            lead_unit_id=units["TB"].pk,
            issue=True,
        )
    with clock.frozen(TODAY):
        quota_services.quota_set(
            by=office, unit=units["TA"], year=2025, category="document", limit=5
        )
        _docs(office, units["TA"], 6)  # exceeded
        quota_services.quota_set(
            by=office, unit=units["TB"], year=2025, category="document", limit=100
        )
        _docs(office, units["TB"], 1)  # on track
    out["overdue"] = _measure(office, user("contact_b"), units["TB"], dt.date(2025, 11, 10))
    out["in_time"] = _measure(office, office, units["TD01"], dt.date(2025, 12, 31))
    out["unstarted"] = pf.project(units["TA"], "签约未开工", deal=(13, 2000, 500), milestones=2)
    out["clean_project"] = pf.clean(units["TB"], "签约已开工", location="南区")
    runner.run(as_of=TODAY, rules=list(health.CODES))
    return out


def meeting(units, *, date=TODAY, attendees=("TA", "TB")):
    with clock.frozen(TODAY):
        return services.meeting_create(
            by=user("office"),
            title="第四季度秘书长联席会议",
            date=date,
            attendee_ids=[units[c].pk for c in attendees],
        )


def draft(m, by="office"):
    with clock.frozen(TODAY):
        return services.agenda_draft(by=user(by), meeting_id=m.pk)
