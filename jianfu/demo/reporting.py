"""Information reporting demo stage: each county and department of the (first) city has its
contact designated as 信息员 a year before as_of; the office publishes a monthly requirement (two
pieces a unit) and a commission (约稿) every four months; the units report month after month, the
office adopts a share at each tier (city bulletin, provincial, central), records a couple of
leaders' instructions and marks one report false.

Planted: the last county (else the last unit) never answers the latest commission, due twelve days
before as_of; the nightly job reminds it the day after the deadline, and the signal rule
(reporting_silent) finds it silent after the grace days. Every other unit answers everything, so
no other reporting signal is raised.

Everything goes through the services with the clock set to the moment it happened."""

import datetime as dt

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.signals import runner
from jianfu.signals.models import Signal, SignalStatus
from jianfu.supervision.models import (
    Adoption,
    AdoptionTier,
    Instruction,
    ReportingRequirement,
    Submission,
)
from jianfu.supervision.reporting import reminders, services
from jianfu.supervision.reporting.rule import CODE

from .rectification import first_city

TOPICS = (
    "推进基层减负工作的做法和成效",
    "优化营商环境典型经验",
    "乡村振兴重点项目进展",
    "为民办实事情况",
    "安全生产隐患排查整治",
    "精简文件会议的做法",
)
HEADS = (
    "{u}多措并举推进{t}",
    "{u}扎实开展{t}",
    "{u}创新机制抓好{t}",
    "{u}聚焦群众关切推进{t}",
)
SUBJECTS = (
    "基层减负",
    "营商环境优化",
    "乡村振兴",
    "民生实事",
    "安全生产",
    "文风会风转变",
    "重点项目建设",
    "信访矛盾化解",
)
LEADERS = ("市委书记", "市长", "市委副书记")
PLANTED_LATE_DAYS = 12  # the latest commission's deadline, before as_of


def _count() -> dict[str, int]:
    return {
        "报送信息": Submission.objects.count(),
        "信息采用": Adoption.objects.count(),
    }


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))


def reporting_units(ctx: DemoContext) -> list:
    _city, counties, departments = first_city(ctx.units, ctx.root)
    return counties + [d for d in departments if not d.name.endswith("市委办公室")]


def planted_unit(units: list):
    counties = [u for u in units if u.kind == "county"]
    return counties[-1] if counties else units[-1]


