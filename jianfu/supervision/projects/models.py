"""Key projects (重点项目): owner, milestones and money by month, deals signed and landed, and the
health checks that catch fake or repeated starts and stalled money.

Money is in 万元 (ten thousand yuan), two decimals. Every model is owned by the project's unit and
guarded by `scoped` (core/scope_guard.py): a unit sees its own subtree's projects.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

__all__ = [
    "Deal",
    "Milestone",
    "MonthlyMoney",
    "Project",
    "ProjectCategory",
    "ProjectStatus",
    "StartEvent",
]

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProjectCategory(models.Model):
    """A category of key projects (乡村振兴, 产业项目, …): data, seeded with the usual ones after
    migrate (setup.py), so the office may add its own."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")
        ordering = ("order", "pk")

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("未开工")
    STARTED = "started", _("在建")
    COMPLETED = "completed", _("已竣工")
    SUSPENDED = "suspended", _("停工")


class Project(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    category = models.ForeignKey(
        ProjectCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("类别")
    )
    name = models.CharField(_("项目名称"), max_length=120)
    location = models.CharField(_("建设地点"), max_length=120)
    # Name and location normalised (normalise() in services.py): a new project matching an old one
    # on both is a "started again" signal.
    match_key = models.CharField(max_length=260, db_index=True, editable=False, default="")
    total_investment = models.DecimalField(_("计划总投资（万元）"), default=0, **MONEY)
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    note = models.TextField(_("备注"), blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """What a signal's list of records shows (signals/display.py)."""
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("项目")
    )
    name = models.CharField(_("节点名称"), max_length=80)
    planned_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("project__unit")

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ("planned_on", "pk")


class MonthlyMoney(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="money", verbose_name=_("项目")
    )
    month = models.DateField(_("月份"))  # the first day of the month
    planned = models.DecimalField(_("计划投资（万元）"), default=0, **MONEY)
    arrived = models.DecimalField(_("到位资金（万元）"), default=0, **MONEY)

    objects = models.Manager()
    scoped = ScopedManager("project__unit")

    class Meta:
        verbose_name = _("月度投资")
        verbose_name_plural = _("月度投资")
        ordering = ("month",)
        constraints = [
            models.UniqueConstraint(fields=("project", "month"), name="supervision_money_month")
        ]


class Deal(models.Model):
    """An investment deal (招商引资): what was signed and what has landed. Works begun is the
    project's actual start."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="deal", verbose_name=_("项目")
    )
    investor = models.CharField(_("投资方"), max_length=120, blank=True, default="")
    signed_on = models.DateField(_("签约日期"))
    amount_signed = models.DecimalField(_("签约金额（万元）"), **MONEY)
    amount_arrived = models.DecimalField(_("到位金额（万元）"), default=0, **MONEY)
    # Required when more has arrived than was signed (an extra tranche, a revised contract).
    arrival_note = models.CharField(_("到位说明"), max_length=200, blank=True, default="")

    objects = models.Manager()
    scoped = ScopedManager("project__unit")

    class Meta:
        verbose_name = _("招商引资签约")
        verbose_name_plural = _("招商引资签约")


class StartEvent(models.Model):
    """Each time a project is reported started. A second one on a started project is a repeated
    start (重复开工) and raises a signal."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="starts", verbose_name=_("项目")
    )
    started_on = models.DateField(_("开工日期"))
    repeated = models.BooleanField(_("重复开工"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    reported_at = models.DateTimeField(_("报告时间"))

    objects = models.Manager()
    scoped = ScopedManager("project__unit")

    class Meta:
        verbose_name = _("开工记录")
        verbose_name_plural = _("开工记录")
        ordering = ("started_on", "pk")
