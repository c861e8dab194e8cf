"""Writes on proposals through the gate. Each is one transaction ending with its audit entry; a
refusal is a DomainError with a Chinese sentence naming the field or the file, and nothing is
saved.

The workflow: a unit's contact drafts a proposal (typed, or a .docx/.pdf whose text is read),
submits it (in the plan, naming the plan item, or a case-by-case request 一事一报 with its reason),
the office approves it or returns it with reasons (never a reviewer of the proposing unit), the
unit may withdraw it; once approved, the unit says it went out (a document's number and date, a
meeting's day, an inspection's dates) and the registry record is created from the proposal by the
registry's own service, so its counting, rollup and audit are the registry's.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu import notify
from jianfu.core import audit, clock, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.registry.models import (
    Category,
    Document,
    DocumentKind,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Level,
    Meeting,
    MeetingForm,
    MeetingLevel,
)
from jianfu.registry.records import services as records

from ..plans.models import PlanItem, PlanStatus
from . import reading
from .models import Enrolment, Proposal, ProposalFile, ProposalStatus

VIEW = "gate.proposal:view"
SUBMIT = "gate.proposal:submit"
REVIEW = "gate.proposal:review"

EDITABLE = (ProposalStatus.DRAFT, ProposalStatus.RETURNED)
WITHDRAWABLE = (
    ProposalStatus.DRAFT,
    ProposalStatus.SUBMITTED,
    ProposalStatus.RETURNED,
    ProposalStatus.APPROVED,
)
TITLE_MAX = 300
TEXT_MAX = 200_000

COMMON_FIELDS = ("title", "category", "plan_item_id", "out_of_plan_reason")
CATEGORY_FIELDS = {
    Category.DOCUMENT: (
        "document_kind",
        "special_task",
        "draft_text",
        "implements_title",
        "implements_text",
        "addressed_levels",
        "assigns_work",
    ),
    Category.MEETING: (
        "meeting_level",
        "meeting_form",
        "planned_on",
        "length_minutes",
        "attend_levels",
        "grassroots_required",
        "attendees_expected",
        "merge_note",
    ),
    Category.INSPECTION: (
        "inspection_kind",
        "method",
        "starts_on",
        "ends_on",
        "materials_demanded",
        "forms_demanded",
    ),
}
AUDITED = COMMON_FIELDS + tuple(f for fs in CATEGORY_FIELDS.values() for f in fs)

audit.describe(
    {
        "jianfu.gate.proposal.created": gettext_lazy("起草关口审核申请"),
        "jianfu.gate.proposal.updated": gettext_lazy("修改关口审核申请"),
        "jianfu.gate.proposal.submitted": gettext_lazy("提交关口审核申请"),
        "jianfu.gate.proposal.approved": gettext_lazy("同意关口审核申请"),
        "jianfu.gate.proposal.returned": gettext_lazy("退回关口审核申请"),
        "jianfu.gate.proposal.withdrawn": gettext_lazy("撤回关口审核申请"),
        "jianfu.gate.proposal.issued": gettext_lazy("关口审核申请印发（召开、开展）并登记"),
        "jianfu.gate.enrolment.added": gettext_lazy("单位纳入关口管理"),
        "jianfu.gate.enrolment.removed": gettext_lazy("单位退出关口管理"),
    }
)


# --- Helpers ------------------------------------------------------------------------------------


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _text(value, field: str, label, *, required: bool = False, limit: int = TITLE_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > limit:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": limit, "m": len(value)},
            field=field,
        )
    return value


def _choice(data: dict, field: str, choices) -> str:
    value = data.get(field) or ""
    label = Proposal._meta.get_field(field).verbose_name
    if value and value not in choices.values:
        raise DomainError(
            "bad_choice", _("%(f)s“%(v)s”不是可选的值。") % {"f": label, "v": value}, field=field
        )
    return value


def _levels(values, field: str, label) -> list[str]:
    values = [str(v) for v in (values or [])]
    bad = [v for v in values if v not in Level.values]
    if bad:
        raise DomainError(
            "bad_choice", _("%(f)s“%(v)s”不是可选的值。") % {"f": label, "v": bad[0]}, field=field
        )
    return sorted(set(values), key=Level.values.index)


def _lock(by, proposal_id: int, code: str) -> Proposal:
    """The proposal, locked, if it lies in the principal's units (else 404), and the code."""
    s = scope.scope_of(by)
    p = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=proposal_id)
        .first()
    )
    if p is None or not s.covers_path(p.unit.path):
        raise DomainError("not_found", _("该申请不存在或不在您的范围内。"), status=404)
    scope.require(by, code)
    return p


