"""Signals (预警): what the rules found in the intake, with the evidence that raised them, and the
office's triage of each.

One signal per key (rule, unit, period, subject): a later run of the same rule updates it instead of
adding another. Lifecycle: open → confirmed or dismissed (with a reason); a dismissed signal reopens
only when its severity rises above the severity it was dismissed at; an open signal whose data no
longer meet the rule resolves itself and keeps its history; a confirmed signal is frozen (its
evidence and the thresholds in force are kept as they were when confirmed).

Periods are strings: "2025" a year, "2025-05" a month, "2025-01..2025-05" a range of months. The
rules of the registry all work on the year (the evidence says which months were compared). A
monthly rule's finding that goes on month after month is one signal whose period is the range of
its months and whose evidence lists them (ongoing.py).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager


class Severity(models.IntegerChoices):
    LOW = 1, _("低")
    MEDIUM = 2, _("中")
    HIGH = 3, _("高")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("待研判")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")
    RESOLVED = "resolved", _("已自动解除")


class Signal(models.Model):
    rule = models.CharField(_("规则"), max_length=40)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    period = models.CharField(_("期间"), max_length=24)
    subject = models.CharField(_("对象"), max_length=40, blank=True, default="")
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=Severity.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    evidence = models.JSONField(_("证据"), default=dict)
    threshold = models.JSONField(_("适用阈值"), default=dict)
    note = models.TextField(_("确认说明"), blank=True)
    reason = models.TextField(_("排除理由"), blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("研判人"),
    )
    decided_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    # The severity when confirmed or dismissed: a dismissed signal reopens only above it.
    decided_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    frozen = models.JSONField(_("确认时的证据"), null=True, blank=True)
    first_raised_at = models.DateTimeField(_("首次发现"))
    last_seen_at = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("自动解除时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "unit", "period", "subject"], name="signal_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="signal_severity_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SignalStatus.values), name="signal_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=SignalStatus.DISMISSED) | ~Q(reason=""),
                name="signal_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-severity", "-last_seen_at"], name="signal_inbox"),
            # The runner resolves the open signals of what it evaluated.
            models.Index(
                fields=["rule", "period"],
                condition=Q(status=SignalStatus.OPEN),
                name="signal_open_rule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.unit_id} {self.period} {self.subject}".strip()

    @property
    def is_open(self) -> bool:
        return self.status == SignalStatus.OPEN


class EventKind(models.TextChoices):
    RAISED = "raised", _("发现")
    UPDATED = "updated", _("情况变化")
    SEVERITY_ROSE = "severity_rose", _("严重程度上升")
    RESOLVED = "resolved", _("数据不再触发规则，自动解除")
    REOPENED = "reopened", _("重新打开")
    CONFIRMED = "confirmed", _("确认")
    DISMISSED = "dismissed", _("排除")


class SignalEvent(models.Model):
    """One step in a signal's history."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    severity = models.PositiveSmallIntegerField(
        _("严重程度"), choices=Severity.choices, null=True, blank=True
    )
    evidence = models.JSONField(_("证据快照"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("signal__unit")

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["signal", "at"], name="signalevent_signal_at")]
