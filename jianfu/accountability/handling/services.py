"""Writes of the commission's handling. Each is one transaction and ends with its audit entry; a
refusal is a DomainError with a Chinese sentence, and nothing is saved.

- `disposition_propose`: a commission account proposes one of the dispositions of a clue (the
  first clue of its cluster: the cluster is handled once);
- `disposition_approve` / `disposition_reject`: ANOTHER commission account decides it (the
  proposer may not approve their own proposal). Approval applies it to the whole cluster:
  inquiry / verification → handling; held → handling (暂存待查); closed → closed (the result
  clock starts); case → a case opens; passed on → passed on;
- `letter_sent` / `letter_answered`: the dates of a letter of inquiry (函询);
- `informant_told_accepted` / `informant_told_result`: when a real-name informant was told
  (outside the platform or by the public page's query code) — no identity is read for it;
- `case_open` (after a preliminary verification, or by a "case" disposition), `case_findings`,
  `outcome_add`, `outcome_carried_out`, `case_conclude`, `case_close`;
- `case_problems_open` (sources.py): problems on the unit's list, which run through rectification.

The clue's status is changed through the clue ledger's own service
(`clues.services.clue_set_status`), which moves the whole cluster and audits the step.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, scope
from jianfu.core.errors import DomainError

from ..clues import services as clues
from ..clues.models import Clue, ClueStatus
from .models import (
    Case,
    CaseStatus,
    ClosedReason,
    ClueTrack,
    Disposition,
    DispositionKind,
    DispositionStatus,
    InquiryMode,
    Outcome,
    OutcomeKind,
)

VIEW = "accountability.case:view"
MANAGE = "accountability.case:manage"
APPROVE = "accountability.case:approve"
STATS = "accountability.case:stats"

audit.describe(
    {
        "jianfu.accountability.disposition.proposed": gettext_lazy("提出线索处置意见"),
        "jianfu.accountability.disposition.approved": gettext_lazy("批准线索处置意见"),
        "jianfu.accountability.disposition.rejected": gettext_lazy("不批准线索处置意见"),
        "jianfu.accountability.letter.sent": gettext_lazy("登记函询发出"),
        "jianfu.accountability.letter.answered": gettext_lazy("登记函询回复"),
        "jianfu.accountability.informant.told_accepted": gettext_lazy("登记已告知举报人受理情况"),
        "jianfu.accountability.informant.told_result": gettext_lazy("登记已告知举报人处理结果"),
        "jianfu.accountability.case.opened": gettext_lazy("立案审查（核查）"),
        "jianfu.accountability.case.findings": gettext_lazy("登记核查认定的事实"),
        "jianfu.accountability.outcome.added": gettext_lazy("登记处理结果"),
        "jianfu.accountability.outcome.carried_out": gettext_lazy("登记组织调整执行"),
        "jianfu.accountability.case.concluded": gettext_lazy("案件作出处理"),
        "jianfu.accountability.case.closed": gettext_lazy("案件结案"),
    }
)

PERSON_KINDS = (
    OutcomeKind.NONE,
    OutcomeKind.TALK,
    OutcomeKind.CRITICISM,
    OutcomeKind.ADMONISHMENT,
    OutcomeKind.NOTICE,
    OutcomeKind.ADJUSTMENT,
    OutcomeKind.SANCTION,
)
ORG_KINDS = (
    OutcomeKind.NONE,
    OutcomeKind.ORG_REVIEW,
    OutcomeKind.ORG_NOTICE,
    OutcomeKind.ORG_REORGANISE,
)
# Dispositions waiting for handling to go on, and the clue statuses they leave.
AFTER = {
    DispositionKind.INQUIRY: ClueStatus.HANDLING,
    DispositionKind.VERIFICATION: ClueStatus.HANDLING,
    DispositionKind.HELD: ClueStatus.HANDLING,
    DispositionKind.CLOSED: ClueStatus.CLOSED,
    DispositionKind.CASE: ClueStatus.HANDLING,
    DispositionKind.PASSED_ON: ClueStatus.PASSED_ON,
}


def _changed() -> None:
    events.data_changed("accountability")


def _lock_clue(by, clue_id, perm: str) -> Clue:
    clue = scope.get_for(
        Clue.objects.select_for_update(), by, clue_id, perm=perm, unit_field="subject_unit"
    )
    return clue


def cluster_of(clue: Clue) -> list[int]:
    """The ids of a cluster's clues (its first clue and the near-duplicates joined to it)."""
    first = clue.cluster_id or clue.pk
    return list(
        Clue.objects.filter(pk=first)
        .values_list("pk", flat=True)
        .union(Clue.objects.filter(cluster_id=first).values_list("pk", flat=True))
    )