def _status_is(p: Proposal, allowed, doing) -> None:
    if p.status not in allowed:
        raise DomainError(
            "bad_status",
            _("该申请当前为“%(s)s”，不能%(d)s。") % {"s": p.get_status_display(), "d": doing},
        )


def plan_items(unit_id: int, category: str, year: int):
    """The items of the unit's filed plan for the year that a proposal of this category may name:
    not dropped."""
    return (
        PlanItem.objects.filter(
            plan__unit_id=unit_id,
            plan__year=year,
            plan__status=PlanStatus.FILED,
            category=category,
            dropped=False,
        )
        .select_related("plan")
        .order_by("pk")
    )


def proposal_year(p: Proposal) -> int:
    day = p.planned_on if p.category == Category.MEETING else p.starts_on
    return (day or clock.today()).year


# --- Drafting -----------------------------------------------------------------------------------


def _read_upload(upload) -> tuple[str, str, bytes, str]:
    """(clean name, kind, bytes, text) of an attached draft, or DomainError naming the file."""
    name, data = upload
    kind = files.check(name, data)
    clean = files.clean_name(name)
    return clean, kind, data, reading.text_of(clean, kind, data)


def _apply(p: Proposal, data: dict) -> None:
    """Set the proposal's fields from `data` (what the form gives), checked; the fields of the
    other categories are left blank."""
    f = Proposal._meta.get_field
    p.title = _text(data.get("title"), "title", f("title").verbose_name, required=True)
    category = _choice(data, "category", Category)
    if not category:
        raise DomainError("required", _("请选择类别。"), field="category")
    if p.pk and p.category != category and p.files.exists():
        raise DomainError(
            "category_fixed", _("已上传文稿的申请不能改为其他类别。"), field="category"
        )
    p.category = category
    p.out_of_plan_reason = _text(
        data.get("out_of_plan_reason"), "out_of_plan_reason", _("计划外事由"), limit=2000
    )
    item_id = data.get("plan_item_id")
    p.plan_item = None
    if item_id:
        p.plan_item = _plan_item(p, item_id)
    fields = CATEGORY_FIELDS[category]
    for name in {n for fs in CATEGORY_FIELDS.values() for n in fs} - set(fields):
        field = f(name)
        setattr(p, name, field.get_default())
    if category == Category.DOCUMENT:
        p.document_kind = _choice(data, "document_kind", DocumentKind)
        p.special_task = bool(data.get("special_task"))
        if "draft_text" in data:
            p.draft_text = _text(
                data.get("draft_text"), "draft_text", _("文稿正文"), limit=TEXT_MAX
            )
        p.implements_title = _text(
            data.get("implements_title"), "implements_title", _("贯彻落实的上级文件")
        )
        p.implements_text = _text(
            data.get("implements_text"), "implements_text", _("上级文件正文"), limit=TEXT_MAX
        )
        p.addressed_levels = _levels(
            data.get("addressed_levels"), "addressed_levels", f("addressed_levels").verbose_name
        )
        p.assigns_work = bool(data.get("assigns_work"))
        p.reaches_grassroots = bool(set(p.addressed_levels) & {"township", "village"})
    elif category == Category.MEETING:
        p.meeting_level = _choice(data, "meeting_level", MeetingLevel)
        p.meeting_form = _choice(data, "meeting_form", MeetingForm)
        p.planned_on = data.get("planned_on")
        p.length_minutes = data.get("length_minutes")
        p.attend_levels = _levels(
            data.get("attend_levels"), "attend_levels", f("attend_levels").verbose_name
        )
        p.grassroots_required = bool(data.get("grassroots_required"))
        p.attendees_expected = data.get("attendees_expected") or 0
        p.merge_note = _text(
            data.get("merge_note"), "merge_note", _("合并或视频召开的说明"), limit=2000
        )
    else:
        p.inspection_kind = _choice(data, "inspection_kind", InspectionKind)
        p.method = _choice(data, "method", InspectionMethod)
        p.starts_on = data.get("starts_on")
        p.ends_on = data.get("ends_on")
        if p.starts_on and p.ends_on and p.ends_on < p.starts_on:
            raise DomainError("end_before_start", _("结束日期不能早于开始日期。"), field="ends_on")
        p.materials_demanded = _text(
            data.get("materials_demanded"), "materials_demanded", _("要求提供的材料"), limit=5000
        )
        p.forms_demanded = data.get("forms_demanded") or 0


