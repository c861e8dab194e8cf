"""Writes of typical cases. Each is one transaction ending with its audit entry; a refusal is a
DomainError with a Chinese sentence, and nothing is saved.

draft → redacted → approved → published, or withdrawn at any step:

- drafting pre-fills the body from the case's findings and outcomes, each person named by the
  unit and position ("甲县教育局副局长"), never by name;
- the redaction step is refused while the title or body holds a phone number, an 18-digit ID
  number or the name of a person of the case's outcomes, each occurrence named. The informant's
  identity is sealed in the clue and is never read here: the drafter never sees it, so it cannot
  be typed in from the platform;
- approval is by another commission account than the drafter's;
- publication addresses every unit with a contact (a notice, and a study row awaiting its record),
  the public page and/or the bulletin. An edit sends the case back to draft.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu import notify
from jianfu.core import audit, clock, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.core.permissions import Role

from ..handling.models import Case, CaseStatus, Outcome
from . import queries
from .models import Study, StudyFormat, TypicalCase, TypicalStatus
from .queries import APPROVE, MANAGE, STUDY

NOTICE_KIND = "accountability.typical_published"
TITLE_MAX = 200
BODY_MAX = 20000
NOTE_MAX = 200
REASON_MAX = 200

audit.describe(
    {
        "jianfu.accountability.typical.drafted": gettext_lazy("起草典型案例"),
        "jianfu.accountability.typical.edited": gettext_lazy("修改典型案例"),
        "jianfu.accountability.typical.redacted": gettext_lazy("典型案例通过脱敏检查"),
        "jianfu.accountability.typical.approved": gettext_lazy("审批典型案例"),
        "jianfu.accountability.typical.returned": gettext_lazy("退回典型案例修改"),
        "jianfu.accountability.typical.published": gettext_lazy("发布典型案例"),
        "jianfu.accountability.typical.withdrawn": gettext_lazy("撤回典型案例"),
        "jianfu.accountability.study.recorded": gettext_lazy("登记典型案例警示教育学习"),
    }
)


def _text(value, field: str, label, *, max_length: int, multiline: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": max_length, "m": len(value)},
            field=field,
        )
    if problem := inputs.text_problem(value, str(label), multiline=multiline):
        raise DomainError("bad_text", problem, field=field)
    return value


def _state(typical: TypicalCase, *allowed: str) -> None:
    if typical.status not in allowed:
        raise DomainError(
            "bad_state",
            _("典型案例“%(t)s”当前为“%(s)s”，不能进行此操作。")
            % {"t": typical.title, "s": typical.get_status_display()},
        )


def _move(typical: TypicalCase, frm: tuple[str, ...], **values) -> None:
    """A conditional update: two people acting at once, the second is refused."""
    if not TypicalCase.objects.filter(pk=typical.pk, status__in=frm).update(**values):
        raise DomainError("changed", _("该典型案例刚被他人处理，请刷新页面后再试。"))
    for k, v in values.items():
        setattr(typical, k, v)


def _refuse_leaks(typical: TypicalCase) -> None:
    found = queries.leaks_of(typical)
    if found:
        raise DomainError(
            "not_redacted",
            _("脱敏未通过，以下%(n)s处内容须删除或改为职务称谓：%(list)s")
            % {"n": len(found), "list": "；".join(f.sentence for f in found)},
        )


# --- Drafting -------------------------------------------------------------------------------------


def _who(outcome: Outcome, unit: Unit) -> str:
    if not outcome.person and not outcome.position:
        return _("%(u)s党组织") % {"u": unit.name}
    if outcome.position:
        return f"{unit.name}{outcome.position}"
    return _("%(u)s一名工作人员") % {"u": unit.name}


def prefill(case: Case) -> tuple[str, str]:
    """The title and body a draft starts from: the findings, then each outcome by position."""
    unit = case.unit
    outcomes = Outcome.objects.filter(case=case).order_by("decided_at", "pk")
    lines = [
        _("一、基本情况"),
        case.findings.strip() or _("（请填写核查认定的事实）"),
        "",
        _("二、处理情况"),
    ]
    for o in outcomes:
        lines.append(
            _("%(who)s受到%(kind)s。") % {"who": _who(o, unit), "kind": o.get_kind_display()}
        )
    if not outcomes:
        lines.append(_("（请填写处理情况）"))
    lines += [
        "",
        _("三、警示意义"),
        _("各级各部门要以案为鉴、以案促改，坚决纠治形式主义、官僚主义，切实为基层减负。"),
    ]
    return case.title, "\n".join(lines)


@transaction.atomic
def typical_draft(*, by, case: Case) -> TypicalCase:
    scope.require(by, MANAGE)
    if not scope.covers(by, case):
        raise DomainError("out_of_scope", _("该案件不在您的范围内。"))
    if case.status == CaseStatus.VERIFYING:
        raise DomainError(
            "case_open",
            _("案件“%(t)s”尚在核查中，作出处理后才能作为典型案例。") % {"t": case.title},
        )
    live = case.typical_cases.exclude(status=TypicalStatus.WITHDRAWN).first()
    if live is not None:
        raise DomainError(
            "exists",
            _("案件“%(c)s”已有典型案例“%(t)s”（%(s)s），请在原稿上修改。")
            % {"c": case.title, "t": live.title, "s": live.get_status_display()},
        )
    title, body = prefill(case)
    typical = TypicalCase.objects.create(
        case=case, title=title[:TITLE_MAX], body=body, drafted_by=by, drafted_at=clock.now()
    )
    audit.record("jianfu.accountability.typical.drafted", actor=by, obj=typical,
                 extra={"case": case.pk})  # fmt: skip
    return typical


@transaction.atomic
def typical_edit(*, by, typical: TypicalCase, title: str, body: str) -> TypicalCase:
    """Change the text. A case already through redaction goes back to draft: the changed text
    has to pass the check again."""
    scope.require(by, MANAGE)
    _state(typical, TypicalStatus.DRAFT, TypicalStatus.REDACTED)
    title = _text(title, "title", _("标题"), max_length=TITLE_MAX)
    body = _text(body, "body", _("正文"), max_length=BODY_MAX, multiline=True)
    _move(
        typical,
        (TypicalStatus.DRAFT, TypicalStatus.REDACTED),
        title=title,
        body=body,
        status=TypicalStatus.DRAFT,
        redacted_by=None,
        redacted_at=None,
    )
    audit.record("jianfu.accountability.typical.edited", actor=by, obj=typical)
    return typical


@transaction.atomic
def typical_redact(*, by, typical: TypicalCase) -> TypicalCase:
    """The redaction step: passes only when no phone number, ID number or known name remains."""
    scope.require(by, MANAGE)
    _state(typical, TypicalStatus.DRAFT)
    _refuse_leaks(typical)
    _move(
        typical,
        (TypicalStatus.DRAFT,),
        status=TypicalStatus.REDACTED,
        redacted_by=by,
        redacted_at=clock.now(),
    )
    audit.record("jianfu.accountability.typical.redacted", actor=by, obj=typical)
    return typical


# --- Approval and publication ---------------------------------------------------------------------


@transaction.atomic
def typical_approve(*, by, typical: TypicalCase) -> TypicalCase:
    scope.require(by, APPROVE)
    _state(typical, TypicalStatus.REDACTED)
    if typical.drafted_by_id == by.pk:
        raise DomainError(
            "self_approval",
            _("不能审批本人起草的典型案例，请由纪委监委的其他同志审批。"),
            status=403,
        )
    _refuse_leaks(typical)  # an outcome may have been added since the check
    _move(
        typical,
        (TypicalStatus.REDACTED,),
        status=TypicalStatus.APPROVED,
        approved_by=by,
        approved_at=clock.now(),
    )
    audit.record("jianfu.accountability.typical.approved", actor=by, obj=typical)
    return typical


@transaction.atomic
def typical_return(*, by, typical: TypicalCase, reason: str) -> TypicalCase:
    """The approver sends it back to draft, saying why."""
    scope.require(by, APPROVE)
    _state(typical, TypicalStatus.REDACTED, TypicalStatus.APPROVED)
    reason = _text(reason, "reason", _("退回原因"), max_length=REASON_MAX)
    _move(
        typical,
        (TypicalStatus.REDACTED, TypicalStatus.APPROVED),
        status=TypicalStatus.DRAFT,
        redacted_by=None,
        redacted_at=None,
        approved_by=None,
        approved_at=None,
    )
    audit.record("jianfu.accountability.typical.returned", actor=by, obj=typical,
                 extra={"reason": reason})  # fmt: skip
    return typical


def addressed_units() -> list[Unit]:
    """Every open unit with at least one active contact account: each is told and asked to
    record its study."""
    return list(
        Unit.objects.filter(
            valid_until__isnull=True,
            accounts__is_active=True,
            accounts__role_grants__role=Role.CONTACT,
        )
        .distinct()
        .order_by("path")
    )


@transaction.atomic
def typical_publish(
    *, by, typical: TypicalCase, to_units: bool, public: bool, bulletin: bool
) -> TypicalCase:
    scope.require(by, MANAGE)
    _state(typical, TypicalStatus.APPROVED)
    if not (to_units or public or bulletin):
        raise DomainError(
            "no_target",
            _("请至少选择一种发布方式：通报各单位、在公开页面曝光或纳入定期通报。"),
            field="targets",
        )
    _refuse_leaks(typical)
    now = clock.now()
    _move(
        typical,
        (TypicalStatus.APPROVED,),
        status=TypicalStatus.PUBLISHED,
        published_by=by,
        published_at=now,
        to_units=to_units,
        on_public_page=public,
        in_bulletin=bulletin,
    )
    units = addressed_units() if to_units else []
    if units:
        Study.objects.bulk_create(
            [Study(typical=typical, unit=u) for u in units], ignore_conflicts=True
        )
        link = reverse("typical_detail", args=[typical.pk])
        subject = _("典型案例通报：%(t)s") % {"t": typical.title}
        body = _("请组织本单位干部以案为鉴、开展警示教育，学习后在平台登记（一步完成）。")
        notify.send_many(
            NOTICE_KIND,
            [
                notify.item(
                    key=f"{NOTICE_KIND}:{typical.pk}:{u.pk}",
                    recipients=[u],
                    subject=subject,
                    body=body,
                    link=link,
                )
                for u in units
            ],
            by=by,
        )
    audit.record(
        "jianfu.accountability.typical.published",
        actor=by,
        obj=typical,
        extra={"to_units": to_units, "public": public, "bulletin": bulletin, "units": len(units)},
    )
    return typical


@transaction.atomic
def typical_withdraw(*, by, typical: TypicalCase, reason: str) -> TypicalCase:
    """Withdraw a case at any step: off the units' list, the public page and later bulletins."""
    scope.require(by, MANAGE)
    live = (
        TypicalStatus.DRAFT,
        TypicalStatus.REDACTED,
        TypicalStatus.APPROVED,
        TypicalStatus.PUBLISHED,
    )
    _state(typical, *live)
    reason = _text(reason, "reason", _("撤回原因"), max_length=REASON_MAX)
    _move(
        typical,
        live,
        status=TypicalStatus.WITHDRAWN,
        withdrawn_by=by,
        withdrawn_at=clock.now(),
        withdraw_reason=reason,
    )
    audit.record("jianfu.accountability.typical.withdrawn", actor=by, obj=typical,
                 extra={"reason": reason})  # fmt: skip
    return typical


