"""Supervision tasks (督办事项): one notice per item (一事一单), a lead unit and co-units, signing,
plans, feedback, extensions and closing out, on working-day clocks with colours, reminders and
scores.

An item is issued by a unit (the office) to its assignments: one lead unit (主办) and any number
of co-units (协办), each with its weight in the item's progress (data: lead 0.7, the co-units
sharing 0.3 by default). Each assignment signs (签收), files a plan, and reports feedback at each
due date of the item's feedback rule; the office accepts or returns feedback, approves or rejects
extensions (every request kept and counted), and closes (销号) or returns the item once the lead
unit submits it as done (办结). Every step is an Event in the item's history.

Scope: an item is seen by the units of its assignments (and their parents' subtrees) and by the
issuing unit's subtree (`Item.scoped`, a subquery, so an item both lead and co-units of a scope
share is listed once).
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager, current

__all__ = [
    "Assignment",
    "AssignmentRole",
    "Event",
    "EventKind",
    "Extension",
    "ExtensionStatus",
    "Feedback",
    "FeedbackRule",
    "FeedbackStatus",
    "Item",
    "ItemFile",
    "ItemSource",
    "ItemStatus",
    "Reminder",
    "ReminderKind",
]


class ItemSource(models.TextChoices):
    INSTRUCTION = "instruction", _("领导批示")
    MEETING = "meeting", _("会议决定")
    ANNUAL = "annual", _("年度重点任务")
    FINDING = "finding", _("通报或预警发现")


class FeedbackRule(models.TextChoices):
    WEEKLY = "weekly", _("每周反馈")
    MONTHLY = "monthly", _("每月反馈")
    MILESTONES = "milestones", _("按节点反馈")
    ONCE = "once", _("一次性反馈")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已交办")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("待销号")
    CLOSED = "closed", _("已销号")
    RETURNED = "returned", _("已退回重办")


# Items whose clock runs: issued and not yet closed.
OPEN_STATUSES = (
    ItemStatus.ISSUED,
    ItemStatus.SIGNED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.SUBMITTED,
    ItemStatus.RETURNED,
)


class _ItemScopedManager(ScopedManager):
    """Items the active scope's units issued or carry (as lead or co-unit): a subquery on the
    assignments, so an item is listed once however many of its units the scope covers."""

    def __init__(self):
        super().__init__("issuer")

    def get_queryset(self):
        qs = models.Manager.get_queryset(self)
        scope = current_scope(self.model.__name__)
        if scope is None:
            return qs
        carried = Assignment.objects.filter(scope.units_q("unit__"), item=OuterRef("pk"))
        return qs.filter(Q(scope.units_q("issuer__")) | Q(Exists(carried)))


def current_scope(name: str):
    from jianfu.core.scope_guard import ScopeError

    try:
        return current()
    except ScopeError as error:
        raise ScopeError(f"{name}.scoped: {error}") from None


class Item(models.Model):
    number = models.CharField(_("督办单号"), max_length=32, unique=True)
    source = models.CharField(_("来源"), max_length=12, choices=ItemSource.choices)
    source_ref = models.CharField(_("来源文号或说明"), max_length=200, blank=True)
    title = models.CharField(_("事项名称"), max_length=200)
    instruction = models.TextField(_("交办内容"), blank=True)
    leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    issuer = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("交办单位")
    )
    created_on = models.DateField(_("交办日期"))
    deadline = models.DateField(_("办理时限"))
    feedback_rule = models.CharField(
        _("反馈要求"), max_length=12, choices=FeedbackRule.choices, default=FeedbackRule.ONCE
    )
    # At milestones: the due dates, ISO strings in order.
    milestones = models.JSONField(_("反馈节点"), default=list, blank=True)
    working_days = models.BooleanField(_("按工作日计算"), default=True)
    # An item carrying a leader's instruction skips a colour level (blue → yellow, yellow → red).
    leader_instruction = models.BooleanField(_("领导批示件"), default=False)
    # Why evidence files are asked for; empty: none asked ("no new burden").
    evidence_reason = models.CharField(_("需要佐证材料的理由"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    # Rolled up from the assignments, weighted (services keep it in step).
    percent = models.PositiveSmallIntegerField(_("总体进度（%）"), default=0)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级事项"),
    )
    issued_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = _ItemScopedManager()

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ItemSource.values), name="sup_item_source"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="sup_item_status"
            ),
            models.CheckConstraint(
                condition=Q(feedback_rule__in=FeedbackRule.values), name="sup_item_feedback_rule"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("created_on")), name="sup_item_deadline"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="sup_item_percent"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="sup_item_status_deadline")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class Assignment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    role = models.CharField(_("角色"), max_length=4, choices=AssignmentRole.choices)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=4)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    # A sub-item for this unit (拆分): its own deadline, none = the item's.
    task = models.TextField(_("分解任务"), blank=True)
    deadline = models.DateField(_("分解时限"), null=True, blank=True)
    plan = models.TextField(_("办理方案"), blank=True)
    plan_at = models.DateTimeField(_("方案报送时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Times the office returned this unit's feedback or completion, and times the item was handed
    # on from this unit to another (推诿).
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    active = models.BooleanField(_("有效"), default=True)

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["item", "-role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit"], condition=Q(active=True), name="sup_assignment_unit"
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(role="lead", active=True), name="sup_assignment_lead"
            ),
            models.CheckConstraint(
                condition=Q(role__in=AssignmentRole.values), name="sup_assignment_role"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="sup_assignment_percent"),
        ]
        indexes = [models.Index(fields=["unit", "item"], name="sup_assignment_unit_item")]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.unit_id} {self.role}"


class FeedbackStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已报送")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


class Feedback(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="feedback")
    due_on = models.DateField(_("应反馈日期"))
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    evidence_note = models.TextField(_("佐证材料说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.SUBMITTED
    )
    office_note = models.TextField(_("审核意见"), blank=True)
    # Marked by the office as false (虚假反馈): costs points.
    false_report = models.BooleanField(_("虚假反馈"), default=False)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"))
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("assignment__unit")

    class Meta:
        verbose_name = _("进展反馈")
        verbose_name_plural = _("进展反馈")
        ordering = ["assignment", "submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FeedbackStatus.values), name="sup_feedback_status"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="sup_feedback_percent"),
        ]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Extension(models.Model):
    """A request to move a deadline (延期): of the item (assignment null) or of one unit's
    sub-item. Every request is kept and counted."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="extensions")
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="extensions"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位")
    )
    reason = models.TextField(_("延期理由"))
    old_deadline = models.DateField(_("原时限"))
    new_deadline = models.DateField(_("申请延至"))
    # Working days (or calendar days when the item counts those) the deadline moved on approval.
    days = models.IntegerField(_("延期天数"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    office_note = models.TextField(_("审批意见"), blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExtensionStatus.values), name="sup_extension_status"
            ),
        ]


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("到期前提醒")
    AFTER_DUE = "after_due", _("逾期催办")
    MANUAL = "manual", _("人工催办")