def _clean(p: Proposal) -> None:
    """The model's own bounds (minutes, attendees, forms), as a DomainError naming the field."""
    try:
        p.full_clean(
            exclude=[
                "unit",
                "plan_item",
                "implements",
                "targets",
                "addressed_levels",
                "attend_levels",
            ]
        )
    except ValidationError as e:
        name, problems = next(iter(e.message_dict.items()))
        label = Proposal._meta.get_field(name).verbose_name if name != "__all__" else ""
        raise DomainError(
            "invalid", f"{label}：{problems[0]}" if label else problems[0], field=name
        ) from e


def _plan_item(p: Proposal, item_id) -> PlanItem:
    item = plan_items(p.unit_id, p.category, proposal_year(p)).filter(pk=item_id).first()
    if item is None:
        raise DomainError(
            "bad_plan_item",
            _("所选计划事项（编号 %(id)s）不是本单位已备案的本年度%(c)s计划事项，或已取消。")
            % {"id": item_id, "c": Category(p.category).label},
            field="plan_item",
        )
    return item


def _targets(by, ids) -> list[Unit]:
    ids = {int(i) for i in ids or ()}
    units = list(Unit.objects.filter(pk__in=ids))
    if len(units) != len(ids):
        raise DomainError("bad_target", _("所选检查对象不存在。"), field="targets")
    return units


@transaction.atomic
def proposal_save(
    *,
    by,
    data: dict,
    proposal_id: int | None = None,
    unit_id: int | None = None,
    target_ids=(),
    upload: tuple[str, bytes] | None = None,
) -> Proposal:
    """Create a draft (proposal_id None) or edit a draft or a returned proposal. `upload` is an
    attached draft (name, bytes): its text replaces what was typed."""
    read = _read_upload(upload) if upload else None
    if proposal_id is None:
        s = scope.require(by, SUBMIT)
        unit_id = unit_id or getattr(by, "home_unit_id", None)
        unit = Unit.objects.filter(s.units_q(), pk=unit_id).first() if unit_id else None
        if unit is None:
            raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="unit")
        p = Proposal(unit=unit, created_by=_actor(by))
        before: dict = {}
    else:
        p = _lock(by, proposal_id, SUBMIT)
        _status_is(p, EDITABLE, _("修改"))
        before = audit.snapshot(p, AUDITED)
    _apply(p, data)
    if read is not None:
        if p.category != Category.DOCUMENT:
            raise DomainError("file_not_document", _("只有发文申请可以上传文稿。"), field="file")
        p.draft_text = read[3]
    _clean(p)
    p.save()
    if p.category == Category.INSPECTION:
        p.targets.set(_targets(by, target_ids))
    else:
        p.targets.clear()
    if read is not None:
        name, kind, content, _text_read = read
        stored = files.store(content, kind)
        ProposalFile.objects.create(
            proposal=p,
            name=name,
            kind=kind,
            size=stored.size,
            sha256=stored.sha256,
            relpath=stored.relpath,
            uploaded_by=_actor(by),
            uploaded_at=clock.now(),
        )
    code = "created" if not before else "updated"
    audit.record(
        f"jianfu.gate.proposal.{code}",
        actor=by,
        obj=p,
        changes=audit.diff(before, audit.snapshot(p, AUDITED)),
        extra={"unit": p.unit_id, "file": read[0] if read else ""},
    )
    return p


# --- Submitting and reviewing -------------------------------------------------------------------


def missing(p: Proposal) -> list[str]:
    """What a proposal still lacks before it can be submitted (the field names)."""
    need = ["title"]
    if p.category == Category.DOCUMENT:
        need += ["document_kind", "draft_text"]
    elif p.category == Category.MEETING:
        need += ["meeting_level", "meeting_form", "planned_on"]
    else:
        need += ["inspection_kind", "method", "starts_on", "ends_on"]
    return [n for n in need if not getattr(p, n)]


