"""Proposals through the gate, demo stage: proposals in every state from several units (drafts,
submitted and waiting, returned with reasons, approved awaiting issue, issued into the registry),
a few units under the gate whose registry records since they came under it are all backed by
approved proposals (they raise nothing), and one planted case: a meeting proposed outside the plan,
returned, and held anyway — it raises gate_out_of_plan and nothing else.

The planted case is put on a unit the registry stage already plants (jianfu/demo/registry.py
`choose_planted`), so the clean units the signals' tests check stay clean. A unit comes under the
gate from a day after its last document over the length cap, so nothing it registered since is
too long (the registry's own demo documents run to ten thousand characters).
"""

import datetime as dt
import random

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.gate_copies import document_text
from jianfu.demo.generator import DemoContext, register
from jianfu.demo.registry import choose_planted
from jianfu.gate.proposals import config, services
from jianfu.gate.proposals.models import Enrolment, Proposal, ProposalStatus
from jianfu.registry.models import Category, Document, Inspection, Meeting
from jianfu.registry.records import services as records
from jianfu.signals import runner

WINDOWS = (30, 21, 14, 7, 3)  # days before as-of a unit may come under the gate
GATE_RULES = ["gate_over_length", "gate_out_of_plan", "gate_unreviewed"]
DRAFT_TEXT = (
    "各乡镇（街道）、县直各单位：\n"
    "为切实减轻基层负担，推动各项工作落地见效，现就有关事项通知如下。\n"
    "一、提高思想认识。各单位要把减负工作摆在重要位置，主要负责同志亲自抓。\n"
    "二、精简工作流程。能合并的合并，能线上办理的不再要求纸质材料。\n"
    "三、强化督促落实。县委办将适时开展随机抽查，抽查结果纳入年度考核。\n"
)


def _count() -> dict[str, int]:
    return {
        "关口审核申请": Proposal.objects.count(),
        "纳入关口管理的单位": Enrolment.objects.count(),
    }


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _under(units, path):
    return [u for u in units if u.path.startswith(path) and u.path != path]


def _since(unit, as_of: dt.date) -> dt.date | None:
    """The earliest day in WINDOWS after which the unit registered no document over the cap."""
    cap = config.cap(False)
    for days in WINDOWS:
        since = as_of - dt.timedelta(days=days)
        if not Document.objects.filter(
            unit=unit, issued_on__range=(since, as_of), characters__gt=cap
        ).exists():
            return since
    return None


def _backfill(unit, since: dt.date, as_of: dt.date, office) -> int:
    """An issued proposal behind every registry record of the unit since it came under the gate,
    as if each had gone through the gate: the records are the registry stage's, already there."""
    rows = []
    for category, model, date_field in (
        (Category.DOCUMENT, Document, "issued_on"),
        (Category.MEETING, Meeting, "held_on"),
        (Category.INSPECTION, Inspection, "starts_on"),
    ):
        # In the plan where the unit's filed plan (the plans stage's) has an item of the kind;
        # else, and for an inspection registered outside the plan, an approved 一事一报.
        item = services.plan_items(unit.pk, category, as_of.year).first()
        for r in model.objects.filter(unit=unit, **{f"{date_field}__range": (since, as_of)}):
            day = getattr(r, date_field)
            in_plan = item is not None and getattr(r, "in_plan", True)
            p = Proposal(
                unit=unit,
                category=category,
                title=r.title,
                status=ProposalStatus.ISSUED,
                plan_item=item if in_plan else None,
                out_of_plan_reason="" if in_plan else "按上级部署办理，已报县委办同意。",
                submitted_at=_at(day - dt.timedelta(days=5)),
                reviewed_by=office,
                reviewed_at=_at(day - dt.timedelta(days=3)),
                record_id=r.pk,
                issued_at=_at(day, 16),
            )
            if category == Category.DOCUMENT:
                p.document_kind, p.draft_text = r.kind, r.full_text
                p.addressed_levels = list(r.addressed_levels)
            elif category == Category.MEETING:
                p.meeting_level, p.meeting_form, p.planned_on = r.level, r.form, r.held_on
                p.attend_levels = list(r.attend_levels)
            else:
                p.inspection_kind, p.method = r.kind, r.method
                p.starts_on, p.ends_on = r.starts_on, r.ends_on
            rows.append(p)
    Proposal.objects.bulk_create(rows)
    return len(rows)


