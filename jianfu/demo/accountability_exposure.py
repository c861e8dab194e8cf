"""Typical cases' demo stage (典型案例): one case of a planted department (the registry's "paper"
unit, which turns visits into paper) concluded, written up, redacted, approved by a second
commission account and published two weeks before the demo's day, studied by about half of the
units addressed; one case of a planted county still in draft. The cases are made here with their
clue and outcomes (the handling stage, when it is merged, may provide its own). Small: two cases,
a few dozen study rows."""

import datetime as dt

from django.utils import timezone

from jianfu.accountability.clues.models import Clue
from jianfu.accountability.exposure import services
from jianfu.accountability.exposure.models import Study, StudyFormat, TypicalCase
from jianfu.accountability.handling.models import Case, CaseStatus, Outcome
from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo.generator import AccountSpec, DemoContext, register
from jianfu.demo.registry import choose_planted

PUBLISHED_DAYS_AGO = 14


def _count() -> dict[str, int]:
    return {
        "典型案例": TypicalCase.objects.count(),
        "典型案例学习登记": Study.objects.filter(studied_on__isnull=False).count(),
    }


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _case(ctx: DemoContext, unit: Unit, by: User, *, title: str, findings: str, outcomes) -> Case:
    day = ctx.as_of - dt.timedelta(days=90)
    clue = Clue.objects.create(
        channel="hotline",
        received_at=_at(day),
        subject_unit=unit,
        category="traces",
        text=findings[:120],
    )
    case = Case.objects.create(
        clue=clue,
        unit=unit,
        title=title,
        status=CaseStatus.CONCLUDED,
        opened_at=_at(day + dt.timedelta(days=10)),
        findings=findings,
        concluded_at=_at(day + dt.timedelta(days=60)),
        opened_by=by,
    )
    for person, position, kind in outcomes:
        Outcome.objects.create(
            case=case, person=person, position=position, kind=kind,
            decided_at=_at(day + dt.timedelta(days=60)),
        )  # fmt: skip
    return case


@register(count=_count)
def accountability_exposure(ctx: DemoContext) -> dict[str, int]:
    rng, p = ctx.rng, ctx.username_prefix
    counties = [u for u in ctx.units["county"] if u.path.startswith(ctx.root.path)]
    departments = [
        u for u in ctx.units["department"] if u.path.startswith(ctx.root.path) and u.depth == 2
    ]
    planted = choose_planted(counties, departments)
    unit, county = planted.get("paper"), planted.get("pacing")
    if unit is None or county is None:
        return {}
    drafter = User.objects.get(username=f"{p}discipline")
    # The commission's second account (the handling stage's, which approves dispositions)
    # approves the typical case the first one drafted.
    approver = User.objects.filter(username=f"{p}discipline2").first()
    if approver is None:
        (approver,) = ctx.add_accounts(
            [AccountSpec("discipline2", ctx.person_name(), ctx.root.code, ("discipline",))]
        )
    head, clerk = ctx.person_name(), ctx.person_name()
    findings = (
        f"{unit.name}在生态环境执法检查中以材料督查代替实地检查，要求各乡镇每月报送工作台账、"
        f"现场照片和签到表，分管副局长{head}未予纠正，办公室主任{clerk}具体组织。"
    )
    case = _case(
        ctx, unit, drafter, title=f"{unit.name}以材料督查代替实地检查问题", findings=findings,
        outcomes=[(head, "分管副局长", "admonishment"), (clerk, "办公室主任", "criticism")],
    )  # fmt: skip
    published_day = ctx.as_of - dt.timedelta(days=PUBLISHED_DAYS_AGO)
    with clock.frozen(published_day):
        t = services.typical_draft(by=drafter, case=case)
        body = t.body.replace(f"分管副局长{head}", "分管副局长").replace(
            f"办公室主任{clerk}", "办公室主任"
        )
        services.typical_edit(by=drafter, typical=t, title=t.title, body=body)
        services.typical_redact(by=drafter, typical=t)
        services.typical_approve(by=approver, typical=t)
        services.typical_publish(by=drafter, typical=t, to_units=True, public=True, bulletin=True)
    # About half of the units addressed record their study, on days since publication.
    contacts = {}
    for u in User.objects.filter(
        home_unit_id__in=Study.objects.filter(typical=t).values("unit_id"),
        role_grants__role="contact",
        is_active=True,
    ).order_by("pk"):
        contacts.setdefault(u.home_unit_id, u)
    studied = 0
    formats = list(StudyFormat.values)
    for _unit_id, contact in sorted(contacts.items()):
        if rng.random() < 0.5:
            continue
        day = published_day + dt.timedelta(days=rng.randint(1, PUBLISHED_DAYS_AGO))
        services.study_record(
            by=contact, typical=t, studied_on=day, format=rng.choice(formats[:4]),
            note="结合本单位督查检查工作开展警示教育。",
        )  # fmt: skip
        studied += 1
    # A second case of a planted county, still in draft: its body still names the people.
    person = ctx.person_name()
    draft_case = _case(
        ctx, county, drafter, title=f"{county.name}某局层层陪会问题",
        findings=f"{county.name}某局召开会议要求乡镇主要负责同志层层陪会，局长{person}负主要责任。",
        outcomes=[(person, "某局局长", "talk")],
    )  # fmt: skip
    services.typical_draft(by=drafter, case=draft_case)
    return {"典型案例": 2, "典型案例学习登记": studied}