@transaction.atomic
def proposal_submit(*, by, proposal_id: int) -> Proposal:
    p = _lock(by, proposal_id, SUBMIT)
    _status_is(p, EDITABLE, _("提交"))
    lacking = missing(p)
    if lacking:
        label = Proposal._meta.get_field(lacking[0]).verbose_name
        raise DomainError("required", _("提交前请填写%(f)s。") % {"f": label}, field=lacking[0])
    if p.category == Category.INSPECTION and not p.targets.exists():
        raise DomainError("required", _("提交前请选择检查对象。"), field="targets")
    if p.plan_item_id is None and not p.out_of_plan_reason.strip():
        raise DomainError(
            "out_of_plan_reason",
            _("该申请未对应年度计划事项，属计划外事项，须“一事一报”：请填写计划外事由后再提交。"),
            field="out_of_plan_reason",
        )
    if p.plan_item_id is not None:
        _plan_item(p, p.plan_item_id)  # still filed and not dropped
    before = p.status
    p.status = ProposalStatus.SUBMITTED
    p.submitted_by, p.submitted_at = _actor(by), clock.now()
    p.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    audit.record(
        "jianfu.gate.proposal.submitted",
        actor=by,
        obj=p,
        changes={"status": [before, p.status]},
        extra={"unit": p.unit_id, "in_plan": p.plan_item_id is not None},
    )
    return p


def _not_own_unit(by, p: Proposal) -> None:
    if getattr(by, "home_unit_id", None) == p.unit_id:
        raise DomainError(
            "own_unit",
            _("本单位提交的申请不能由本单位审核，请由上级机关审核。"),
            status=403,
        )


def _decide(by, proposal_id: int, doing) -> Proposal:
    p = _lock(by, proposal_id, REVIEW)
    _not_own_unit(by, p)
    _status_is(p, (ProposalStatus.SUBMITTED,), doing)
    return p


def _tell(p: Proposal, kind: str, subject: str, body: str) -> None:
    notify.send(
        kind,
        key=f"{kind}:{p.pk}:{p.reviewed_at.isoformat()}",
        recipients=[p.unit],
        subject=subject,
        body=body,
        link=reverse("gate_proposal_detail", args=[p.pk]),
    )


@transaction.atomic
def proposal_approve(*, by, proposal_id: int, note: str = "") -> Proposal:
    p = _decide(by, proposal_id, _("审核同意"))
    p.status = ProposalStatus.APPROVED
    p.reviewed_by, p.reviewed_at = _actor(by), clock.now()
    p.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    _tell(
        p,
        "gate.proposal_approved",
        _("关口审核已同意：%(t)s") % {"t": p.title},
        _("%(c)s申请“%(t)s”已审核同意。印发（召开、开展）后请在申请页登记文号、日期。")
        % {"c": p.get_category_display(), "t": p.title}
        + (f"\n{note.strip()}" if note and note.strip() else ""),
    )
    audit.record(
        "jianfu.gate.proposal.approved",
        actor=by,
        obj=p,
        changes={"status": [ProposalStatus.SUBMITTED, p.status]},
        extra={"unit": p.unit_id, "note": (note or "").strip()},
    )
    return p


@transaction.atomic
def proposal_return(*, by, proposal_id: int, reasons: str) -> Proposal:
    reasons = _text(reasons, "reasons", _("退回理由"), required=True, limit=2000)
    p = _decide(by, proposal_id, _("退回"))
    p.status = ProposalStatus.RETURNED
    p.return_reasons = reasons
    p.reviewed_by, p.reviewed_at = _actor(by), clock.now()
    p.save(update_fields=["status", "return_reasons", "reviewed_by", "reviewed_at", "updated_at"])
    _tell(
        p,
        "gate.proposal_returned",
        _("关口审核已退回：%(t)s") % {"t": p.title},
        _("%(c)s申请“%(t)s”被退回，理由：%(r)s")
        % {
            "c": p.get_category_display(),
            "t": p.title,
            "r": reasons,
        },
    )
    audit.record(
        "jianfu.gate.proposal.returned",
        actor=by,
        obj=p,
        changes={"status": [ProposalStatus.SUBMITTED, p.status]},
        extra={"unit": p.unit_id, "reasons": reasons},
    )
    return p


@transaction.atomic
def proposal_withdraw(*, by, proposal_id: int) -> Proposal:
    p = _lock(by, proposal_id, SUBMIT)
    _status_is(p, WITHDRAWABLE, _("撤回"))
    before = p.status
    p.status = ProposalStatus.WITHDRAWN
    p.save(update_fields=["status", "updated_at"])
    audit.record(
        "jianfu.gate.proposal.withdrawn",
        actor=by,
        obj=p,
        changes={"status": [before, p.status]},
        extra={"unit": p.unit_id},
    )
    return p