@register(count=_count)
def gate_proposals(ctx: DemoContext) -> dict[str, int]:
    prefix = ctx.username_prefix
    office = User.objects.get(username=f"{prefix}office")
    today = ctx.as_of
    city = (ctx.units.get("city") or [ctx.root])[0]
    counties = _under(ctx.units["county"], city.path)
    departments = [
        u for u in _under(ctx.units["department"], city.path) if u.depth == city.depth + 1
    ]
    contacts = {
        u.home_unit_id: u
        for u in User.objects.filter(
            username__in=[f"{prefix}contact-{u.code}" for u in counties + departments]
        )
    }
    planted = choose_planted(counties, departments)
    planted_ids = {u.pk for u in planted.values()}
    clean = [u for u in counties + departments if u.pk not in planted_ids and u.pk in contacts]
    out = {"backed": 0}

    # Units under the gate: two clean ones, each record since backed.
    enrolled = 0
    for unit in clean:
        if enrolled == 2:
            break
        since = _since(unit, today)
        if since is None:
            continue
        Enrolment.objects.create(unit=unit, since=since, enrolled_by=office)
        out["backed"] += _backfill(unit, since, today, office)
        enrolled += 1

    # The planted unit: under the gate, its records backed, and one out-of-plan meeting held
    # after the office returned it.
    culprit = next((u for u in planted.values() if u.pk in contacts and _since(u, today)), None)
    if culprit is not None:
        since = _since(culprit, today)
        Enrolment.objects.create(unit=culprit, since=since, enrolled_by=office)
        out["backed"] += _backfill(culprit, since, today, office)
        contact = contacts[culprit.pk]
        held = max(since, today - dt.timedelta(days=2))
        with clock.frozen(_at(held - dt.timedelta(days=6))):
            p = services.proposal_save(
                by=contact,
                data={
                    "category": Category.MEETING,
                    "title": f"{culprit.short_name or culprit.name}重点工作临时推进会",
                    "out_of_plan_reason": "年度计划外，临时召开推进重点工作。",
                    "meeting_level": "department",
                    "meeting_form": "in_person",
                    "planned_on": held,
                    "length_minutes": 120,
                    "attend_levels": ["county", "township"],
                    "grassroots_required": True,
                    "attendees_expected": 40,
                },
            )
            services.proposal_submit(by=contact, proposal_id=p.pk)
        with clock.frozen(_at(held - dt.timedelta(days=4))):
            services.proposal_return(
                by=office,
                proposal_id=p.pk,
                reasons="本周已有同层级的全市推进会，请合并召开（两会合一），或改为视频会议。",
            )
        with clock.frozen(_at(held, 15)):
            records.record_create(
                Meeting,
                by=contact,
                unit=culprit,
                title=p.title,
                held_on=held,
                level="department",
                form="in_person",
                attend_levels=["county", "township"],
                grassroots_required=True,
                grassroots_attendees=40,
            )
        out["planted"] = 1

    # Proposals in every state, from units not under the gate (so nothing they lack is judged).
    under = set(Enrolment.objects.values_list("unit_id", flat=True))
    others = [u for u in counties + departments if u.pk in contacts and u.pk not in under][:5]
    out["states"] = _states(ctx, office, [(u, contacts[u.pk]) for u in others], culprit, contacts)
    runner.run(as_of=today, rules=GATE_RULES)
    return out


def _states(ctx, office, pairs, culprit, contacts) -> int:
    """A draft, two waiting (one for a week), one returned with reasons, one approved awaiting
    issue; and at the planted unit one issued through the gate into its registry."""
    if not pairs:
        return 0
    today = ctx.as_of
    rng = random.Random(f"gate_proposals-{ctx.seed}")
    made = 0

    def pick(i):
        return pairs[i % len(pairs)]

    def doc(i, title, **kw):
        unit, contact = pick(i)
        data = {
            "category": Category.DOCUMENT,
            "title": title,
            "document_kind": "white_header",
            "draft_text": document_text(rng, unit.name, title),
            "addressed_levels": ["township"],
            "out_of_plan_reason": "落实上级部署，需及时印发。",
            **kw,
        }
        return services.proposal_save(by=contact, data=data), contact

    with clock.frozen(_at(today - dt.timedelta(days=9))):
        p, contact = doc(0, "关于进一步规范村级组织工作事务的通知")
        made += 1
    with clock.frozen(_at(today - dt.timedelta(days=8))):
        p, contact = doc(1, "关于开展基层减负专项整治“回头看”的通知")
        services.proposal_submit(by=contact, proposal_id=p.pk)
        made += 1
    with clock.frozen(_at(today - dt.timedelta(days=1))):
        p, contact = doc(
            2, "关于做好冬春季森林防火工作的通知", special_task=True, draft_text=DRAFT_TEXT * 30
        )
        services.proposal_submit(by=contact, proposal_id=p.pk)
        made += 1
    with clock.frozen(_at(today - dt.timedelta(days=6))):
        p, contact = doc(3, "关于报送各村基本情况统计表的通知")
        services.proposal_submit(by=contact, proposal_id=p.pk)
    with clock.frozen(_at(today - dt.timedelta(days=5))):
        services.proposal_return(
            by=office,
            proposal_id=p.pk,
            reasons="所要数据已在平台登记，请直接调用，不再要求各村重复填报。",
        )
        made += 1
    with clock.frozen(_at(today - dt.timedelta(days=4))):
        unit, contact = pick(4)
        m = services.proposal_save(
            by=contact,
            data={
                "category": Category.MEETING,
                "title": "基层减负工作视频调度会",
                "out_of_plan_reason": "落实全省视频会议精神。",
                "meeting_level": "county" if unit.kind == "county" else "department",
                "meeting_form": "video",
                "planned_on": today + dt.timedelta(days=3),
                "length_minutes": 60,
                "attend_levels": ["township"],
            },
        )
        services.proposal_submit(by=contact, proposal_id=m.pk)
    with clock.frozen(_at(today - dt.timedelta(days=3))):
        services.proposal_approve(by=office, proposal_id=m.pk)
        made += 1
    if culprit is not None:
        contact = contacts[culprit.pk]
        with clock.frozen(_at(today - dt.timedelta(days=3))):
            p = services.proposal_save(
                by=contact,
                data={
                    "category": Category.DOCUMENT,
                    "title": "关于做好年度重点项目谋划储备工作的通知",
                    "document_kind": "notice",
                    "draft_text": document_text(
                        rng, culprit.name, "关于做好年度重点项目谋划储备工作的通知"
                    ),
                    "addressed_levels": ["county"],
                    "out_of_plan_reason": "省里新部署，需在年内完成。",
                },
            )
            services.proposal_submit(by=contact, proposal_id=p.pk)
        with clock.frozen(_at(today - dt.timedelta(days=2))):
            services.proposal_approve(by=office, proposal_id=p.pk)
        with clock.frozen(_at(today - dt.timedelta(days=1))):
            services.proposal_issue(
                by=contact, proposal_id=p.pk, issued_on=today - dt.timedelta(days=1)
            )
        made += 1
    return made
