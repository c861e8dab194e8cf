"""Notifications: a notice (one per key: what was said once), its copies in the inboxes of the
accounts it was for, its deliveries by email and group robot, and per unit the robots and which
channels are on for which kind of message."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


ROBOTS = (Channel.DINGTALK, Channel.WECOM)
# The channels a unit may switch per kind; the inbox is always on.
SWITCHABLE = (Channel.EMAIL, Channel.DINGTALK, Channel.WECOM)


class Notice(models.Model):
    """What one `notify.send` said. The key makes a send idempotent: a second send with the same key
    finds this row and does nothing."""

    key = models.CharField(_("消息键"), max_length=200, unique=True)
    kind = models.CharField(_("消息类别"), max_length=60)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("发出时间"))

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["kind", "created_at"], name="notify_notice_kind")]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    """A notice in one account's inbox."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="messages")
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("收件人")
    )
    created_at = models.DateTimeField(_("收到时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "recipient"], name="notify_message_unique")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notify_message_inbox"),
            # The navigation counts the unread on every page.
            models.Index(
                fields=["recipient"],
                name="notify_message_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One notice sent by email to one address, or to one unit's group robot. Retried with
    exponential backoff until sent or out of attempts; each attempt's error is kept."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # The unit whose channel this is (for an email: the recipient's unit): the log's scope.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    recipient = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("收件人"),
    )
    # An email address; for a robot, empty — its URL is read from the unit's Robot when sent, so the
    # log never shows the robot's token and a corrected URL serves the retries.
    address = models.CharField(_("地址"), max_length=254, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel", "unit", "address"], name="notify_delivery_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="notify_delivery_status"
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.INBOX), name="notify_delivery_not_inbox"
            ),
        ]
        indexes = [
            # The due-deliveries job reads only what is waiting.
            models.Index(
                fields=["next_attempt_at"],
                name="notify_delivery_due",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["unit", "-created_at"], name="notify_delivery_unit"),
        ]


class Robot(models.Model):
    """A unit's group robot (its webhook URL, and for DingTalk the optional signing secret)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    channel = models.CharField(
        _("渠道"), max_length=10, choices=[(c.value, c.label) for c in ROBOTS]
    )
    url = models.CharField(_("机器人地址"), max_length=500)
    # Kept to sign each request; never shown back on a page or written to the audit log.
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("修改时间"))
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [
            models.UniqueConstraint(fields=["unit", "channel"], name="notify_robot_unique"),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in ROBOTS]), name="notify_robot_channel"
            ),
        ]


class Preference(models.Model):
    """A unit's choice for one kind of message and one channel; without a row the default holds
    (email on where an address is known, a robot on once its URL is set)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    kind = models.CharField(_("消息类别"), max_length=60)
    channel = models.CharField(
        _("渠道"), max_length=10, choices=[(c.value, c.label) for c in SWITCHABLE]
    )
    enabled = models.BooleanField(_("开启"))

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "channel"], name="notify_preference_unique"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in SWITCHABLE]),
                name="notify_preference_channel",
            ),
        ]
