"""Annual plans demo stage: the demo city's counties and departments file their plans for the demo
year — documents and meetings as many as their quotas, one to three inspections each in months of
their own — most filed in January, a few still waiting to be filed or returned; one county (the
one whose registry burns its quota early) with one inspection split in two (the same townships in
overlapping months: gate_split); one change request pending.

The registry stage has already set every unit's quotas for the year: the office set them, so
filing a plan leaves them as they are (services._apply_quotas keeps a quota the plan did not
apply)."""

import datetime as dt

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.demo.registry import plan_units
from jianfu.gate.plans import services
from jianfu.gate.plans.models import AnnualPlan, ChangeAction, PlanChange
from jianfu.registry.models import Quota

INSPECTIONS = (
    ("安全生产专项检查", "check"),
    ("重点任务落实情况督查", "supervision"),
    ("年度综合考核", "assessment"),
)
SPLIT_TITLES = ("安全生产大检查（上半年第一轮）", "安全生产大检查（上半年第二轮）")
# Months of each inspection row: far apart, so a clean unit's inspections never overlap.
MONTHS = ([3], [6], [11])


def _count() -> dict[str, int]:
    return {"年度计划": AnnualPlan.objects.count(), "计划调整申请": PlanChange.objects.count()}


def _at(day: dt.date):
    return clock.frozen(timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))))


@register(count=_count)
def gate_plans(ctx: DemoContext) -> dict[str, int]:
    prefix = ctx.username_prefix
    office = User.objects.get(username=f"{prefix}office")
    year = ctx.as_of.year
    issuers = [i for i in plan_units(ctx) if i.unit.path.startswith(ctx.root.path)]
    contacts = {
        u.home_unit_id: u
        for u in User.objects.filter(
            username__startswith=f"{prefix}contact-", home_unit__in=[i.unit for i in issuers]
        )
    }
    quotas: dict[int, dict[str, int]] = {}
    for unit_id, category, limit in Quota.objects.filter(
        unit__in=[i.unit for i in issuers], year=year
    ).values_list("unit_id", "category", "limit"):
        quotas.setdefault(unit_id, {})[category] = limit
    # Only units whose three quotas the office has set: a plan then changes no quota.
    issuers = [i for i in issuers if i.unit.pk in contacts and len(quotas.get(i.unit.pk, {})) == 3]
    rng = ctx.rng
    submitted_on = dt.date(year, 1, 8)
    filed_on = dt.date(year, 1, 20)
    plans = []
    for issuer in issuers:
        contact = contacts[issuer.unit.pk]
        q = quotas[issuer.unit.pk]
        items = [
            {"category": "document", "count": max(1, q["document"]), "document_kind": "red_header"},
            {
                "category": "meeting",
                "count": max(1, q["meeting"]),
                "meeting_kind": "work",
                "meeting_level": "department" if issuer.kind == "department" else "county",
            },
        ]
        targets = [t.pk for t in issuer.targets]
        if targets:
            for k in range(rng.randint(1, 3)):
                title, kind = INSPECTIONS[k]
                items.append(
                    {
                        "category": "inspection",
                        "title": title,
                        "inspection_kind": kind,
                        "target_ids": rng.sample(targets, min(2, len(targets))),
                        "months": MONTHS[k],
                    }
                )
            if "pacing" in issuer.patterns:
                split_targets = targets[:1]
                for title, months in zip(SPLIT_TITLES, ([4, 5], [5]), strict=True):
                    items.append(
                        {
                            "category": "inspection",
                            "title": title,
                            "inspection_kind": "supervision",
                            "target_ids": split_targets,
                            "months": months,
                        }
                    )
        with _at(submitted_on - dt.timedelta(days=3)):
            plan = services.plan_draft(by=contact, unit=issuer.unit, year=year)
            for fields in items:
                services.item_save(by=contact, plan=plan, fields=fields)
        plans.append((issuer, contact, plan))
    # The last few: still waiting to be filed, and returned (one of each in a small city).
    n_wait, n_back = (3, 2) if len(plans) >= 10 else (1, 1) if len(plans) >= 4 else (0, 0)
    waiting = {id(p[2]) for p in plans[len(plans) - n_wait :]} if n_wait else set()
    returned = {id(p[2]) for p in plans[len(plans) - n_wait - n_back : len(plans) - n_wait]}
    for _issuer, contact, plan in plans:
        with _at(submitted_on):
            services.plan_submit(by=contact, plan=plan)
        if id(plan) in waiting:
            continue
        with _at(filed_on):
            if id(plan) in returned:
                services.plan_return(
                    by=office, plan=plan, reason="会议计划偏多，请按“两会合一”要求压减后重新报备。"
                )
            else:
                services.plan_file(by=office, plan=plan)
    # One change pending: a clean filed unit asks to move its first inspection a month later.
    pending = 0
    month = min(12, ctx.as_of.month + 1)
    for issuer, contact, plan in plans:
        plan.refresh_from_db()
        if "pacing" in issuer.patterns or plan.status != "filed":
            continue
        item = plan.items.filter(category="inspection").order_by("pk").first()
        if item is None or item.months == [month] or max(item.months) < ctx.as_of.month:
            # A first inspection already past: ask to add one instead.
            item = None
        with _at(ctx.as_of):
            if item is not None:
                services.change_request(
                    by=contact,
                    plan=plan,
                    month=month,
                    action=ChangeAction.MOVE,
                    item=item,
                    months=[month],
                    reason="与上级部署的专项工作时间冲突，申请顺延。",
                )
            else:
                services.change_request(
                    by=contact,
                    plan=plan,
                    month=month,
                    action=ChangeAction.ADD,
                    reason="落实上级新部署的专项任务。",
                    fields={
                        "category": "meeting",
                        "count": 1,
                        "meeting_kind": "special",
                        "meeting_level": "county",
                    },
                )
        pending = 1
        break
    # The plans' signal, as the nightly run would raise it.
    from jianfu.signals import runner

    with clock.frozen(ctx.now):
        runner.run(as_of=ctx.as_of, rules=["gate_split"])
    return {"年度计划": len(plans), "计划调整申请": pending}