# --- Warning education ----------------------------------------------------------------------------


def _study_day(value, typical: TypicalCase) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise DomainError(
                "bad_date",
                _("学习日期“%(v)s”无效，请按“年-月-日”填写。") % {"v": value or ""},
                field="studied_on",
            ) from None
    if day > clock.today():
        raise DomainError(
            "future", _("学习日期 %(d)s 晚于今天。") % {"d": day.isoformat()}, field="studied_on"
        )
    published_on = timezone.localdate(typical.published_at)
    if day < published_on:
        raise DomainError(
            "before_publication",
            _("学习日期 %(d)s 早于案例发布日期 %(p)s。")
            % {"d": day.isoformat(), "p": published_on.isoformat()},
            field="studied_on",
        )
    return day


@transaction.atomic
def study_record(*, by, typical: TypicalCase, studied_on, format: str, note: str = "") -> Study:
    """The account's unit records that it studied a published case. Once per unit and case: a
    second record changes nothing and returns the first."""
    scope.require(by, STUDY)
    _state(typical, TypicalStatus.PUBLISHED)
    if by.home_unit_id is None:
        raise DomainError("no_unit", _("您的账户没有所属单位，不能登记学习情况。"))
    existing = Study.objects.filter(typical=typical, unit_id=by.home_unit_id).first()
    if existing and existing.studied_on:
        return existing
    day = _study_day(studied_on, typical)
    if format not in StudyFormat.values:
        raise DomainError(
            "bad_format",
            _("学习形式“%(v)s”无效，只能是：%(all)s。")
            % {"v": format or "", "all": "、".join(str(c.label) for c in StudyFormat)},
            field="format",
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            "too_long",
            _("简要说明不能超过 %(n)s 个字（现为 %(m)s 个字）。") % {"n": NOTE_MAX, "m": len(note)},
            field="note",
        )
    if note and (problem := inputs.text_problem(note, _("简要说明"), multiline=True)):
        raise DomainError("bad_text", problem, field="note")
    study, _created = Study.objects.get_or_create(typical=typical, unit_id=by.home_unit_id)
    values = {
        "studied_on": day,
        "format": format,
        "note": note,
        "recorded_by": by,
        "recorded_at": clock.now(),
    }
    if not Study.objects.filter(pk=study.pk, studied_on__isnull=True).update(**values):
        study.refresh_from_db()  # recorded meanwhile by a colleague: theirs stands
        return study
    for k, v in values.items():
        setattr(study, k, v)
    audit.record("jianfu.accountability.study.recorded", actor=by, obj=study,
                 extra={"typical": typical.pk, "unit": by.home_unit_id})  # fmt: skip
    return study
