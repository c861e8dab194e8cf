"""Writes on inspection tours: a tour created and edited, findings added, findings put on their
target units' problem lists in one step, a finding referred to the discipline commission as a
clue. Each is one transaction ending with its audit entry; refusals are DomainErrors naming the
field and the value."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.rectification.models import Problem, Severity, Source
from jianfu.rectification.problems import services as rectification

from ..clues.models import Clue, ClueCategory, ClueChannel
from ..clues.services import clue_create
from .models import Finding, Tour, TourStatus

VIEW = "accountability.tour:view"
MANAGE = "accountability.tour:manage"
FINDING_VIEW = "accountability.finding:view"
# The problem source a finding becomes (sources.py) and the clue's source kind.
KIND = "tour_finding"
MAX_TARGETS = 60

audit.describe(
    {
        "jianfu.accountability.tour.created": gettext_lazy("登记巡察"),
        "jianfu.accountability.tour.updated": gettext_lazy("修改巡察"),
        "jianfu.accountability.finding.created": gettext_lazy("登记巡察发现问题"),
        "jianfu.accountability.finding.imported": gettext_lazy("导入巡察发现问题"),
        "jianfu.accountability.finding.problems": gettext_lazy("巡察发现问题列入问题清单"),
        "jianfu.accountability.finding.referred": gettext_lazy("巡察发现问题移交纪委监委"),
    }
)


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": max_length, "m": len(value)},
            field=field,
        )
    return value


def clean_tour(by, data: dict) -> dict:
    """A tour's fields checked (the form and the services share it)."""
    s = scope.require(by, MANAGE)
    out = {
        "name": _text(data.get("name"), "name", _("巡察名称"), 120),
        "leader": _text(data.get("leader"), "leader", _("巡察组组长"), 100),
        "members": _text(data.get("members"), "members", _("巡察组成员"), 2000, required=False),
    }
    rnd = data.get("round")
    if not isinstance(rnd, int) or not 1 <= rnd <= 99:
        raise DomainError("round", _("巡察轮次应为 1 到 99 的整数。"), field="round")
    out["round"] = rnd
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts is None:
        raise DomainError("required", _("请填写进驻日期。"), field="starts_on")
    if ends is None:
        raise DomainError("required", _("请填写结束日期。"), field="ends_on")
    if ends < starts:
        raise DomainError(
            "ends_before_start",
            _("结束日期 %(e)s 早于进驻日期 %(s)s。") % {"e": ends, "s": starts},
            field="ends_on",
        )
    out["starts_on"], out["ends_on"] = starts, ends
    status = data.get("status") or TourStatus.PLANNED
    if status not in TourStatus.values:
        raise DomainError("status", _("状态无效。"), field="status")
    out["status"] = status
    ids = sorted(set(data.get("target_ids") or []))
    if not ids:
        raise DomainError("required", _("请选择被巡察单位。"), field="target_ids")
    if len(ids) > MAX_TARGETS:
        raise DomainError(
            "targets", _("被巡察单位不能超过 %(n)s 个。") % {"n": MAX_TARGETS}, field="target_ids"
        )
    found = list(Unit.objects.filter(s.units_q()).filter(pk__in=ids, valid_until__isnull=True))
    if len(found) != len(ids):
        raise DomainError(
            "unit_out_of_scope", _("被巡察单位须是您范围内的单位。"), field="target_ids"
        )
    out["targets"] = found
    return out


@transaction.atomic
def tour_save(*, by, data: dict, tour: Tour | None = None) -> Tour:
    """Create a tour (organised by the account's unit) or edit one."""
    clean = clean_tour(by, data)
    targets = clean.pop("targets")
    if tour is None:
        if by.home_unit_id is None:
            raise DomainError("no_unit", _("您的账户没有所属单位，不能登记巡察。"), status=403)
        tour = Tour(organiser_id=by.home_unit_id, created_by=by, created_at=clock.now())
        code = "jianfu.accountability.tour.created"
    else:
        tour = Tour.objects.select_for_update().get(pk=tour.pk)
        code = "jianfu.accountability.tour.updated"
        kept = set(tour.findings.values_list("unit_id", flat=True))
        dropped = kept - {u.pk for u in targets}
        if dropped:
            names = Unit.objects.filter(pk__in=dropped).values_list("name", flat=True)
            raise DomainError(
                "target_has_findings",
                _("“%(u)s”已有巡察发现问题，不能从被巡察单位中移除。") % {"u": "、".join(names)},
                field="target_ids",
            )
    for k, v in clean.items():
        setattr(tour, k, v)
    if tour.status == TourStatus.CLOSED and tour.closed_on is None:
        tour.closed_on = clock.today()
    elif tour.status != TourStatus.CLOSED:
        tour.closed_on = None
    tour.save()
    tour.targets.set(targets)
    audit.record(code, actor=by, obj=tour, extra={"targets": [u.pk for u in targets]})
    return tour