class Reminder(models.Model):
    """A reminder sent (催办): never twice for the same assignment, kind and due date (a manual
    reminder's due date is the day it was sent: once a day)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reminders")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("类型"), max_length=10, choices=ReminderKind.choices)
    due_on = models.DateField(_("所涉日期"))
    # What fell due: "feedback" or "deadline".
    what = models.CharField(_("事由"), max_length=10, default="deadline")
    channel = models.CharField(_("渠道"), max_length=40, default="notify")
    notice_key = models.CharField(max_length=200)
    sent_at = models.DateTimeField(_("发送时间"))
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager()
    scoped = ScopedManager("assignment__unit")

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "due_on"], name="sup_reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="sup_reminder_kind"
            ),
        ]


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("supervision event", "登记")
    ISSUED = "issued", _("交办")
    SPLIT = "split", _("分解到单位")
    REASSIGNED = "reassigned", _("改交其他单位")
    SIGNED = "signed", _("签收")
    PLAN = "plan", _("报送办理方案")
    FEEDBACK = "feedback", _("报送进展")
    FEEDBACK_ACCEPTED = "fb_accepted", _("采纳进展反馈")
    FEEDBACK_RETURNED = "fb_returned", _("退回进展反馈")
    FALSE_FEEDBACK = "fb_false", _("认定虚假反馈")
    EXTENSION_REQUESTED = "ext_request", _("申请延期")
    EXTENSION_APPROVED = "ext_approved", _("批准延期")
    EXTENSION_REJECTED = "ext_rejected", _("不批准延期")
    SUBMITTED = "submitted", _("申请办结")
    CLOSED = "closed", _("销号")
    RETURNED = "returned", _("退回重办")
    REMINDED = "reminded", _("催办")


class Event(models.Model):
    """One step in an item's history (on the item, or on one unit's assignment)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    # For a reassignment: the unit the item was taken from.
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("事项"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("时间"))

    objects = models.Manager()
    scoped = ScopedManager("item__issuer")

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["item", "at"], name="sup_event_item_at")]


class ItemFile(models.Model):
    """An evidence file a unit sent with its feedback or its completion (办结): optional, never
    asked unless the item says why ("no new burden"). Stored outside the database under its
    SHA-256 (jianfu.core.files), as rectification's evidence; written only by the services, in
    the transaction of the feedback it came with."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="files")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="files")
    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    # The step of the history it came with (the feedback or the completion).
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    relpath = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = models.Manager()
    scoped = ScopedManager("assignment__unit")

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "pk"]
