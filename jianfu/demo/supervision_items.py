"""Supervision items demo stage: the city office's items in every state and colour — to sign,
in progress on pace and behind it, due soon, overdue, extended twice, one handed back and forth
between two units, returned, waiting to be closed, closed — with feedback awaiting review and an
extension awaiting approval, so the board, the to-do lists and the home cards are lively."""

import datetime as dt

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.supervision.items import services
from jianfu.supervision.items.models import Item, ItemSource

TITLES = (
    "推进农村人居环境整治提升",
    "清理规范村级组织工作事务、机制牌子和证明事项",
    "精简文件会议，严控督查检查考核总量",
    "整治“指尖上的形式主义”，清理政务应用程序",
    "加快老旧小区改造项目开工建设",
    "解决群众反映的冬季供暖问题",
    "落实基层减负年度重点任务",
    "推动招商引资签约项目落地开工",
    "规范村（社区）挂牌和考核评比",
    "开展“时间过半、任务过半”自查",
    "压减报表填报频次，推行“一表通”",
    "完善基层减负监测点常态化联系机制",
    "整改巡察反馈的重复填报问题",
    "推进乡镇履行职责事项清单落实",
    "提升12345热线诉求办理质效",
    "落实领导批示的安全生产隐患整改",
    "清理借调基层干部情况",
    "整治过度留痕问题",
)


def _count() -> dict[str, int]:
    return {"督办事项": Item.objects.count()}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@register(count=_count)
def supervision_items(ctx: DemoContext) -> dict[str, int]:
    prefix = ctx.username_prefix
    office = User.objects.get(username=f"{prefix}office")
    units = [*ctx.units["county"], *ctx.units["department"]]
    units = [u for u in units if u.path.startswith(ctx.root.path)]
    contacts = {
        u.home_unit_id: u
        for u in User.objects.filter(username__startswith=f"{prefix}contact-", home_unit__in=units)
    }
    units = [u for u in units if u.pk in contacts]
    rng = ctx.rng
    today = ctx.as_of
    days = dt.timedelta

    def new(n: int, created_ago: int, deadline_in: int, **kw) -> Item:
        lead = units[n % len(units)]
        co = [units[(n + 1) % len(units)].pk] if len(units) > 1 and n % 3 else []
        created = today - days(created_ago)
        with clock.frozen(_at(created, 9)):
            return services.item_create(
                by=office,
                source=kw.pop("source", rng.choice(list(ItemSource.values))),
                title=TITLES[n % len(TITLES)],
                instruction="请按要求抓好落实，按时反馈进展。",
                leader=rng.choice(["市委副书记", "常务副市长", "市委秘书长", ""]),
                deadline=today + days(deadline_in),
                created_on=created,
                lead_unit_id=lead.pk,
                co_unit_ids=co,
                feedback_rule=kw.pop("rule", "monthly"),
                issue=True,
                **kw,
            )

    def who(item) -> User:
        lead = item.assignments.get(role="lead", active=True)
        return contacts[lead.unit_id]

    def work(item, ago: int, percent: int, text="已制定方案并推进实施。"):
        with clock.frozen(_at(today - days(ago), 11)):
            u = who(item)
            services.sign(by=u, item_id=item.pk)
            services.plan_file(by=u, item_id=item.pk, plan="明确责任分工，分阶段推进。")
            return services.feedback_submit(by=u, item_id=item.pk, text=text, percent=percent)

    made = []
    # To sign: issued in the last days.
    for n in range(3):
        made.append(new(n, rng.randint(0, 2), 40 + n * 10))
    # On pace, and behind it (yellow).
    for n, pct in ((3, 70), (4, 15), (5, 10)):
        item = new(n, 60, 30)
        fb = work(item, 5, pct)
        if n == 3:
            with clock.frozen(_at(today - days(4), 15)):
                services.feedback_accept(by=office, feedback_id=fb.pk, note="进展符合要求")
        made.append(item)
    # Due soon (blue), and overdue (red).
    made.append(new(6, 30, 2, leader_instruction=False))
    work(made[-1], 3, 95)
    for n in (7, 8):
        item = new(n, 45, -5 - n)
        work(item, 20, 50)
        made.append(item)
    # Extended twice.
    for n in (9, 10):
        item = new(n, 70, -35)
        work(item, 45, 40)
        for step, (ask, grant) in enumerate(((-38, -10), (-12, 20))):
            with clock.frozen(_at(today + days(ask), 10)):
                ext = services.extension_request(
                    by=who(item),
                    item_id=item.pk,
                    new_deadline=today + days(grant),
                    reason="受汛期影响，施工进度推迟。" if step == 0 else "需等待上级审批。",
                )
            with clock.frozen(_at(today + days(ask + 1), 10)):
                services.extension_approve(by=office, extension_id=ext.pk)
        made.append(item)
    # Passed back and forth between two units (推诿).
    item = new(11, 25, 20)
    first = item.assignments.get(role="lead", active=True).unit
    other = next(u for u in units if u.pk != first.pk)
    for ago, to, note in (
        (20, other, "该事项不属于本单位职责"),
        (15, first, "经协调仍由原单位牵头"),
    ):
        lead = item.assignments.get(role="lead", active=True)
        with clock.frozen(_at(today - days(ago), 10)):
            services.assignment_reassign(by=office, assignment_id=lead.pk, unit_id=to.pk, note=note)
    made.append(item)
    # Returned, waiting to be closed, closed.
    item = new(12, 50, 10)
    work(item, 30, 60)
    with clock.frozen(_at(today - days(8), 10)):
        services.completion_submit(by=who(item), item_id=item.pk, text="已全部完成。")
    with clock.frozen(_at(today - days(6), 10)):
        services.item_return(by=office, item_id=item.pk, note="整改不彻底，群众仍有反映")
    made.append(item)
    item = new(13, 40, 15)
    work(item, 20, 90)
    with clock.frozen(_at(today - days(1), 16)):
        services.completion_submit(by=who(item), item_id=item.pk, text="已按要求完成。")
    made.append(item)
    for n in (14, 15):
        item = new(n, 80, -20 + n)
        work(item, 60, 100)
        with clock.frozen(_at(today - days(40), 10)):
            services.completion_submit(by=who(item), item_id=item.pk, text="已办结。")
        with clock.frozen(_at(today - days(38), 10)):
            services.item_close(by=office, item_id=item.pk)
        made.append(item)
    # Feedback awaiting review and an extension awaiting approval.
    item = new(16, 20, 30)
    work(item, 1, 45)
    made.append(item)
    item = new(17, 20, 5)
    work(item, 10, 30)
    with clock.frozen(_at(today, 9)):
        services.extension_request(
            by=who(item), item_id=item.pk, new_deadline=today + days(25), reason="资金尚未到位。"
        )
    made.append(item)
    return {"督办事项": len(made)}
