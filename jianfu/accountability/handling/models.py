"""The commission's handling (处置) of clues and its cases (审查调查与处理): the dispositions with
their approval step and statutory clocks, and the cases with an outcome for each person and unit
concerned.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

from ..clues.models import Clue

__all__ = [
    "Case",
    "CaseProblem",
    "CaseStatus",
    "ClosedReason",
    "ClueTrack",
    "Disposition",
    "DispositionKind",
    "DispositionStatus",
    "InquiryMode",
    "Outcome",
    "OutcomeKind",
]


class DispositionKind(models.TextChoices):
    INQUIRY = "inquiry", _("谈话函询")
    VERIFICATION = "verification", _("初步核实")
    HELD = "held", _("暂存待查")
    CLOSED = "closed", _("予以了结")
    CASE = "case", _("转立案审查")
    PASSED_ON = "passed_on", _("移送其他层级")


class InquiryMode(models.TextChoices):
    TALK = "talk", _("谈话")
    LETTER = "letter", _("函询")


class ClosedReason(models.TextChoices):
    UNTRUE = "untrue", _("反映不实")
    UNVERIFIABLE = "unverifiable", _("无法查证")


class DispositionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Disposition(models.Model):
    """The commission's disposition of a clue (of its cluster, when it is the cluster's first
    clue): proposed by one commission account, approved or rejected by another."""

    clue = models.ForeignKey(
        Clue, on_delete=models.PROTECT, related_name="dispositions", verbose_name=_("线索")
    )
    kind = models.CharField(_("处置方式"), max_length=20, choices=DispositionKind.choices)
    inquiry_mode = models.CharField(
        _("谈话或函询"), max_length=10, choices=InquiryMode.choices, blank=True
    )
    closed_reason = models.CharField(
        _("了结理由"), max_length=20, choices=ClosedReason.choices, blank=True
    )
    passed_to = models.CharField(_("移送机关"), max_length=100, blank=True)
    reason = models.TextField(_("处置理由"))
    status = models.CharField(
        _("审批状态"),
        max_length=10,
        choices=DispositionStatus.choices,
        default=DispositionStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    # A letter of inquiry (函询): sent, then answered within 15 working days (a clock).
    sent_at = models.DateTimeField(_("函询发出时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("函询回复时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("clue__subject_unit")

    class Meta:
        verbose_name = _("线索处置")
        verbose_name_plural = _("线索处置")
        indexes = [models.Index(fields=["status", "proposed_at"], name="acc_disp_status")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def label(self) -> str:
        text = str(self.get_kind_display())
        if self.inquiry_mode:
            text += f"（{self.get_inquiry_mode_display()}）"
        if self.closed_reason:
            text += f"（{self.get_closed_reason_display()}）"
        if self.passed_to:
            text += f"（{self.passed_to}）"
        return text


class ClueTrack(models.Model):
    """The commission's dates on one clue that its statutory clocks read: when the clue's
    handling ended (the result clock starts), and when a real-name informant was told of the
    acceptance and of the result (the telling itself happens outside the platform)."""

    clue = models.OneToOneField(Clue, on_delete=models.CASCADE, related_name="track")
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    told_accepted_at = models.DateTimeField(_("告知受理时间"), null=True, blank=True)
    told_result_at = models.DateTimeField(_("告知处理结果时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("clue__subject_unit")


class CaseStatus(models.TextChoices):
    VERIFYING = "verifying", _("核查中")
    CONCLUDED = "concluded", _("已作出处理")
    CLOSED = "closed", _("已结案")


class Case(models.Model):
    """A case opened from a clue (its cluster's first clue): verification with findings, then an
    outcome for each person and unit concerned."""

    clue = models.ForeignKey(
        Clue, on_delete=models.PROTECT, related_name="cases", verbose_name=_("线索")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("涉及单位")
    )
    title = models.CharField(_("案件名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.VERIFYING
    )
    opened_at = models.DateTimeField(_("立案（核查）时间"))
    findings = models.TextField(_("核查认定的事实"), blank=True)
    concluded_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")

    def __str__(self) -> str:
        return self.title


class OutcomeKind(models.TextChoices):
    NONE = "none", _("了结，不予处理")
    TALK = "talk", _("谈话提醒")
    CRITICISM = "criticism", _("批评教育")
    ADMONISHMENT = "admonishment", _("诫勉")
    NOTICE = "notice", _("通报批评")
    ADJUSTMENT = "adjustment", _("组织调整或组织处理")
    SANCTION = "sanction", _("纪律处分")
    # For a party organisation.
    ORG_REVIEW = "org_review", _("责令作出书面检查")
    ORG_NOTICE = "org_notice", _("通报（党组织）")
    ORG_REORGANISE = "org_reorganise", _("改组")


class Outcome(models.Model):
    """What the case decided for one person (by name and position) or for the unit itself."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    person = models.CharField(_("姓名"), max_length=50, blank=True)  # blank: the unit itself
    position = models.CharField(_("职务"), max_length=100, blank=True)
    kind = models.CharField(_("处理方式"), max_length=20, choices=OutcomeKind.choices)
    decided_at = models.DateTimeField(_("决定时间"))
    # An organisational adjustment must be carried out within a month (a clock).
    carried_out_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = models.Manager()
    scoped = ScopedManager("case__unit")

    class Meta:
        verbose_name = _("处理结果")
        verbose_name_plural = _("处理结果")


class CaseProblem(models.Model):
    """A problem a case put on its unit's problem list (rectification): the source record, one
    per problem."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="problems")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("问题描述"))
    created_at = models.DateTimeField()

    objects = models.Manager()
    scoped = ScopedManager("case__unit")
