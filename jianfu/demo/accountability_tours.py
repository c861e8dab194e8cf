"""Inspection tours, demo stage: the city committee's tour of the period, its team and dates,
four target units (the units the registry stage plants, never a clean one), findings put on the
targets' problem lists in one step by the office, and their rectification since: one unit with a
measure verified and its problem closed, two with measures in progress and recent progress, and
one unit that has done nothing for six weeks — it raises acc_tour_unfixed and is flagged on the
tour's page. One finding is referred to the discipline commission as a clue.

Everything is written through the services with the clock set to when it happened: the tour from
eleven weeks before as_of, its findings put on the lists six weeks before, and the units' measures
on the evening of as_of (after the rectification stage's history, whose audit entries read in time
order). No measure is late, so the ledger's own rules raise nothing for these problems."""

import datetime as dt

from django.utils import timezone

from jianfu.accountability.tours import services
from jianfu.accountability.tours.models import Finding, Tour, TourStatus
from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.demo.registry import choose_planted
from jianfu.rectification.models import MeasureKind
from jianfu.rectification.problems import measures
from jianfu.signals import runner

FINDINGS = {
    "pacing": [
        ("documents", "上半年印发的文件已用去全年发文指标的大半，部分文件以文件落实文件。"),
        ("meetings", "县委工作推进会层层陪会，要求乡镇主要负责人全部参加。"),
    ],
    "swap": [
        ("documents", "以“通知”“工作提示”等白头文件代替红头文件下发，规避发文指标。"),
        ("traces", "要求村（社区）每项工作上报照片、签到表等佐证材料。"),
    ],
    "rising": [
        ("meetings", "本年召开会议数量不降反升，部分会议可合并召开。"),
        ("forms", "通过工作群要求学校每日报送表格，重复填报多。"),
    ],
    "paper": [
        ("inspections", "以电话督查、书面材料督查代替实地督查，要求基层报送大量材料。"),
        ("gaming", "督查检查考核统计数据与实际开展情况不符。"),
    ],
}
UNFIXED = "rising"  # the target unit that does nothing
MEMBERS = "李明，市委第二巡察组副组长\n王芳，市纪委监委干部\n赵强，市委组织部干部"


def _count() -> dict[str, int]:
    return {"巡察": Tour.objects.count(), "巡察发现问题": Finding.objects.count()}


def _measure(contact, problem, unit, content, deadline) -> int:
    m = measures.measure_create(
        by=contact,
        problem=problem,
        data={
            "content": content,
            "kind": MeasureKind.IMMEDIATE,
            "responsible_unit_id": unit.pk,
            "responsible_person": "办公室主任",
            "deadline": deadline,
        },
    )
    return m.pk


def _act(by, measure_id: int, action: str, note: str = "") -> None:
    from jianfu.rectification.models import Measure

    version = Measure.objects.values_list("version", flat=True).get(pk=measure_id)
    measures.measure_act(by=by, measure_id=measure_id, version=version, action=action, note=note)


@register(count=_count)
def accountability_tours(ctx: DemoContext) -> dict[str, int]:
    prefix, today = ctx.username_prefix, ctx.as_of
    city = (ctx.units.get("city") or [ctx.root])[0]
    under = [u for u in ctx.units["county"] if u.path.startswith(city.path)]
    departments = [
        u
        for u in ctx.units["department"]
        if u.path.startswith(city.path) and u.depth == city.depth + 1
    ]
    planted = choose_planted(under, departments)
    if not planted:
        return {}
    office = User.objects.get(username=f"{prefix}office")
    contacts = {
        u.home_unit_id: u
        for u in User.objects.filter(
            username__in=[f"{prefix}contact-{u.code}" for u in planted.values()]
        )
    }
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    data = {
        "name": f"{today.year}年市委第二轮巡察",
        "round": 2,
        "leader": "陈刚，市委第二巡察组组长",
        "members": MEMBERS,
        "starts_on": day(75),
        "ends_on": day(50),
        "status": TourStatus.IN_PROGRESS,
        "target_ids": [u.pk for u in planted.values()],
    }
    with clock.frozen(day(80)):
        tour = services.tour_save(by=office, data=data)
    made: dict[str, list] = {}
    with clock.frozen(day(55)):
        for key, unit in planted.items():
            for i, (category, text) in enumerate(FINDINGS[key]):
                f = services.finding_add(
                    by=office,
                    tour=tour,
                    data={
                        "unit_id": unit.pk,
                        "category": category,
                        "text": text,
                        "found_on": day(70 - 5 * i),
                    },
                )
                made.setdefault(key, []).append(f)
    with clock.frozen(day(45)):
        tour = services.tour_save(by=office, tour=tour, data={**data, "status": "reporting"})
        problems = services.findings_to_problems(
            by=office, tour=tour, finding_ids=[f.pk for fs in made.values() for f in fs]
        )
        services.finding_refer(by=office, finding=made["paper"][1])
    by_finding = {p.source_id: p for p in problems}
    # The ledger's steps are written in the evening of as_of: the rectification stage's history
    # (whose audit entries must read in time order) runs up to as_of, and is written before.
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(20)))
    minutes = iter(range(0, 240, 2))
    deadline = today + dt.timedelta(days=30)
    for key, unit in planted.items():
        contact = contacts.get(unit.pk)
        if key == UNFIXED or contact is None:
            continue
        for i, f in enumerate(made[key]):
            problem = by_finding[f.pk]
            with clock.frozen(evening + dt.timedelta(minutes=next(minutes))):
                content = f"针对“{f.text[:20]}”制定整改措施并推进落实。"
                m = _measure(contact, problem, unit, content, deadline)
                _act(contact, m, "start")
            with clock.frozen(evening + dt.timedelta(minutes=next(minutes))):
                if key == "pacing" and i == 0:
                    _act(contact, m, "submit", "已完成整改，报送核验。")
                    _act(office, m, "verify", "经核验，整改到位。")
                else:
                    _act(contact, m, "progress", "已完成问题梳理，正在逐项整改。")
    with clock.frozen(today):
        runner.run(as_of=today, rules=["acc_tour_unfixed"])
    return {"巡察发现问题列入问题清单": len(problems)}