# --- Issued: the registry record ----------------------------------------------------------------


def _required_day(value, field: str, label) -> dt.date:
    if not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    return value


def record_fields(
    p: Proposal, *, number="", issued_on=None, held_on=None, starts_on=None, ends_on=None
) -> tuple[type, dict, list]:
    """(the registry model, its fields, its co-units) of the record an approved proposal becomes:
    what the unit enters on issue, the rest from the proposal."""
    if p.category == Category.DOCUMENT:
        text = p.draft_text or ""
        fields = {
            "title": p.title,
            "number": (number or "").strip(),
            "issued_on": _required_day(issued_on, "issued_on", _("发文日期")),
            "kind": p.document_kind,
            "addressed_levels": list(p.addressed_levels),
            "assigns_work": p.assigns_work,
            "characters": reading.length(text),
            "full_text": text,
        }
        return Document, fields, []
    if p.category == Category.MEETING:
        fields = {
            "title": p.title,
            "held_on": _required_day(held_on, "held_on", _("会议日期")),
            "level": p.meeting_level,
            "form": p.meeting_form,
            "attend_levels": list(p.attend_levels),
            "grassroots_required": p.grassroots_required,
            "grassroots_attendees": p.attendees_expected,
        }
        return Meeting, fields, []
    starts = _required_day(starts_on, "starts_on", _("开始日期"))
    ends = _required_day(ends_on, "ends_on", _("结束日期"))
    fields = {
        "title": p.title,
        "kind": p.inspection_kind,
        "method": p.method,
        "starts_on": starts,
        "ends_on": ends,
        "in_plan": p.plan_item_id is not None,
        "forms_demanded": p.forms_demanded,
    }
    return Inspection, fields, list(p.targets.all())


@transaction.atomic
def proposal_issue(*, by, proposal_id: int, **entered) -> Proposal:
    """The approved proposal went out: its registry record is created (by the registry's own
    service) from the proposal and what the unit entered; `record_id` names it."""
    p = _lock(by, proposal_id, SUBMIT)
    _status_is(p, (ProposalStatus.APPROVED,), _("登记印发（召开、开展）"))
    model, fields, co_units = record_fields(p, **entered)
    record = records.record_create(model, by=by, unit=p.unit, co_units=co_units, **fields)
    p.status = ProposalStatus.ISSUED
    p.record_id = record.pk
    p.issued_at = clock.now()
    p.save(update_fields=["status", "record_id", "issued_at", "updated_at"])
    audit.record(
        "jianfu.gate.proposal.issued",
        actor=by,
        obj=p,
        changes={"status": [ProposalStatus.APPROVED, p.status], "record_id": [None, record.pk]},
        extra={"unit": p.unit_id, "record": f"{model._meta.label_lower}:{record.pk}"},
    )
    return p


# --- Units under the gate -----------------------------------------------------------------------


@transaction.atomic
def enrolment_add(*, by, unit_ids, since: dt.date) -> list[Enrolment]:
    """Put units under the gate from `since` (a unit already under it gets the new day)."""
    s = scope.require(by, REVIEW)
    if since is None:
        raise DomainError("required", _("请填写纳入关口管理日期。"), field="since")
    ids = {int(i) for i in unit_ids or ()}
    if not ids:
        raise DomainError("required", _("请选择单位。"), field="units")
    units = list(Unit.objects.filter(s.units_q(), pk__in=ids).order_by("path"))
    if len(units) != len(ids):
        raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="units")
    added = []
    for unit in units:
        e, created = Enrolment.objects.update_or_create(
            unit=unit, defaults={"since": since, "enrolled_by": _actor(by)}
        )
        added.append(e)
        audit.record(
            "jianfu.gate.enrolment.added",
            actor=by,
            obj=e,
            changes={"since": [None, since.isoformat()]},
            extra={"unit": unit.pk},
        )
    return added


@transaction.atomic
def enrolment_remove(*, by, unit_id: int) -> None:
    s = scope.require(by, REVIEW)
    e = Enrolment.objects.filter(s.units_q("unit__"), unit_id=unit_id).first()
    if e is None:
        raise DomainError("not_found", _("该单位未纳入关口管理。"), status=404)
    since = e.since
    e.delete()
    audit.record(
        "jianfu.gate.enrolment.removed",
        actor=by,
        object_type="gate.enrolment",
        object_id=unit_id,
        changes={"since": [since.isoformat(), None]},
        extra={"unit": unit_id},
    )
