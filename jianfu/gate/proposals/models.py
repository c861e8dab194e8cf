"""Proposals through the gate (关口): what a unit proposes to issue, convene or start, reviewed
by the office before it goes out.

One model for the three categories, as the registries share one table of kinds: the fields of a
category are blank for the others. An approved proposal becomes the registry record when the unit
says it went out (the number and date of a document, the day of a meeting, the dates of an
inspection), without retyping; `record_id` then names that record in its category's registry.
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager
from jianfu.registry.models import (
    MAX_ATTENDEES,
    MAX_FORMS,
    Category,
    Document,
    DocumentKind,
    InspectionKind,
    InspectionMethod,
    Level,
    MeetingForm,
    MeetingLevel,
)

from ..plans.models import PlanItem

__all__ = ["Enrolment", "Proposal", "ProposalFile", "ProposalStatus"]

MAX_MINUTES = 24 * 60
LEVELS = dict(Level.choices)


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("草拟中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已同意")
    ISSUED = "issued", _("已印发（召开、开展）")
    WITHDRAWN = "withdrawn", _("已撤回")


class Proposal(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("标题"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    # In the plan, or a case-by-case request (一事一报) with its reason.
    plan_item = models.ForeignKey(
        PlanItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("对应年度计划事项"),
    )
    out_of_plan_reason = models.TextField(_("计划外事由（一事一报）"), blank=True)

    # A document: its draft, what it implements, whom it reaches.
    document_kind = models.CharField(
        _("文件类型"), max_length=20, choices=DocumentKind.choices, blank=True
    )
    special_task = models.BooleanField(_("专项任务文件"), default=False)
    draft_text = models.TextField(_("文稿正文"), blank=True)
    implements = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("贯彻落实的文件"),
    )
    implements_title = models.CharField(_("贯彻落实的上级文件"), max_length=300, blank=True)
    implements_text = models.TextField(_("上级文件正文"), blank=True)
    addressed_levels = models.JSONField(_("发至层级"), default=list)
    reaches_grassroots = models.BooleanField(_("发至基层"), default=False)
    assigns_work = models.BooleanField(_("向基层布置工作"), default=False)

    # A meeting: level, length, who must attend, merged or by video.
    meeting_level = models.CharField(
        _("会议层级"), max_length=20, choices=MeetingLevel.choices, blank=True
    )
    meeting_form = models.CharField(
        _("会议形式"), max_length=20, choices=MeetingForm.choices, blank=True
    )
    planned_on = models.DateField(_("拟召开日期"), null=True, blank=True)
    length_minutes = models.PositiveIntegerField(
        _("会议时长（分钟）"), null=True, blank=True, validators=[MaxValueValidator(MAX_MINUTES)]
    )
    attend_levels = models.JSONField(_("参会层级"), default=list)
    grassroots_required = models.BooleanField(_("要求基层参会"), default=False)
    attendees_expected = models.PositiveIntegerField(
        _("基层参会人数"), default=0, validators=[MaxValueValidator(MAX_ATTENDEES)]
    )
    merge_note = models.TextField(_("能否合并召开或视频召开的说明"), blank=True)

    # An inspection: method, targets, materials demanded.
    inspection_kind = models.CharField(
        _("督查检查考核类别"), max_length=20, choices=InspectionKind.choices, blank=True
    )
    method = models.CharField(
        _("方式"), max_length=20, choices=InspectionMethod.choices, blank=True
    )
    targets = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("检查对象"))
    starts_on = models.DateField(_("拟开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("拟结束日期"), null=True, blank=True)
    materials_demanded = models.TextField(_("要求提供的材料"), blank=True)
    forms_demanded = models.PositiveIntegerField(
        _("要求报送表格材料数"), default=0, validators=[MaxValueValidator(MAX_FORMS)]
    )

    # The review.
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reasons = models.TextField(_("退回理由"), blank=True)
    # What it became: the registry record of its category, once issued.
    record_id = models.PositiveIntegerField(_("登记记录"), null=True, blank=True)
    issued_at = models.DateTimeField(_("印发（召开、开展）登记时间"), null=True, blank=True)

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("审核申请")
        verbose_name_plural = _("审核申请")
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="gate_proposal_status"),
            models.Index(fields=["unit", "category"], name="gate_proposal_unit_cat"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def addressed_labels(self) -> list[str]:
        return [str(LEVELS.get(v, v)) for v in self.addressed_levels or []]

    @property
    def attend_labels(self) -> list[str]:
        return [str(LEVELS.get(v, v)) for v in self.attend_levels or []]


class ProposalFile(models.Model):
    """A draft attached as a file (docx or pdf): kept as sent, its text read into the proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    relpath = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = models.Manager()
    scoped = ScopedManager("proposal__unit")


class Enrolment(models.Model):
    """A unit under the gate (纳入关口管理) from a day on: its documents, meetings and inspections
    dated from `since` need an approved proposal behind them. Rows, not a setting by level, because
    the office brings units in one by one (a pilot county first) and from a date of its choosing;
    ending it deletes the row (the audit keeps the history)."""

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    since = models.DateField(_("纳入关口管理日期"))
    enrolled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("纳入关口管理的单位")
        verbose_name_plural = _("纳入关口管理的单位")

    def __str__(self) -> str:
        return f"{self.unit} {self.since}"
