"""Writes of information reporting. Each is one transaction ending with its audit entry; a refusal
is a DomainError naming the field and the value, and nothing is saved.

- The office designates a unit's contacts (信息员: accounts of that unit), publishes requirements
  (a quota per month or quarter) and commissions (约稿: a topic, a deadline, target units), adopts
  a submission at a tier, records a leader's instruction on it, declines it or marks it false.
- A designated contact submits for their unit: title, text, optional files ("no new burden").
  A commission refuses a unit it does not target; after its deadline the piece is taken and
  marked late, never refused.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, runtime, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, User
from jianfu.core.runtime import SettingDef

from .models import (
    Adoption,
    AdoptionTier,
    Instruction,
    ReportingContact,
    ReportingRequirement,
    RequirementKind,
    Submission,
    SubmissionFile,
    SubmissionStatus,
)

VIEW = "supervision.reporting:view"
MANAGE = "supervision.reporting:manage"
SUBMIT = "supervision.reporting:submit"

INSTRUCTION_POINTS = "reporting.instruction_points"
FALSE_PENALTY = "reporting.false_penalty"

runtime.define(
    SettingDef(
        INSTRUCTION_POINTS,
        5,
        gettext_lazy("信息报送：领导批示加分"),
        gettext_lazy("报送信息每获得一条领导批示，所在单位加此分数。"),
        "business",
        0,
        100,
    ),
    SettingDef(
        FALSE_PENALTY,
        10,
        gettext_lazy("信息报送：虚假信息扣分"),
        gettext_lazy("报送信息被认定为虚假信息，所在单位扣此分数（其采用和批示也不再计分）。"),
        "business",
        0,
        100,
    ),
)

# The tiers a new installation starts with (the office edits their points).
DEFAULT_TIERS = (
    ("city", gettext_lazy("市级信息刊物"), 1),
    ("province", gettext_lazy("省级采用"), 3),
    ("central", gettext_lazy("中央采用"), 10),
)

audit.describe(
    {
        "jianfu.supervision.reporting.contact.designated": gettext_lazy("指定信息员"),
        "jianfu.supervision.reporting.contact.ended": gettext_lazy("免去信息员"),
        "jianfu.supervision.reporting.requirement.published": gettext_lazy("发布信息报送要求"),
        "jianfu.supervision.reporting.requirement.closed": gettext_lazy("停止信息报送要求"),
        "jianfu.supervision.reporting.submission.created": gettext_lazy("报送信息"),
        "jianfu.supervision.reporting.submission.adopted": gettext_lazy("采用报送信息"),
        "jianfu.supervision.reporting.submission.instructed": gettext_lazy("登记领导批示"),
        "jianfu.supervision.reporting.submission.declined": gettext_lazy("报送信息不予采用"),
        "jianfu.supervision.reporting.submission.marked_false": gettext_lazy("认定虚假信息"),
        "jianfu.supervision.reporting.tier.saved": gettext_lazy("修改采用层级计分"),
    }
)

TITLE_MAX = 200
TEXT_MAX = 20000


def ensure_default_tiers() -> None:
    """The three default tiers when none exist (after migrate, and for the demo)."""
    if not AdoptionTier.objects.exists():
        AdoptionTier.objects.bulk_create(
            [
                AdoptionTier(code=code, name=str(name), points=points, order=i)
                for i, (code, name, points) in enumerate(DEFAULT_TIERS)
            ]
        )


def _unit_in_scope(by, unit_id, field: str, code: str) -> Unit:
    s = scope.require(by, code)
    unit = None
    if unit_id not in (None, ""):
        try:
            unit = Unit.objects.filter(s.units_q()).filter(pk=int(unit_id)).first()
        except (TypeError, ValueError):
            unit = None
    if unit is None:
        raise DomainError(
            "unit_out_of_scope",
            _("单位“%(v)s”不存在或不在您的范围内。") % {"v": unit_id or ""},
            field=field,
        )
    return unit


def _text(value, field: str, label: str, *, required=True, max_length=TITLE_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(f)s最多 %(n)s 个字，现有 %(m)s 个字。")
            % {"f": label, "n": max_length, "m": len(value)},
            field=field,
        )
    return value


def _date(value, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(
            "bad_date",
            _("%(f)s“%(v)s”不是有效日期。") % {"f": label, "v": value or ""},
            field=field,
        )
    return value


# --- Contacts --------------------------------------------------------------------------------


@transaction.atomic
def contact_designate(*, by, unit_id, user_id, since: dt.date | None = None) -> ReportingContact:
    unit = _unit_in_scope(by, unit_id, "unit", MANAGE)
    user = None
    if user_id not in (None, ""):
        ref = str(user_id).strip()
        match = {"pk": int(ref)} if ref.isdigit() else {"username__iexact": ref}
        user = User.objects.filter(home_unit=unit, is_active=True, **match).first()
    if user is None:
        raise DomainError(
            "not_of_unit",
            _("账户“%(v)s”不是%(u)s的在用账户，信息员须从本单位账户中指定。")
            % {"v": user_id or "", "u": unit.name},
            field="user",
        )
    since = since or clock.today()
    _date(since, "since", _("指定日期"))
    if ReportingContact.objects.filter(unit=unit, user=user, until__isnull=True).exists():
        raise DomainError(
            "already_contact",
            _("%(p)s已是%(u)s的信息员。") % {"p": user, "u": unit.name},
            field="user",
        )
    contact = ReportingContact.objects.create(unit=unit, user=user, since=since, designated_by=by)
    audit.record(
        "jianfu.supervision.reporting.contact.designated",
        actor=by,
        obj=contact,
        extra={"unit": unit.pk, "user": user.pk, "since": since.isoformat()},
    )
    return contact


@transaction.atomic
def contact_end(*, by, contact_id, until: dt.date | None = None) -> ReportingContact:
    # Found within the account's units before the permission is asked: a contact outside them is
    # a 404 for every role, and only one inside them is refused (403) to a role that may not.
    contact = (
        ReportingContact.objects.select_for_update()
        .filter(scope.scope_of(by).units_q("unit__"), pk=contact_id, until__isnull=True)
        .first()
    )
    if contact is None:
        raise DomainError("not_found", _("该信息员不存在或已免去。"), status=404)
    scope.require(by, MANAGE)
    until = until or clock.today()
    if until < contact.since:
        raise DomainError(
            "until_before_since",
            _("免去日期 %(d)s 早于指定日期 %(s)s。")
            % {"d": until.isoformat(), "s": contact.since.isoformat()},
            field="until",
        )
    contact.until = until
    contact.save(update_fields=["until"])
    audit.record(
        "jianfu.supervision.reporting.contact.ended",
        actor=by,
        obj=contact,
        extra={"unit": contact.unit_id, "until": until.isoformat()},
    )
    return contact


def is_contact(user, unit_id: int, on: dt.date | None = None) -> bool:
    on = on or clock.today()
    return (
        ReportingContact.objects.filter(unit_id=unit_id, user=user, since__lte=on)
        .exclude(until__lt=on)
        .exists()
    )


# --- Requirements ----------------------------------------------------------------------------


@transaction.atomic
def requirement_publish(
    *,
    by,
    kind: str,
    title: str,
    topics: str = "",
    target_ids: list,
    period_type: str = "month",
    quota: int | None = 0,
    starts_on: dt.date | None = None,
    deadline: dt.date | None = None,
) -> ReportingRequirement:
    s = scope.require(by, MANAGE)
    if kind not in RequirementKind.values:
        raise DomainError("kind", _("报送类型“%(v)s”无效。") % {"v": kind or ""}, field="kind")
    title = _text(title, "title", _("标题"))
    topics = _text(topics, "topics", _("报送重点"), required=False, max_length=TEXT_MAX)
    today = clock.today()
    starts_on = starts_on or today
    ids = []
    for raw in target_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise DomainError(
                "target", _("报送单位“%(v)s”无效。") % {"v": raw}, field="targets"
            ) from None
    targets = list(Unit.objects.filter(s.units_q()).filter(pk__in=ids))
    if not ids:
        raise DomainError("required", _("请选择报送单位。"), field="targets")
    missing = sorted(set(ids) - {u.pk for u in targets})
    if missing:
        raise DomainError(
            "target_out_of_scope",
            _("报送单位“%(v)s”不存在或不在您的范围内。") % {"v": missing[0]},
            field="targets",
        )
    if kind == RequirementKind.COMMISSION:
        if deadline is None:
            raise DomainError("required", _("约稿须填写截止日期。"), field="deadline")
        _date(deadline, "deadline", _("截止日期"))
        if deadline < today:
            raise DomainError(
                "deadline_past",
                _("截止日期 %(d)s 早于今天，请核对。") % {"d": deadline.isoformat()},
                field="deadline",
            )
        quota = 1
    else:
        if period_type not in ("month", "quarter"):
            raise DomainError(
                "period_type", _("报送周期“%(v)s”无效。") % {"v": period_type}, field="period_type"
            )
        if quota is None or not 1 <= int(quota) <= 50:
            raise DomainError(
                "quota",
                _("每期篇数“%(v)s”应在 1 到 50 之间。") % {"v": quota if quota is not None else ""},
                field="quota",
            )
        deadline = None
    req = ReportingRequirement.objects.create(
        unit_id=s.unit_id,
        kind=kind,
        title=title,
        topics=topics,
        period_type=period_type if kind == RequirementKind.SCHEDULE else "month",
        quota=int(quota),
        starts_on=starts_on,
        deadline=deadline,
        published_by=by if getattr(by, "pk", None) else None,
        published_at=clock.now(),
    )
    req.targets.set(targets)
    audit.record(
        "jianfu.supervision.reporting.requirement.published",
        actor=by,
        obj=req,
        extra={
            "kind": kind,
            "targets": sorted(u.pk for u in targets),
            "deadline": deadline.isoformat() if deadline else None,
            "quota": int(quota),
        },
    )
    return req


@transaction.atomic
def requirement_close(*, by, requirement_id) -> ReportingRequirement:
    s = scope.require(by, MANAGE)
    req = (
        ReportingRequirement.objects.select_for_update()
        .filter(s.units_q("unit__"), pk=requirement_id)
        .first()
    )
    if req is None:
        raise DomainError("not_found", _("该报送要求不存在或不在您的范围内。"), status=404)
    if not req.closed:
        req.closed = True
        req.save(update_fields=["closed"])
        audit.record("jianfu.supervision.reporting.requirement.closed", actor=by, obj=req)
    return req


# --- Submitting ------------------------------------------------------------------------------


def check_uploads(uploads) -> list[tuple[str, bytes, str]]:
    from jianfu.core import files

    return [(name, data, files.check(name, data)) for name, data in uploads or []]


@transaction.atomic
def submit(
    *,
    by,
    unit_id=None,
    title: str,
    text: str,
    requirement_id=None,
    uploads: list[tuple[str, bytes]] | None = None,
) -> Submission:
    scope.require(by, SUBMIT)
    unit_id = unit_id or by.home_unit_id
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit is None or unit.pk != by.home_unit_id:
        raise DomainError(
            "not_own_unit",
            _("只能为本单位报送信息（所选单位“%(v)s”）。") % {"v": unit_id or ""},
            field="unit",
        )
    if not is_contact(by, unit.pk):
        raise DomainError(
            "not_contact",
            _("您不是%(u)s指定的信息员，请联系市委办指定后再报送。") % {"u": unit.name},
        )
    title = _text(title, "title", _("标题"))
    text = _text(text, "text", _("正文"), max_length=TEXT_MAX)
    now = clock.now()
    req = None
    on_time = True
    if requirement_id not in (None, ""):
        try:
            req = ReportingRequirement.objects.filter(pk=int(requirement_id)).first()
        except (TypeError, ValueError):
            req = None
        if req is None or not req.targets.filter(pk=unit.pk).exists():
            raise DomainError(
                "not_targeted",
                _("报送要求“%(v)s”不是发给%(u)s的，不能按此报送。")
                % {"v": req.title if req else requirement_id, "u": unit.name},
                field="requirement",
            )
        if req.closed:
            raise DomainError(
                "closed",
                _("报送要求“%(v)s”已停止。") % {"v": req.title},
                field="requirement",
            )
        if req.is_commission and clock.today() > req.deadline:
            on_time = False
    checked = check_uploads(uploads)
    sub = Submission.objects.create(
        unit=unit,
        contact=by,
        requirement=req,
        title=title,
        text=text,
        submitted_at=now,
        on_time=on_time,
    )
    stored = []
    if checked:
        from jianfu.core import files

        for name, data, kind in checked:
            f = files.store(data, kind)
            SubmissionFile.objects.create(
                submission=sub,
                name=files.clean_name(name),
                kind=kind,
                size=f.size,
                sha256=f.sha256,
                relpath=f.relpath,
            )
            stored.append({"name": files.clean_name(name), "sha256": f.sha256})
    audit.record(
        "jianfu.supervision.reporting.submission.created",
        actor=by,
        obj=sub,
        extra={
            "unit": unit.pk,
            "requirement": req.pk if req else None,
            "on_time": on_time,
            "files": stored,
        },
    )
    return sub


# --- The office's decisions ------------------------------------------------------------------


def _lock(by, submission_id) -> Submission:
    s = scope.require(by, MANAGE)
    sub = (
        Submission.objects.select_for_update().filter(s.units_q("unit__"), pk=submission_id).first()
    )
    if sub is None:
        raise DomainError("not_found", _("该报送信息不存在或不在您的范围内。"), status=404)
    return sub


def _not_false(sub: Submission) -> None:
    if sub.status == SubmissionStatus.FALSE:
        raise DomainError(
            "is_false", _("“%(t)s”已认定为虚假信息，不能再采用或登记批示。") % {"t": sub.title}
        )


def _not_future(day: dt.date, field: str, label: str) -> None:
    _date(day, field, label)
    if day > clock.today():
        raise DomainError(
            "in_future",
            _("%(f)s %(d)s 晚于今天，请核对。") % {"f": label, "d": day.isoformat()},
            field=field,
        )


@transaction.atomic
def adopt(
    *, by, submission_id, tier_id, adopted_on: dt.date | None = None, note: str = ""
) -> Adoption:
    sub = _lock(by, submission_id)
    _not_false(sub)
    tier = None
    try:
        tier = AdoptionTier.objects.filter(pk=int(tier_id)).first() if tier_id else None
    except (TypeError, ValueError):
        tier = None
    if tier is None:
        raise DomainError("tier", _("采用层级“%(v)s”无效。") % {"v": tier_id or ""}, field="tier")
    adopted_on = adopted_on or clock.today()
    _not_future(adopted_on, "adopted_on", _("采用日期"))
    if adopted_on < sub.submitted_at.date():
        raise DomainError(
            "before_submitted",
            _("采用日期 %(d)s 早于报送日期。") % {"d": adopted_on.isoformat()},
            field="adopted_on",
        )
    note = _text(note, "note", _("刊发情况"), required=False)
    if sub.adoptions.filter(tier=tier).exists():
        raise DomainError(
            "already_adopted",
            _("“%(t)s”已在“%(l)s”采用过。") % {"t": sub.title, "l": tier.name},
            field="tier",
        )
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(
                submission=sub,
                tier=tier,
                points=tier.points,
                adopted_on=adopted_on,
                note=note,
                adopted_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        raise DomainError(
            "already_adopted",
            _("“%(t)s”已在“%(l)s”采用过。") % {"t": sub.title, "l": tier.name},
            field="tier",
        ) from None
    sub.status = SubmissionStatus.ADOPTED
    sub.decided_by, sub.decided_at = by, clock.now()
    sub.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        "jianfu.supervision.reporting.submission.adopted",
        actor=by,
        obj=sub,
        extra={"tier": tier.code, "points": tier.points, "adopted_on": adopted_on.isoformat()},
    )
    return adoption


@transaction.atomic
def instruct(
    *, by, submission_id, leader: str, text: str, given_on: dt.date | None = None
) -> Instruction:
    sub = _lock(by, submission_id)
    _not_false(sub)
    leader = _text(leader, "leader", _("批示领导"), max_length=50)
    text = _text(text, "text", _("批示内容"), max_length=TEXT_MAX)
    given_on = given_on or clock.today()
    _not_future(given_on, "given_on", _("批示日期"))
    points = int(runtime.get(INSTRUCTION_POINTS))
    instruction = Instruction.objects.create(
        submission=sub,
        leader=leader,
        text=text,
        given_on=given_on,
        points=points,
        recorded_by=by if getattr(by, "pk", None) else None,
        recorded_at=clock.now(),
    )
    audit.record(
        "jianfu.supervision.reporting.submission.instructed",
        actor=by,
        obj=sub,
        extra={"leader": leader, "given_on": given_on.isoformat(), "points": points},
    )
    return instruction


@transaction.atomic
def decline(*, by, submission_id) -> Submission:
    sub = _lock(by, submission_id)
    if sub.status != SubmissionStatus.PENDING:
        raise DomainError(
            "decided",
            _("“%(t)s”已处理（%(s)s）。") % {"t": sub.title, "s": sub.get_status_display()},
        )
    sub.status = SubmissionStatus.DECLINED
    sub.decided_by, sub.decided_at = by, clock.now()
    sub.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record("jianfu.supervision.reporting.submission.declined", actor=by, obj=sub)
    return sub


@transaction.atomic
def mark_false(*, by, submission_id, reason: str) -> Submission:
    sub = _lock(by, submission_id)
    if sub.status == SubmissionStatus.FALSE:
        raise DomainError("is_false", _("“%(t)s”已认定为虚假信息。") % {"t": sub.title})
    reason = _text(reason, "reason", _("虚假原因"), max_length=500)
    before = sub.status
    sub.status = SubmissionStatus.FALSE
    sub.false_reason = reason
    sub.decided_by, sub.decided_at = by, clock.now()
    sub.save(update_fields=["status", "false_reason", "decided_by", "decided_at"])
    audit.record(
        "jianfu.supervision.reporting.submission.marked_false",
        actor=by,
        obj=sub,
        changes={"status": [before, SubmissionStatus.FALSE]},
        extra={"reason": reason, "penalty": int(runtime.get(FALSE_PENALTY))},
    )
    return sub


@transaction.atomic
def tier_save(*, by, tier_id, points) -> AdoptionTier:
    scope.require(by, MANAGE)
    tier = AdoptionTier.objects.select_for_update().filter(pk=tier_id).first()
    if tier is None:
        raise DomainError("not_found", _("该采用层级不存在。"), status=404)
    try:
        points = int(points)
    except (TypeError, ValueError):
        points = -1
    if not 0 <= points <= 100:
        raise DomainError(
            "points", _("“%(l)s”的计分应在 0 到 100 之间。") % {"l": tier.name}, field="points"
        )
    before = tier.points
    tier.points = points
    tier.save(update_fields=["points"])
    audit.record(
        "jianfu.supervision.reporting.tier.saved",
        actor=by,
        obj=tier,
        changes={"points": [before, points]},
    )
    return tier