def clean_finding(tour: Tour, data: dict, target_ids: set[int] | None = None) -> dict:
    """A finding's fields checked against its tour (the form, the import and the service)."""
    if target_ids is None:
        target_ids = set(tour.targets.values_list("pk", flat=True))
    unit_id = data.get("unit_id")
    if unit_id not in target_ids:
        raise DomainError("not_a_target", _("该单位不是本轮巡察的被巡察单位。"), field="unit_id")
    category = data.get("category")
    if category not in ClueCategory.values:
        raise DomainError("category", _("请选择问题类别。"), field="category")
    text = _text(data.get("text"), "text", _("发现问题"), 2000)
    found_on = data.get("found_on")
    if found_on is None:
        raise DomainError("required", _("请填写发现日期。"), field="found_on")
    if found_on > clock.today():
        raise DomainError(
            "found_in_future",
            _("发现日期 %(d)s 晚于今天，请核对。") % {"d": found_on.isoformat()},
            field="found_on",
        )
    if found_on < tour.starts_on:
        raise DomainError(
            "found_before_tour",
            _("发现日期 %(d)s 早于巡察进驻日期 %(s)s。")
            % {"d": found_on.isoformat(), "s": tour.starts_on.isoformat()},
            field="found_on",
        )
    return {"unit_id": unit_id, "category": category, "text": text, "found_on": found_on}


def _lock_tour(by, tour_id: int) -> Tour:
    s = scope.require(by, MANAGE)
    tour = (
        Tour.objects.select_for_update().filter(s.units_q("organiser__")).filter(pk=tour_id).first()
    )
    if tour is None:
        raise DomainError("not_found", _("巡察不存在或不在您的范围内。"), status=404)
    return tour


def add_findings(by, tour: Tour, rows: list[dict]) -> list[Finding]:
    """Cleaned findings written (inside the caller's transaction)."""
    now = clock.now()
    return Finding.objects.bulk_create(
        [Finding(tour=tour, created_by=by, created_at=now, **r) for r in rows]
    )


@transaction.atomic
def finding_add(*, by, tour: Tour, data: dict) -> Finding:
    tour = _lock_tour(by, tour.pk)
    if tour.status == TourStatus.PLANNED:
        raise DomainError(
            "tour_planned", _("巡察尚未进驻，不能登记发现问题。"), field="found_on", status=409
        )
    finding = add_findings(by, tour, [clean_finding(tour, data)])[0]
    audit.record(
        "jianfu.accountability.finding.created",
        actor=by,
        obj=finding,
        extra={"tour": tour.pk, "unit": finding.unit_id},
    )
    return finding


def _description(tour: Tour, finding: Finding) -> str:
    return _("%(t)s（第%(r)s轮）发现：%(x)s") % {"t": tour.name, "r": tour.round, "x": finding.text}


@transaction.atomic
def findings_to_problems(*, by, tour: Tour, finding_ids: list[int]) -> list[Problem]:
    """The chosen findings, each a problem on its target unit's list (source: inspection tour),
    in one step. A finding already on a list is left as it is: doing it twice adds nothing."""
    tour = _lock_tour(by, tour.pk)
    ids = sorted({int(i) for i in finding_ids})
    if not ids:
        raise DomainError("none_chosen", _("请至少选择一条巡察发现问题。"), field="findings")
    findings = list(
        Finding.objects.select_for_update().filter(tour=tour, pk__in=ids).order_by("pk")
    )
    if len(findings) != len(ids):
        raise DomainError(
            "not_of_tour", _("所选问题不属于本轮巡察。"), field="findings", status=404
        )
    made = []
    for f in findings:
        if f.problem_id is not None:
            continue
        problem = rectification.problem_from_source(
            by=by,
            kind=KIND,
            source_id=f.pk,
            unit_id=f.unit_id,
            category=Source.TOUR,
            description=_description(tour, f),
            severity=Severity.MEDIUM,
            evidence={
                "tour": tour.pk,
                "tour_name": tour.name,
                "round": tour.round,
                "leader": tour.leader,
                "category": f.category,
                "text": f.text,
                "found_on": f.found_on.isoformat(),
            },
        )
        f.problem_id = problem.pk
        f.save(update_fields=["problem_id"])
        made.append(problem)
    if made:
        audit.record(
            "jianfu.accountability.finding.problems",
            actor=by,
            obj=tour,
            extra={"findings": [p.source_id for p in made], "problems": [p.pk for p in made]},
        )
    return made


@transaction.atomic
def finding_refer(*, by, finding: Finding, received_at: dt.datetime | None = None) -> Clue:
    """The finding goes to the discipline commission as a clue (channel: tour referral), once."""
    tour = _lock_tour(by, finding.tour_id)
    finding = Finding.objects.select_for_update().select_related("unit").get(pk=finding.pk)
    if finding.clue_id is not None:
        raise DomainError("referred", _("该问题已移交纪委监委。"), status=409)
    # Through the clue ledger's one door, as every channel: the clue is clustered with what the
    # ledger already holds about the unit, and a second referral of the finding returns it.
    clue = clue_create(
        channel=ClueChannel.TOUR,
        received_at=received_at or clock.now(),
        subject_unit=finding.unit,
        category=finding.category,
        text=_("%(t)s（第%(r)s轮）移交：%(x)s")
        % {"t": tour.name, "r": tour.round, "x": finding.text},
        source_kind=KIND,
        source_id=finding.pk,
        by=by,
    )
    finding.clue = clue
    finding.save(update_fields=["clue"])
    audit.record(
        "jianfu.accountability.finding.referred",
        actor=by,
        obj=finding,
        extra={"tour": tour.pk, "clue": clue.pk, "unit": finding.unit_id},
    )
    return clue
