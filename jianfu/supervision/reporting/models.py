"""Information reporting (信息报送): each unit's designated contacts (信息员), the office's
reporting requirements (a quota per period, or a commissioned topic — 约稿 — with a deadline
and target units), the units' submissions with their files, adoption at a tier (tiers are data
with their points), leaders' instructions on a submission (批示), false reports, and the
reminders sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.scope_guard import ScopedManager

__all__ = [
    "AdoptionTier",
    "ReportingContact",
    "ReportingRequirement",
    "RequirementKind",
    "Submission",
    "SubmissionStatus",
    "SubmissionFile",
    "Adoption",
    "Instruction",
    "ReportingReminder",
]


class AdoptionTier(models.Model):
    """A level at which a submission is adopted (市级信息刊物, 省级, 中央), with its points."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("采用层级"), max_length=50)
    points = models.PositiveSmallIntegerField(_("计分"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("采用层级")
        verbose_name_plural = _("采用层级")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class ReportingContact(models.Model):
    """An account of a unit designated to report information for it (明确专人)."""

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信息员"),
    )
    since = models.DateField(_("指定日期"))
    until = models.DateField(_("免去日期"), null=True, blank=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("信息员")
        verbose_name_plural = _("信息员")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "user"],
                condition=models.Q(until__isnull=True),
                name="reporting_contact_active_unique",
            )
        ]


class RequirementKind(models.TextChoices):
    SCHEDULE = "schedule", _("定期报送")
    COMMISSION = "commission", _("约稿")


class ReportingRequirement(models.Model):
    """What the office asks for: a quota of pieces per target unit each month or quarter, or a
    commissioned topic (约稿) due by a date. Owned by the publishing unit (the office's)."""

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=RequirementKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    topics = models.TextField(_("报送重点"), blank=True)
    period_type = models.CharField(
        _("报送周期"),
        max_length=10,
        choices=[("month", _("每月")), ("quarter", _("每季度"))],
        default="month",
    )
    quota = models.PositiveSmallIntegerField(_("每期篇数"), default=0)
    starts_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    targets = models.ManyToManyField("core.Unit", related_name="+", verbose_name=_("报送单位"))
    closed = models.BooleanField(_("已停止"), default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("报送要求")
        verbose_name_plural = _("报送要求")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_commission(self) -> bool:
        return self.kind == RequirementKind.COMMISSION


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ADOPTED = "adopted", _("已采用")
    DECLINED = "declined", _("未采用")
    FALSE = "false", _("虚假信息")


class Submission(models.Model):
    """A piece of work information a unit sent (title, text, optional files)."""

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送单位")
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信息员"),
    )
    requirement = models.ForeignKey(
        ReportingRequirement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("对应要求"),
    )
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    submitted_at = models.DateTimeField(_("报送时间"), db_index=True)
    on_time = models.BooleanField(_("按时报送"), default=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    false_reason = models.CharField(_("虚假原因"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("报送信息")
        verbose_name_plural = _("报送信息")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["unit", "submitted_at"], name="reporting_sub_unit_at")]

    def __str__(self) -> str:
        return self.title


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=120)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    relpath = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class Adoption(models.Model):
    """A submission adopted (采用) at a tier; a piece may be adopted at several tiers."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="adoptions")
    tier = models.ForeignKey(AdoptionTier, on_delete=models.PROTECT, verbose_name=_("采用层级"))
    points = models.PositiveSmallIntegerField(_("计分"))  # the tier's points when adopted
    adopted_on = models.DateField(_("采用日期"))
    note = models.CharField(_("刊发情况"), max_length=200, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("采用记录")
        verbose_name_plural = _("采用记录")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "tier"], name="reporting_adoption_once_per_tier"
            )
        ]


class Instruction(models.Model):
    """A leader's instruction (批示) on a submission."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="instructions"
    )
    leader = models.CharField(_("批示领导"), max_length=50)
    text = models.TextField(_("批示内容"))
    given_on = models.DateField(_("批示日期"))
    points = models.PositiveSmallIntegerField(_("计分"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["given_on", "pk"]


class ReportingReminder(models.Model):
    """A reminder sent to a unit that submitted nothing by a deadline: once per requirement,
    unit and period (a commission has one period, its deadline)."""

    requirement = models.ForeignKey(
        ReportingRequirement, on_delete=models.CASCADE, related_name="reminders"
    )
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=10)
    deadline = models.DateField()
    sent_on = models.DateField()

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "unit", "period"], name="reporting_reminder_once"
            )
        ]
