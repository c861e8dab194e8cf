"""The commission's handling demo stage: a few clues on the two planted counties (so the clean
units raise no accountability signal), each with a disposition of every kind; one proposal
(passing a clue on to another level) awaiting approval and overdue — it raises acc_clock_overdue
on the first planted county; a letter of inquiry whose clock is yellow; a real-name informant not
yet told of the acceptance (green); cases with every outcome, one of which opened problems now
being rectified, and one organisational adjustment whose month is running.

The clues are made here with Clue.objects.create when the clue ledger's stage has made none (the
lead merges the two stages)."""

import datetime as dt

from django.utils import timezone

from jianfu.accountability.clues.models import Clue
from jianfu.accountability.clues.services import clue_create
from jianfu.accountability.handling import services, sources
from jianfu.accountability.handling.models import Case, Disposition
from jianfu.core import clock, workdays
from jianfu.core.models import User
from jianfu.demo.generator import AccountSpec, DemoContext, register
from jianfu.demo.registry import choose_planted


def _count() -> dict[str, int]:
    return {"线索处置": Disposition.objects.count(), "案件": Case.objects.count()}


def _back(today: dt.date, n: int) -> dt.date:
    """The working day n working days before today."""
    day = today
    while workdays.workdays_between(day, today) < n:
        day -= dt.timedelta(days=1)
    return day


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@register(count=_count)
def accountability_handling(ctx: DemoContext) -> dict[str, int]:
    prefix = ctx.username_prefix
    today = ctx.as_of
    city = (ctx.units.get("city") or [ctx.root])[0]
    counties = [u for u in ctx.units["county"] if u.path.startswith(city.path)]
    departments = [
        u
        for u in ctx.units["department"]
        if u.path.startswith(city.path) and u.depth == city.depth + 1
    ]
    planted = choose_planted(counties, departments)
    a = planted.get("pacing")
    if a is None:
        return {"线索处置": 0}
    b = planted.get("swap", a)
    me = User.objects.get(username=f"{prefix}discipline")
    (other,) = ctx.add_accounts(
        [AccountSpec("discipline2", ctx.person_name(), ctx.root.code, ("discipline",))]
    )

    def clue(unit, days_ago: int, text: str, *, real_name=False, category="meetings") -> Clue:
        # Through the ledger's one door: a real-name informant is sealed, as on the public page.
        informant = {"name": ctx.person_name(), "phone": "13900000000"} if real_name else None
        return clue_create(
            channel="public",
            received_at=_at(_back(today, days_ago)),
            subject_unit=unit,
            category=category,
            text=text,
            informant=informant,
            real_name=real_name,
        )

    def decide(c: Clue, kind: str, **extra) -> Disposition:
        d = services.disposition_propose(by=me, clue_id=c.pk, kind=kind, reason="经研判", **extra)
        return services.disposition_approve(by=other, disposition_id=d.pk)

    def told(c: Clue) -> None:
        services.informant_told_accepted(by=me, clue_id=c.pk, at=_at(_back(today, 25)))

    with clock.frozen(_at(today)):
        talk = clue(a, 30, "某局要求每周报送工作动态，并层层陪会。")
        decide(talk, "inquiry", inquiry_mode="talk")
        letter_clue = clue(
            b, 30, "乡镇每月迎检材料堆积如山。", real_name=True, category="inspections"
        )
        told(letter_clue)
        letter = decide(letter_clue, "inquiry", inquiry_mode="letter")
        services.letter_sent(by=me, disposition_id=letter.pk, at=_at(_back(today, 13)))
        held = clue(a, 28, "反映内容较笼统，暂无查证条件。", category="other")
        decide(held, "held")
        closed = clue(
            b, 28, "反映某镇考核过多，经了解已整改。", real_name=True, category="inspections"
        )
        told(closed)
        decide(closed, "closed", closed_reason="untrue")
        passed = clue(a, 27, "反映省管干部问题。", category="other")
        decide(passed, "passed_on", passed_to="省纪委监委")
        # The overdue clock: a clue for another level still awaiting approval to pass it on.
        waiting = clue(a, 7, "反映省直单位向县里层层要报表。", category="forms")
        services.disposition_propose(
            by=me, clue_id=waiting.pk, kind="passed_on", passed_to="省纪委监委", reason="属省管"
        )
        # Awaiting a disposition; the real-name informant not yet told (green).
        clue(a, 2, "村里的各类牌子挂满墙。", real_name=True, category="traces")

        # A case transferred at once, with every outcome, problems now in rectification.
        big = clue(a, 26, "会议层层套开、文件照抄照转。", real_name=True, category="documents")
        told(big)
        decide(big, "case")
        case = Case.objects.get(clue=big)
        services.case_findings(
            by=me, case_id=case.pk, findings="经核查，以会议落实会议、以文件落实文件问题属实。"
        )
        people = [
            ("none", "办公室主任"),
            ("talk", "副局长"),
            ("criticism", "科长"),
            ("admonishment", "副县长"),
            ("notice", "局长"),
            ("sanction", "党组书记"),
        ]
        for kind, position in people:
            services.outcome_add(
                by=me, case_id=case.pk, kind=kind, person=ctx.person_name(), position=position
            )
        for kind in ("org_review", "org_notice", "org_reorganise"):
            services.outcome_add(by=me, case_id=case.pk, kind=kind)
        sources.case_problems_open(
            by=me,
            case_id=case.pk,
            descriptions=["以会议落实会议，会议过多过长", "以文件落实文件，照抄照转上级文件"],
        )
        services.case_conclude(by=me, case_id=case.pk)

        # A case after a preliminary verification: an organisational adjustment, month running.
        verify = clue(b, 24, "督查检查考核过多过频，基层疲于迎检。", category="inspections")
        decide(verify, "verification")
        second = services.case_open(by=me, clue_id=verify.pk)
        services.case_findings(by=me, case_id=second.pk, findings="经核查，多头重复检查问题属实。")
    with clock.frozen(_at(_back(today, 8))):
        services.outcome_add(
            by=me, case_id=second.pk, kind="adjustment", person=ctx.person_name(), position="局长"
        )
    return _count()
