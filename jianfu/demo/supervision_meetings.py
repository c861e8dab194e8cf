"""Coordination meetings demo stage (秘书长联席会议): two meetings of the city's office — one some
two months ago and one last week — each with its agenda drafted by the platform a few days before
(red items, units over their quotas, overdue rectification, key projects in trouble), an edited
line and a free one, minutes, and decisions turned into supervision items (so the earlier
meeting's items are running late by now, and the board shows meeting decisions among its
sources)."""

import datetime as dt

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.supervision.meetings import services
from jianfu.supervision.meetings.models import AgendaLine, Decision, Meeting

DECISIONS = (
    ("对逾期未办结的督办事项逐项明确整改时限，由牵头单位主要负责同志签字确认。", 30),
    ("对发文、会议超指标的单位进行约谈，下季度发文会议数量压减两成。", 45),
    ("签约未开工项目由招商部门牵头逐个会商，年内拿出开工计划。", 60),
    ("整改逾期措施一律列入下月通报，逾期超过二十个工作日的由纪委监委跟进。", 20),
)
MINUTES = (
    "会议听取了市委办关于督查督办、基层减负指标执行、问题整改和重点项目推进情况的汇报，"
    "对红色督办事项和整改逾期单位逐一点评，研究部署下一阶段工作，形成议定事项如下（详见议定事项）。"
)


def _count() -> dict[str, int]:
    return {"联席会议": Meeting.objects.count(), "议定事项": Decision.objects.count()}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@register(count=_count)
def supervision_meetings(ctx: DemoContext) -> dict[str, int]:
    office = User.objects.get(username=f"{ctx.username_prefix}office")
    units = [
        u
        for u in [*ctx.units["county"], *ctx.units["department"]]
        if u.path.startswith(ctx.root.path)
    ]
    rng = ctx.rng
    today = ctx.as_of
    made = decided = 0
    for n, (ago, name) in enumerate(((60, "第三次"), (6, "第四次"))):
        day = today - dt.timedelta(days=ago)
        attendees = rng.sample(units, min(len(units), 6))
        with clock.frozen(_at(day - dt.timedelta(days=7), 9)):
            meeting = services.meeting_create(
                by=office,
                title=f"{day.year}年{name}秘书长联席会议",
                date=day,
                place="市委第一会议室",
                attendee_ids=[u.pk for u in attendees],
            )
        with clock.frozen(_at(day - dt.timedelta(days=3), 15)):
            services.agenda_draft(by=office, meeting_id=meeting.pk)
            first = AgendaLine.objects.filter(meeting=meeting).order_by("order", "pk").first()
            if first is not None:
                services.line_edit(
                    by=office, line_id=first.pk, text=first.text + "请牵头单位现场说明原因。"
                )
            services.line_add(
                by=office, meeting_id=meeting.pk, text="研究部署下一阶段基层减负重点工作。"
            )
        with clock.frozen(_at(day, 17)):
            services.minutes_save(by=office, meeting_id=meeting.pk, text=MINUTES)
            for k, (text, days) in enumerate(DECISIONS[n * 2 : n * 2 + 2] + DECISIONS[:1]):
                lead = attendees[k % len(attendees)]
                co = [attendees[(k + 1) % len(attendees)].pk] if len(attendees) > 1 else []
                services.decision_create(
                    by=office,
                    meeting_id=meeting.pk,
                    text=text,
                    lead_unit_id=lead.pk,
                    co_unit_ids=co,
                    deadline=day + dt.timedelta(days=days),
                    leader=rng.choice(["市委秘书长", "市政府秘书长"]),
                )
                decided += 1
        made += 1
    return {"联席会议": made, "议定事项": decided}
