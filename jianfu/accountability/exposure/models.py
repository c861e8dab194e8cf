"""Typical cases (典型案例) and public exposure (通报曝光): a concluded case written up as a
warning, redacted, approved by a second commission account, published to the units, on the
public page and into the bulletin; and the units' warning-education use of it (以案为镜).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

from ..handling.models import Case

__all__ = ["Study", "StudyFormat", "TypicalCase", "TypicalStatus"]


class TypicalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REDACTED = "redacted", _("已脱敏待审批")
    APPROVED = "approved", _("已审批待发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class TypicalCase(models.Model):
    """A case written up for warning education. Its title and body are what is published: the
    redaction step checks them, and any edit sends the case back to draft."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="typical_cases", verbose_name=_("案件")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(
        _("状态"), max_length=20, choices=TypicalStatus.choices, default=TypicalStatus.DRAFT
    )
    drafted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("起草时间"))
    redacted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    redacted_at = models.DateTimeField(_("脱敏时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    # Where it is published (chosen when publishing).
    to_units = models.BooleanField(_("通报各单位"), default=False)
    on_public_page = models.BooleanField(_("在公开页面曝光"), default=False)
    in_bulletin = models.BooleanField(_("纳入定期通报"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager("case__unit")

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        indexes = [
            models.Index(fields=["status", "published_at"], name="acc_typical_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="acc_typical_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StudyFormat(models.TextChoices):
    GROUP = "group", _("党委（党组）理论学习中心组学习")
    BRANCH = "branch", _("党支部会议或主题党日")
    MEETING = "meeting", _("专题会议或警示教育会")
    SELF = "self", _("干部自学")
    OTHER = "other", _("其他")


class Study(models.Model):
    """A unit's use of a published case for warning education: one row per unit and case, made
    for every unit addressed when the case is published (studied_on empty until recorded). A unit
    records it in one short form: the day, the format, a short note — no photos, no sign-in
    sheets: the platform keeps the rules it enforces."""

    typical = models.ForeignKey(TypicalCase, on_delete=models.CASCADE, related_name="studies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    studied_on = models.DateField(_("学习日期"), null=True, blank=True)
    format = models.CharField(_("学习形式"), max_length=20, choices=StudyFormat.choices, blank=True)
    note = models.CharField(_("简要说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("警示教育学习")
        verbose_name_plural = _("警示教育学习")
        constraints = [
            models.UniqueConstraint(fields=["typical", "unit"], name="acc_study_typical_unit"),
        ]
        indexes = [
            models.Index(fields=["unit", "studied_on"], name="acc_study_unit"),
        ]
