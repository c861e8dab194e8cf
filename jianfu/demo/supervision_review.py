"""Mid-year review demo stage: the first city's counties and three of its departments with their
economic targets (经济指标), key work (重点工作) and livelihood projects (民生实事) for the demo's
year, entered by the units' contacts as of the stock-taking date (30 June). Most units keep pace
with the year ("时间过半、任务过半"); the last two counties (the last one in a small city) are
planted to lag well behind (their figures a quarter of the year short), and one target of the
first county is left for its contact to enter, so the review page, the bulletin's section and the
home cards have something to show.

Written through the services, as the office (the targets) and the contacts (the values) would,
with the clock at as_of.
"""

from decimal import Decimal

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.supervision.review import queries, services
from jianfu.supervision.review.models import Target, TargetKind

COUNTY = (
    (TargetKind.ECONOMIC, "地区生产总值", "亿元", (180, 420)),
    (TargetKind.ECONOMIC, "固定资产投资", "亿元", (60, 160)),
    (TargetKind.ECONOMIC, "一般公共预算收入", "亿元", (12, 40)),
    (TargetKind.KEY_WORK, "农村人居环境整治提升", "", None),
    (TargetKind.KEY_WORK, "基层减负重点任务落实", "", None),
    (TargetKind.LIVELIHOOD, "新增城镇就业", "人", (3000, 9000)),
    (TargetKind.LIVELIHOOD, "老旧小区改造", "个", (12, 40)),
)
DEPARTMENT = (
    (TargetKind.KEY_WORK, "年度重点改革任务", "", None),
    (TargetKind.LIVELIHOOD, "民生实事项目", "", None),
)


def planted(counties: list) -> list:
    """The counties planted to lag: the last two, or the last one of a city of two or three (one
    county at least keeps pace)."""
    if len(counties) < 2:
        return []
    return counties[-2:] if len(counties) > 3 else counties[-1:]


def _count() -> dict[str, int]:
    return {"年度指标和重点工作": Target.objects.count()}


@register(count=_count)
def mid_year_review(ctx: DemoContext) -> dict[str, int]:
    from jianfu.demo.rectification import first_city

    rng = ctx.rng
    prefix = ctx.username_prefix
    office = User.objects.get(username=f"{prefix}office")
    contacts = {
        u.home_unit_id: u for u in User.objects.filter(username__startswith=f"{prefix}contact-")
    }
    _city, counties, departments = first_city(ctx.units, ctx.root)
    departments = [u for u in departments if not u.name.endswith("市委办公室")][:3]
    year = ctx.as_of.year
    time_share = queries.year_share(min(ctx.as_of, queries.stock_date(year)))
    lagging = planted(counties)
    counts = {"年度指标和重点工作": 0}
    with clock.frozen(ctx.now):
        for unit in counties + departments:
            plan = COUNTY if unit in counties else DEPARTMENT
            behind = unit in lagging
            by = contacts.get(unit.pk, office)
            for i, (kind, name, measure, span) in enumerate(plan):
                target_value = Decimal(rng.randint(*span)) if span else None
                t = services.target_create(
                    by=office,
                    year=year,
                    unit_id=unit.pk,
                    kind=kind,
                    name=name,
                    target_value=target_value,
                    measure=measure,
                    done_value=None,
                    percent=None,
                    note="",
                )
                counts["年度指标和重点工作"] += 1
                if unit == counties[0] and i == len(plan) - 1:
                    continue  # left for the contact to enter
                share = time_share + (-rng.uniform(20, 32) if behind else rng.uniform(-4, 14))
                share = max(0.0, min(100.0, share))
                if target_value is not None:
                    done = (target_value * Decimal(share / 100)).quantize(Decimal("0.01"))
                    services.target_progress(by=by, target=t, done_value=done, note="按月统计")
                else:
                    services.target_progress(
                        by=by, target=t, percent=Decimal(round(share)), note="按计划推进"
                    )
    for unit in lagging:
        counts[f"埋设年中回头看滞后单位：{unit.name}"] = 1
    return counts
