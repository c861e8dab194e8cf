"""The burden meter (报表准入): one dictionary of data fields, a catalogue of forms built from it,
data requests sent from a catalogue form to grassroots units, and the returns they file.

The dictionary has no photo, location or check-in type at all: the platform obeys the rules it
enforces (no trace-keeping, no "指尖上的形式主义"). A return keeps when its form was first opened
and when it was submitted, so the grassroots' minutes are measured, not guessed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

__all__ = [
    "DataRequest",
    "FieldType",
    "Form",
    "FormField",
    "FormItem",
    "FormStatus",
    "Frequency",
    "RequestStatus",
    "Return",
]


class FieldType(models.TextChoices):
    # Deliberately no photo, location, signature or check-in type (tested).
    NUMBER = "number", _("数字")
    TEXT = "text", _("文字")
    CHOICE = "choice", _("选项")
    DATE = "date", _("日期")
    YESNO = "yesno", _("是否")


# Seconds a field of each type takes to fill before any return has measured it: a count looked
# up and typed, a sentence written, a tap on an option, a date picked, a yes/no tapped.
DEFAULT_SECONDS = {
    FieldType.NUMBER: 30,
    FieldType.TEXT: 90,
    FieldType.CHOICE: 10,
    FieldType.DATE: 15,
    FieldType.YESNO: 5,
}


class FormField(models.Model):
    """An entry of the field dictionary (数据项字典)."""

    code = models.CharField(_("数据项编码"), max_length=40, unique=True)
    name = models.CharField(_("数据项名称"), max_length=100)
    type = models.CharField(_("类型"), max_length=10, choices=FieldType.choices)
    choices = models.JSONField(_("可选项"), default=list, blank=True)
    measure = models.CharField(_("计量单位"), max_length=20, blank=True)
    # A gate.held code when the platform already holds this data (e.g. "registry.documents").
    held_in = models.CharField(_("平台已掌握于"), max_length=60, blank=True)
    seconds = models.PositiveIntegerField(_("预计填写秒数"), default=30)
    note = models.CharField(_("填写说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("数据项")
        verbose_name_plural = _("数据项字典")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FormStatus(models.TextChoices):
    PROPOSED = "proposed", _("待准入")
    ADMITTED = "admitted", _("已准入")
    WITHDRAWN = "withdrawn", _("已撤销")


class Form(models.Model):
    """A form of the catalogue (报表目录): a sender unit's form, its fields from the dictionary."""

    name = models.CharField(_("报表名称"), max_length=200)
    sender = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("制发单位")
    )
    purpose = models.TextField(_("用途和依据"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=FormStatus.choices, default=FormStatus.PROPOSED
    )
    fields = models.ManyToManyField(FormField, through="FormItem", related_name="forms")
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    proposed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("准入（撤销）时间"), null=True, blank=True)
    decision_note = models.CharField(_("准入意见"), max_length=300, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("sender")

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表目录")
        constraints = [
            models.UniqueConstraint(fields=["sender", "name"], name="gate_form_sender_name")
        ]

    def __str__(self) -> str:
        return self.name


class FormItem(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="items")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "field"], name="gate_formitem_unique")
        ]


class Frequency(models.TextChoices):
    ONCE = "once", _("一次性")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("草拟中")
    SENT = "sent", _("已下发")
    CLOSED = "closed", _("已结束")


class DataRequest(models.Model):
    """A catalogue form sent by its sender unit to grassroots units (数据填报任务)."""

    form = models.ForeignKey(
        Form, on_delete=models.PROTECT, related_name="requests", verbose_name=_("报表")
    )
    sender = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("下发单位")
    )
    title = models.CharField(_("标题"), max_length=200)
    # The fields asked (the form's, less any the sender dropped after the check).
    fields = models.ManyToManyField(FormField, related_name="+", verbose_name=_("数据项"))
    levels = models.JSONField(_("填报层级"), default=list)
    recipients = models.ManyToManyField(Unit, related_name="+", verbose_name=_("填报单位"))
    frequency = models.CharField(_("频次"), max_length=12, choices=Frequency.choices)
    periods = models.JSONField(_("填报期"), default=list)
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    # Frozen when sent: the flags the sender confirmed and the estimate it saw.
    flags = models.JSONField(_("重复索取提示"), default=list, blank=True)
    estimated_seconds = models.PositiveIntegerField(_("预计基层耗时（秒）"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("sender")

    class Meta:
        verbose_name = _("数据填报任务")
        verbose_name_plural = _("数据填报任务")
        indexes = [models.Index(fields=["sender", "status"], name="gate_request_sender")]

    def __str__(self) -> str:
        return self.title


class Return(models.Model):
    """One recipient unit's return for one period of a request."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="returns")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报单位")
    )
    period = models.CharField(_("填报期"), max_length=10)
    values = models.JSONField(_("填报内容"), default=dict, blank=True)
    # The values the form opened with (what the platform held): confirmed, not retyped.
    prefilled = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(_("首次打开时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("填报")
        verbose_name_plural = _("填报")
        constraints = [
            models.UniqueConstraint(fields=["request", "unit", "period"], name="gate_return_unique")
        ]
        indexes = [models.Index(fields=["unit", "submitted_at"], name="gate_return_unit")]

    @property
    def seconds(self) -> int | None:
        if self.started_at is None or self.submitted_at is None:
            return None
        return max(0, int((self.submitted_at - self.started_at).total_seconds()))
