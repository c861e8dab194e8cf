"""Key projects demo stage: the first city's key projects, most of them healthy (money arriving
most months with an odd gap, milestones done in step, deals landing), and three planted troubles
that the health checks must find — and nothing else:

- the last county: an investment deal signed fourteen months ago, a quarter of the money arrived,
  works never begun → proj_unstarted;
- the first county: a project started ten months ago whose money stopped arriving five months
  ago → proj_money_stalled;
- the first city department (not the office): a project started eight months ago "started" again
  with a new ceremony two months ago → proj_restarted.

Written through the services, as the office (projects, deals) and the units' contacts (starts,
milestones, money) would, with the clock at as_of. The health checks run once at the end.
"""

import datetime as dt
from decimal import Decimal

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.signals import runner
from jianfu.supervision.projects import health, services
from jianfu.supervision.projects.models import Project, ProjectCategory

CLEAN = (
    ("rural", "{place}和美乡村示范片建设", "{place}"),
    ("industry", "{place}新能源装备产业园", "{place}经济开发区"),
    ("infrastructure", "{place}城乡供水一体化工程", "{place}"),
    ("livelihood", "{place}第二人民医院迁建", "{place}城区"),
    ("ecology", "{place}河道生态修复", "{place}"),
    ("industry", "{place}农产品冷链物流中心", "{place}物流园"),
)
PLANTED_UNSTARTED = "{place}高端纺织产业基地"
PLANTED_STALLED = "{place}文旅综合体"
PLANTED_RESTART = "{place}职业教育实训基地"


def _count() -> dict[str, int]:
    return {"重点项目": Project.objects.count()}


class _Demo:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        prefix = ctx.username_prefix
        self.office = User.objects.get(username=f"{prefix}office")
        self.contacts = {
            u.home_unit_id: u for u in User.objects.filter(username__startswith=f"{prefix}contact-")
        }
        self.categories = {c.code: c.pk for c in ProjectCategory.objects.all()}
        self.rng = ctx.rng
        self.as_of = ctx.as_of

    def by(self, unit):
        return self.contacts.get(unit.pk, self.office)

    def month(self, back: int) -> dt.date:
        return health.add_months(self.as_of.replace(day=1), -back)

    def day(self, months_back: int) -> dt.date:
        return min(self.as_of, health.add_months(self.as_of, -months_back))

    def project(
        self,
        unit,
        category,
        name,
        location,
        *,
        total,
        started=None,
        money_months=(),
        done=0,
        deal=None,
    ):
        p = services.project_create(
            by=self.office,
            unit_id=unit.pk,
            category_id=self.categories[category],
            name=name,
            location=location,
            total_investment=total,
            planned_start=self.day((started or 3) + 1),
            milestones=[
                (label, self.month(max(0, (started or 3) - 2 * i)) + dt.timedelta(days=14))
                for i, label in enumerate(("开工准备", "主体施工", "设备安装", "竣工验收"))
            ],
        )
        if deal is not None:
            signed, signed_amount, arrived = deal
            services.deal_sign(
                by=self.office,
                project=p,
                signed_on=self.day(signed),
                amount_signed=signed_amount,
                investor=f"{name[:2]}投资发展有限公司",
                amount_arrived=arrived,
            )
        if started is not None:
            services.project_record_start(
                by=self.by(unit), project=p, started_on=self.day(started), note="开工仪式"
            )
        for m in p.milestones.order_by("planned_on")[:done]:
            done_on = min(self.as_of, m.planned_on + dt.timedelta(days=self.rng.randint(0, 12)))
            services.milestone_done(by=self.by(unit), milestone=m, done_on=done_on)
        each = Decimal(total) / 14
        for back in money_months:
            noise = Decimal(self.rng.randint(70, 130)) / 100
            services.money_record(
                by=self.by(unit),
                project=p,
                month=self.month(back),
                planned=each.quantize(Decimal("1")),
                arrived=(each * noise).quantize(Decimal("0.01")),
            )
        return p

    def clean(self, unit, i: int):
        category, name, location = CLEAN[i % len(CLEAN)]
        place = unit.short_name or unit.name
        started = self.rng.randint(5, 11)
        # Money most months since the start, an odd month without; the last two always.
        months = [b for b in range(started) if b < 2 or self.rng.random() > 0.15]
        total = self.rng.randint(8, 40) * 100
        deal = None
        if category == "industry":
            signed = started + self.rng.randint(1, 3)
            amount = total + self.rng.randint(0, 10) * 100
            deal = (signed, amount, (Decimal(amount) * Decimal("0.4")).quantize(Decimal("1")))
        done = min(4, max(1, len(months) * 4 // 14))
        return self.project(
            unit,
            category,
            name.format(place=place),
            location.format(place=place),
            total=total,
            started=started,
            money_months=months,
            done=done,
            deal=deal,
        )


@register(count=_count)
def key_projects(ctx: DemoContext) -> dict[str, int]:
    from jianfu.demo.rectification import first_city

    d = _Demo(ctx)
    city, counties, departments = first_city(ctx.units, ctx.root)
    departments = [u for u in departments if not u.name.endswith("市委办公室")]
    counts: dict[str, int] = {}
    with clock.frozen(ctx.now):
        owners = counties + departments[:3]
        for n, unit in enumerate(owners):
            for i in range(2 if unit.kind == "county" else 1):
                d.clean(unit, n * 2 + i)
        planted = {}
        if counties:
            last, first = counties[-1], counties[0]
            place = last.short_name or last.name
            planted["proj_unstarted"] = d.project(
                last,
                "investment",
                PLANTED_UNSTARTED.format(place=place),
                f"{place}工业园区",
                total=30000,
                deal=(14, 30000, 7500),
            )
            place = first.short_name or first.name
            planted["proj_money_stalled"] = d.project(
                first,
                "industry",
                PLANTED_STALLED.format(place=place),
                f"{place}景区",
                total=6000,
                started=10,
                money_months=range(5, 10),
                done=1,
            )
        if departments:
            unit = departments[0]
            place = unit.short_name or unit.name
            p = d.project(
                unit,
                "livelihood",
                PLANTED_RESTART.format(place=place),
                "市职教园区",
                total=2400,
                started=8,
                money_months=range(0, 8),
                done=2,
            )
            services.project_record_start(
                by=d.by(unit), project=p, started_on=d.day(2), note="举行开工仪式"
            )
            planted["proj_restarted"] = p
        raised = runner.run_rules(as_of=ctx.as_of, group=health.GROUP).summary()["raised"]
    counts["重点项目"] = Project.objects.filter(unit__path__startswith=ctx.root.path).count()
    counts["预警（待研判）"] = raised
    for code, p in planted.items():
        counts[
            f"埋设重点项目预警样例：{p.name}（{health.RULES[health.CODES.index(code)].label}）"
        ] = 1
    return counts