@register(count=_count)
def reporting(ctx: DemoContext) -> dict[str, int]:
    services.ensure_default_tiers()
    prefix = ctx.username_prefix
    office = User.objects.select_related("home_unit").get(username=f"{prefix}office")
    units = reporting_units(ctx)
    contacts = {
        u.home_unit_id: u
        for u in User.objects.filter(
            username__in=[f"{prefix}contact-{u.code}" for u in units]
        ).select_related("home_unit")
    }
    units = [u for u in units if u.pk in contacts]
    if not units:
        return {}
    rng = ctx.rng
    as_of = ctx.as_of
    start = (as_of - dt.timedelta(days=365)).replace(day=1)
    with clock.frozen(_at(start, 9)):
        for u in units:
            services.contact_designate(by=office, unit_id=u.pk, user_id=contacts[u.pk].pk)
        schedule = services.requirement_publish(
            by=office,
            kind="schedule",
            title="每月工作信息报送",
            topics="各单位每月报送工作信息不少于 2 篇，重点反映落实市委部署的新举措、新成效。",
            target_ids=[u.pk for u in units],
            period_type="month",
            quota=2,
            starts_on=start,
        )
    # Commissions: every four months, the last one due PLANTED_LATE_DAYS before as_of.
    last_deadline = as_of - dt.timedelta(days=PLANTED_LATE_DAYS)
    deadlines = [last_deadline - dt.timedelta(days=120 * k) for k in (2, 1, 0)]
    deadlines = [d for d in deadlines if d - dt.timedelta(days=14) > start]
    commissions = []
    for i, deadline in enumerate(deadlines):
        with clock.frozen(_at(deadline - dt.timedelta(days=14), 10)):
            commissions.append(
                services.requirement_publish(
                    by=office,
                    kind="commission",
                    title=f"约稿：{TOPICS[i % len(TOPICS)]}",
                    topics="请结合本单位实际，报送一篇有数据、有案例的稿件。",
                    target_ids=[u.pk for u in units],
                    deadline=deadline,
                )
            )
    planted = planted_unit(units)
    events = []  # (moment, unit, requirement or None, title)
    month = start
    while month <= as_of:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        last = min(nxt - dt.timedelta(days=1), as_of)
        for u in units:
            for _ in range(rng.choice((1, 2, 2, 2, 3))):
                day = month + dt.timedelta(days=rng.randrange((last - month).days + 1))
                title = rng.choice(HEADS).format(u=u.short_name or u.name, t=rng.choice(SUBJECTS))
                events.append((_at(day, rng.randint(9, 17)), u, schedule, title))
        month = nxt
    for req in commissions:
        for u in units:
            if req is commissions[-1] and u == planted:
                continue
            # Most on time, a few a day or two late.
            offset = rng.choice((-10, -6, -3, -1, 0, 1, 2))
            day = min(req.deadline + dt.timedelta(days=offset), as_of)
            title = f"{u.short_name or u.name}关于{req.title.removeprefix('约稿：')}的报告"
            events.append((_at(day, 11), u, req, title))
    events.sort(key=lambda e: (e[0], e[1].path))
    # The nights after each commission's deadline: the reminders, in time order with the pieces.
    nights = sorted(_at(r.deadline + dt.timedelta(days=1), 8) for r in commissions)
    subs = []
    for moment, u, req, title in events:
        while nights and nights[0] <= moment:
            with clock.frozen(nights.pop(0)):
                reminders.reminders_due()
        with clock.frozen(moment):
            subs.append(
                services.submit(
                    by=contacts[u.pk],
                    title=title,
                    text=f"{title}。今年以来，{u.name}围绕市委部署，细化措施、压实责任，取得阶段性成效。",
                    requirement_id=req.pk,
                )
            )
    tiers = {t.code: t for t in AdoptionTier.objects.all()}
    decided = [s for s in subs if s.submitted_at.date() <= as_of - dt.timedelta(days=3)]
    adoptions = 0
    for s in decided:
        day = min(s.submitted_at.date() + dt.timedelta(days=rng.randint(1, 3)), as_of)
        roll = rng.random()
        with clock.frozen(_at(day, 15)):
            if roll < 0.35:
                services.adopt(by=office, submission_id=s.pk, tier_id=tiers["city"].pk)
                adoptions += 1
                if roll < 0.08:
                    services.adopt(by=office, submission_id=s.pk, tier_id=tiers["province"].pk)
                    adoptions += 1
                if roll < 0.012:
                    services.adopt(by=office, submission_id=s.pk, tier_id=tiers["central"].pk)
                    adoptions += 1
            elif roll < 0.8:
                services.decline(by=office, submission_id=s.pk)
    adopted = [s for s in decided if s.adoptions.exists()]
    if (
        adopted
        and not Adoption.objects.filter(tier=tiers["central"], submission__in=adopted).exists()
    ):
        s = adopted[len(adopted) // 2]
        with clock.frozen(_at(min(s.submitted_at.date() + dt.timedelta(days=5), as_of), 16)):
            services.adopt(by=office, submission_id=s.pk, tier_id=tiers["central"].pk)
            adoptions += 1
    for k, s in enumerate(adopted[-2:] if len(adopted) >= 2 else adopted):
        with clock.frozen(_at(min(s.submitted_at.date() + dt.timedelta(days=4), as_of), 17)):
            services.instruct(
                by=office,
                submission_id=s.pk,
                leader=LEADERS[k % len(LEADERS)],
                text="此信息反映的做法很好，请有关部门总结推广。",
            )
    pending = Submission.objects.filter(pk__in=[s.pk for s in decided], status="pending").order_by(
        "submitted_at", "pk"
    )
    s = pending.first()
    if s is not None:
        with clock.frozen(_at(min(s.submitted_at.date() + dt.timedelta(days=2), as_of), 16)):
            services.mark_false(
                by=office,
                submission_id=s.pk,
                reason="所报数据与统计部门数据不符，经核实系夸大成效。",
            )
    for night in nights:
        with clock.frozen(night):
            reminders.reminders_due()
    runner.run(as_of=as_of, rules=[CODE])
    return {
        "报送信息": len(subs),
        "信息采用": adoptions,
        "领导批示": Instruction.objects.filter(submission__unit__in=units).count(),
        "报送要求": ReportingRequirement.objects.count(),
        "信息报送预警": Signal.objects.filter(rule=CODE, status=SignalStatus.OPEN).count(),
    }