def _clue_status_set(by, clue: Clue, status: str) -> None:
    """The clue ledger's status, through the ledger's own service (it moves the whole cluster and
    audits the step)."""
    clues.clue_set_status(by=by, clue_id=clue.pk, status=status)


def _track(clue_id: int) -> ClueTrack:
    track, _created = ClueTrack.objects.select_for_update().get_or_create(clue_id=clue_id)
    return track


def _conclude_clues(clue_ids, at) -> None:
    for pk in clue_ids:
        ClueTrack.objects.get_or_create(clue_id=pk)
    ClueTrack.objects.filter(clue_id__in=clue_ids, concluded_at__isnull=True).update(
        concluded_at=at
    )


@transaction.atomic
def disposition_propose(
    *,
    by,
    clue_id: int,
    kind: str,
    reason: str,
    inquiry_mode: str = "",
    closed_reason: str = "",
    passed_to: str = "",
) -> Disposition:
    clue = _lock_clue(by, clue_id, MANAGE)
    if clue.cluster_id:
        raise DomainError(
            "not_first",
            _("该线索已并入线索 #%(n)s，请在并案的首条线索上提出处置意见。")
            % {"n": clue.cluster_id},
            status=409,
        )
    if clue.status in (ClueStatus.CLOSED, ClueStatus.PASSED_ON):
        raise DomainError(
            "finished",
            _("线索 #%(n)s 已%(s)s，不能再提出处置意见。")
            % {"n": clue.pk, "s": clue.get_status_display()},
            status=409,
        )
    if clue.dispositions.filter(status=DispositionStatus.PROPOSED).exists():
        raise DomainError(
            "pending", _("线索 #%(n)s 已有待审批的处置意见。") % {"n": clue.pk}, status=409
        )
    if kind not in DispositionKind.values:
        raise DomainError("kind", _("处置方式“%(v)s”不存在。") % {"v": kind}, field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason", _("请填写处置理由。"), field="reason")
    if kind == DispositionKind.INQUIRY and inquiry_mode not in InquiryMode.values:
        raise DomainError("mode", _("谈话函询须选择“谈话”或“函询”。"), field="inquiry_mode")
    if kind == DispositionKind.CLOSED and closed_reason not in ClosedReason.values:
        raise DomainError(
            "closed_reason", _("予以了结须选择“反映不实”或“无法查证”。"), field="closed_reason"
        )
    passed_to = (passed_to or "").strip()
    if kind == DispositionKind.PASSED_ON and not passed_to:
        raise DomainError("passed_to", _("移送其他层级须填写移送机关。"), field="passed_to")
    disposition = Disposition.objects.create(
        clue=clue,
        kind=kind,
        inquiry_mode=inquiry_mode if kind == DispositionKind.INQUIRY else "",
        closed_reason=closed_reason if kind == DispositionKind.CLOSED else "",
        passed_to=passed_to if kind == DispositionKind.PASSED_ON else "",
        reason=reason,
        proposed_by=by,
        proposed_at=clock.now(),
    )
    _clue_status_set(by, clue, ClueStatus.DISPOSING)
    audit.record(
        "jianfu.accountability.disposition.proposed",
        actor=by,
        obj=disposition,
        extra={"clue": clue.pk, "kind": kind},
    )
    _changed()
    return disposition


def _lock_disposition(by, disposition_id, perm: str) -> Disposition:
    disposition = scope.get_for(
        Disposition.objects.select_for_update().select_related("clue"),
        by,
        disposition_id,
        perm=perm,
        unit_field="clue__subject_unit",
    )
    if disposition.status != DispositionStatus.PROPOSED:
        raise DomainError(
            "decided",
            _("该处置意见已%(s)s，不能再审批。") % {"s": disposition.get_status_display()},
            status=409,
        )
    if disposition.proposed_by_id == by.pk:
        raise DomainError(
            "self_approval",
            _("不能审批本人提出的处置意见，须由纪委监委另一名工作人员审批。"),
            status=403,
        )
    return disposition


@transaction.atomic
def disposition_approve(*, by, disposition_id: int, note: str = "") -> Disposition:
    d = _lock_disposition(by, disposition_id, APPROVE)
    now = clock.now()
    d.status, d.decided_by, d.decided_at, d.decision_note = (
        DispositionStatus.APPROVED,
        by,
        now,
        (note or "").strip(),
    )
    d.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    ids = cluster_of(d.clue)
    _clue_status_set(by, d.clue, AFTER[d.kind])
    if d.kind in (DispositionKind.CLOSED, DispositionKind.PASSED_ON):
        _conclude_clues(ids, now)
    case = None
    if d.kind == DispositionKind.CASE:
        case = _case_create(by, d.clue, now)
    audit.record(
        "jianfu.accountability.disposition.approved",
        actor=by,
        obj=d,
        extra={"clue": d.clue_id, "kind": d.kind, "cluster": ids, "case": case and case.pk},
    )
    _changed()
    return d


@transaction.atomic
def disposition_reject(*, by, disposition_id: int, note: str) -> Disposition:
    d = _lock_disposition(by, disposition_id, APPROVE)
    note = (note or "").strip()
    if not note:
        raise DomainError("note", _("不批准时请填写审批意见。"), field="note")
    d.status, d.decided_by, d.decided_at, d.decision_note = (
        DispositionStatus.REJECTED,
        by,
        clock.now(),
        note,
    )
    d.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    # Back to where it was before the proposal: received, or handling after an earlier one.
    earlier = d.clue.dispositions.filter(status=DispositionStatus.APPROVED).exists()
    _clue_status_set(by, d.clue, ClueStatus.HANDLING if earlier else ClueStatus.RECEIVED)
    audit.record(
        "jianfu.accountability.disposition.rejected", actor=by, obj=d, extra={"clue": d.clue_id}
    )
    _changed()
    return d


def _letter(by, disposition_id) -> Disposition:
    d = scope.get_for(
        Disposition.objects.select_for_update(),
        by,
        disposition_id,
        perm=MANAGE,
        unit_field="clue__subject_unit",
    )
    if not (
        d.kind == DispositionKind.INQUIRY
        and d.inquiry_mode == InquiryMode.LETTER
        and d.status == DispositionStatus.APPROVED
    ):
        raise DomainError("not_letter", _("只有已批准的函询才能登记发函和回复。"), status=409)
    return d


def _moment(at):
    return at or clock.now()


@transaction.atomic
def letter_sent(*, by, disposition_id: int, at=None) -> Disposition:
    d = _letter(by, disposition_id)
    if d.sent_at:
        raise DomainError("sent", _("该函询已登记发出。"), status=409)
    d.sent_at = _moment(at)
    d.save(update_fields=["sent_at"])
    audit.record("jianfu.accountability.letter.sent", actor=by, obj=d)
    _changed()
    return d


@transaction.atomic
def letter_answered(*, by, disposition_id: int, at=None) -> Disposition:
    d = _letter(by, disposition_id)
    if not d.sent_at:
        raise DomainError("not_sent", _("该函询尚未登记发出，不能登记回复。"), status=409)
    if d.answered_at:
        raise DomainError("answered", _("该函询已登记回复。"), status=409)
    answered = _moment(at)
    if answered < d.sent_at:
        raise DomainError("before", _("回复时间不能早于发函时间。"), field="at")
    d.answered_at = answered
    d.save(update_fields=["answered_at"])
    audit.record("jianfu.accountability.letter.answered", actor=by, obj=d)
    _changed()
    return d


@transaction.atomic
def informant_told_accepted(*, by, clue_id: int, at=None) -> ClueTrack:
    clue = _lock_clue(by, clue_id, MANAGE)
    if not clue.real_name:
        raise DomainError("anonymous", _("匿名举报无需告知受理情况。"), status=409)
    track = _track(clue.pk)
    if track.told_accepted_at:
        raise DomainError("told", _("已登记告知受理情况。"), status=409)
    track.told_accepted_at = _moment(at)
    track.save(update_fields=["told_accepted_at"])
    audit.record("jianfu.accountability.informant.told_accepted", actor=by, obj=clue)
    _changed()
    return track


@transaction.atomic
def informant_told_result(*, by, clue_id: int, at=None) -> ClueTrack:
    clue = _lock_clue(by, clue_id, MANAGE)
    if not clue.real_name:
        raise DomainError("anonymous", _("匿名举报无需告知处理结果。"), status=409)
    track = _track(clue.pk)
    if not track.concluded_at:
        raise DomainError("not_concluded", _("线索尚未办结，不能登记告知处理结果。"), status=409)
    if track.told_result_at:
        raise DomainError("told", _("已登记告知处理结果。"), status=409)
    track.told_result_at = _moment(at)
    track.save(update_fields=["told_result_at"])
    audit.record("jianfu.accountability.informant.told_result", actor=by, obj=clue)
    _changed()
    return track


# --- Cases ------------------------------------------------------------------------------------


def _case_create(by, clue: Clue, now) -> Case:
    first = Clue.objects.get(pk=clue.cluster_id or clue.pk)
    title = _("关于%(unit)s的%(cat)s问题") % {
        "unit": first.subject_unit.name,
        "cat": first.get_category_display().split("：")[0],
    }
    case = Case.objects.create(
        clue=first, unit=first.subject_unit, title=title[:200], opened_at=now, opened_by=by
    )
    audit.record("jianfu.accountability.case.opened", actor=by, obj=case, extra={"clue": first.pk})
    return case


@transaction.atomic
def case_open(*, by, clue_id: int) -> Case:
    """A case after a preliminary verification found something (a "case" disposition opens its
    case on approval)."""
    clue = _lock_clue(by, clue_id, MANAGE)
    if not clue.dispositions.filter(
        kind=DispositionKind.VERIFICATION, status=DispositionStatus.APPROVED
    ).exists():
        raise DomainError(
            "no_verification",
            _("线索 #%(n)s 未经批准初步核实，请先提出“转立案审查”的处置意见。") % {"n": clue.pk},
            status=409,
        )
    if clue.cases.exists():
        raise DomainError("has_case", _("线索 #%(n)s 已立案。") % {"n": clue.pk}, status=409)
    case = _case_create(by, clue, clock.now())
    _changed()
    return case


def lock_case(by, case_id, perm: str = MANAGE) -> Case:
    return scope.get_for(Case.objects.select_for_update(), by, case_id, perm=perm)


def _open_case(by, case_id) -> Case:
    case = lock_case(by, case_id)
    if case.status == CaseStatus.CLOSED:
        raise DomainError("closed", _("案件已结案，不能再修改。"), status=409)
    return case


@transaction.atomic
def case_findings(*, by, case_id: int, findings: str) -> Case:
    case = _open_case(by, case_id)
    findings = (findings or "").strip()
    if not findings:
        raise DomainError("findings", _("请填写核查认定的事实。"), field="findings")
    case.findings = findings
    case.save(update_fields=["findings", "updated_at"])
    audit.record("jianfu.accountability.case.findings", actor=by, obj=case)
    _changed()
    return case


@transaction.atomic
def outcome_add(
    *, by, case_id: int, kind: str, person: str = "", position: str = "", note: str = ""
) -> Outcome:
    case = _open_case(by, case_id)
    person, position = (person or "").strip(), (position or "").strip()
    unit_itself = not person and not position
    allowed = ORG_KINDS if unit_itself else PERSON_KINDS
    if kind not in [k.value for k in allowed]:
        label = dict(OutcomeKind.choices).get(kind, kind)
        if unit_itself:
            message = _("对党组织（单位本身）不能作出“%(v)s”，可选：不予处理、检查、通报、改组。")
        else:
            message = _("对个人（%(p)s）不能作出“%(v)s”。")
        raise DomainError("kind", message % {"v": label, "p": person or position}, field="kind")
    if person and not position:
        raise DomainError("position", _("请填写“%(p)s”的职务。") % {"p": person}, field="position")
    outcome = Outcome.objects.create(
        case=case,
        person=person[:50],
        position=position[:100],
        kind=kind,
        decided_at=clock.now(),
        note=(note or "").strip(),
    )
    audit.record(
        "jianfu.accountability.outcome.added",
        actor=by,
        obj=outcome,
        extra={"case": case.pk, "kind": kind},
    )
    _changed()
    return outcome


@transaction.atomic
def outcome_carried_out(*, by, outcome_id: int, at=None) -> Outcome:
    outcome = scope.get_for(
        Outcome.objects.select_for_update(), by, outcome_id, perm=MANAGE, unit_field="case__unit"
    )
    if outcome.kind != OutcomeKind.ADJUSTMENT:
        raise DomainError("not_adjustment", _("只有组织调整需要登记执行时间。"), status=409)
    if outcome.carried_out_at:
        raise DomainError("done", _("该组织调整已登记执行。"), status=409)
    outcome.carried_out_at = _moment(at)
    outcome.save(update_fields=["carried_out_at"])
    audit.record("jianfu.accountability.outcome.carried_out", actor=by, obj=outcome)
    _changed()
    return outcome


@transaction.atomic
def case_conclude(*, by, case_id: int) -> Case:
    case = _open_case(by, case_id)
    if case.status != CaseStatus.VERIFYING:
        raise DomainError("concluded", _("案件已作出处理。"), status=409)
    if not case.findings:
        raise DomainError("findings", _("请先登记核查认定的事实。"), field="findings")
    if not case.outcomes.exists():
        raise DomainError("outcomes", _("请先登记每名涉及人员或单位的处理结果。"), field="kind")
    case.status, case.concluded_at = CaseStatus.CONCLUDED, clock.now()
    case.save(update_fields=["status", "concluded_at", "updated_at"])
    audit.record("jianfu.accountability.case.concluded", actor=by, obj=case)
    _changed()
    return case


@transaction.atomic
def case_close(*, by, case_id: int) -> Case:
    case = _open_case(by, case_id)
    if case.status != CaseStatus.CONCLUDED:
        raise DomainError("not_concluded", _("案件尚未作出处理，不能结案。"), status=409)
    now = clock.now()
    case.status, case.closed_at = CaseStatus.CLOSED, now
    case.save(update_fields=["status", "closed_at", "updated_at"])
    ids = cluster_of(case.clue)
    _clue_status_set(by, case.clue, ClueStatus.CLOSED)
    _conclude_clues(ids, now)
    audit.record("jianfu.accountability.case.closed", actor=by, obj=case)
    _changed()
    return case
