"""The periodic bulletin: drafted from live data, frozen as JSON, reviewed, approved, published to
units who confirm reading."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User


class Kind(models.TextChoices):
    MONTHLY = "monthly", _("月度通报")
    QUARTERLY = "quarterly", _("季度通报")
    SPECIAL = "special", _("专项通报")


class Status(models.TextChoices):
    GENERATING = "generating", _("生成中")
    FAILED = "failed", _("生成失败")
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已发布")


EDITABLE = (Status.DRAFT, Status.FAILED)


class Bulletin(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("印发单位")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.MONTHLY)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=100)
    number = models.CharField(_("发文字号"), max_length=60, blank=True)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    period_label = models.CharField(_("期间"), max_length=40)
    foreword = models.TextField(_("导语"), blank=True)
    closing = models.TextField(_("工作要求"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.GENERATING
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # The sections as built when the draft was generated: what is shown, reviewed, published.
    content = models.JSONField(_("内容"), default=list)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="bulletin_period_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="bulletin_published_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "-period_end"], name="bulletin_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def published(self) -> bool:
        return self.status == Status.PUBLISHED


class Receipt(models.Model):
    """A unit the bulletin is addressed to, and when it confirmed reading."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(_("确认阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("通报送达")
        verbose_name_plural = _("通报送达")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="receipt_one_per_unit")
        ]
        indexes = [
            models.Index(fields=["unit"], condition=Q(read_at__isnull=True), name="receipt_unread")
        ]
