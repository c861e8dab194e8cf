"""Annual plans (年度计划) and their filing (备案): each unit's documents, meetings and inspections
for the year, filed with the office before the year's work goes out, and the monthly changes to
them.

A plan's items are counts for documents (by kind) and meetings (by kind and level), and one row per
inspection (title, kind, targets, months). The office files (approves) the plan; the filed totals
become the unit's quotas unless the office has set others. Changes are asked for a coming month
and decided by the office; an item outside the plan goes through the gate as a case-by-case
request (一事一报) on its proposal.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager
from jianfu.registry.models import (
    Category,
    DocumentKind,
    InspectionKind,
    MeetingLevel,
)

__all__ = [
    "AnnualPlan",
    "ChangeAction",
    "ChangeStatus",
    "MeetingKind",
    "PlanChange",
    "PlanItem",
    "PlanStatus",
]

MAX_COUNT = 10_000


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    SUBMITTED = "submitted", _("已报备待审")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回修改")


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", _("全体会议")
    WORK = "work", _("工作会议（部署、推进、总结）")
    SPECIAL = "special", _("专题会议")
    TRAINING = "training", _("培训会议")
    COMMENDATION = "commendation", _("表彰会议")
    OTHER = "other", _("其他会议")


class AnnualPlan(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    note = models.TextField(_("编制说明"), blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    # The quotas filing this plan applied, {category: limit}. A quota of the unit's year that is
    # missing here, or whose limit differs from what is here, was set by the office by hand and
    # is kept (services._apply_quotas): the plan never overwrites the office's own figure.
    applied_quotas = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="gate_plan_unit_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class PlanItem(models.Model):
    """One line of a plan. For documents and meetings `count` is how many of that kind (and level)
    the unit plans; an inspection is one row of its own (count 1) with its targets and months."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("名称"), max_length=300, blank=True)
    count = models.PositiveIntegerField(
        _("数量"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_COUNT)]
    )
    document_kind = models.CharField(
        _("文件类型"), max_length=20, choices=DocumentKind.choices, blank=True
    )
    meeting_kind = models.CharField(
        _("会议类型"), max_length=20, choices=MeetingKind.choices, blank=True
    )
    meeting_level = models.CharField(
        _("会议层级"), max_length=20, choices=MeetingLevel.choices, blank=True
    )
    inspection_kind = models.CharField(
        _("督查检查考核类别"), max_length=20, choices=InspectionKind.choices, blank=True
    )
    targets = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("检查对象"))
    months = models.JSONField(_("计划月份"), default=list)  # [3, 4] for March and April
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # Set when a change request added it, and when one dropped it (the month it no longer runs).
    added_by_change = models.ForeignKey(
        "PlanChange", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dropped = models.BooleanField(_("已取消"), default=False)

    objects = models.Manager()
    scoped = ScopedManager("plan__unit")

    class Meta:
        verbose_name = _("计划事项")
        verbose_name_plural = _("计划事项")
        indexes = [models.Index(fields=["plan", "category"], name="gate_planitem_plan_cat")]

    def __str__(self) -> str:
        return self.title or self.get_category_display()


class ChangeAction(models.TextChoices):
    ADD = "add", _("增加")
    MOVE = "move", _("调整月份")
    DROP = "drop", _("取消")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    RETURNED = "returned", _("已退回")


class PlanChange(models.Model):
    """A monthly change request to a filed plan: add an item, move one to other months, or drop
    one. `month` is the first day of the month it takes effect (never a past month)."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="changes")
    month = models.DateField(_("调整月份"))
    action = models.CharField(_("调整方式"), max_length=10, choices=ChangeAction.choices)
    item = models.ForeignKey(
        PlanItem, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    # For ADD, the new item's fields; for MOVE, {"months": [...]}.
    payload = models.JSONField(_("调整内容"), default=dict)
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    objects = models.Manager()
    scoped = ScopedManager("plan__unit")

    class Meta:
        verbose_name = _("计划调整申请")
        verbose_name_plural = _("计划调整申请")
