"""Registries of what units impose on those below them: documents issued, meetings held,
inspections (督查/检查/考核) organised; the annual quotas on them; and a monthly rollup that the
figures read.

Whether a record counts against its unit's quota is not a box the unit ticks: `counted` is derived
from the counting rules (registry.counting) whenever the record is written, and recomputed when the
office changes the rules.
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import ImportRecord, Unit, User
from jianfu.core.scope_guard import ScopedManager

# The largest counts a record may carry. Far above any real one (the longest plans run to a few
# hundred pages), they catch a typo or a runaway push before it reaches the monthly sums, which
# are 32-bit columns, and before a number beyond the database's integers answers with an error.
MAX_PAGES = 10_000
MAX_CHARACTERS = 10_000_000
MAX_ATTENDEES = 100_000  # every village cadre of a large city, several times over
MAX_FORMS = 1_000


class Category(models.TextChoices):
    DOCUMENT = "document", _("发文")
    MEETING = "meeting", _("会议")
    INSPECTION = "inspection", _("督查检查考核")


class Level(models.TextChoices):
    """The levels a document is addressed to, or a meeting requires to attend."""

    COUNTY = "county", _("县级")
    DEPARTMENT = "department", _("市直部门")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")


GRASSROOTS_LEVELS = frozenset({Level.TOWNSHIP, Level.VILLAGE, Level.SCHOOL, Level.ENTERPRISE})


class DocumentKind(models.TextChoices):
    RED_HEADER = "red_header", _("红头文件")
    WHITE_HEADER = "white_header", _("白头文件")
    NOTICE = "notice", _("办公室（部门）通知")
    JOINT = "joint", _("联合发文")
    WORKGROUP = "workgroup", _("工作群通知")


class MeetingForm(models.TextChoices):
    IN_PERSON = "in_person", _("现场会议")
    VIDEO = "video", _("视频会议")
    MERGED = "merged", _("合并召开（两会合一）")


class MeetingLevel(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    DEPARTMENT = "department", _("部门")
    TOWNSHIP = "township", _("乡镇级")


class InspectionKind(models.TextChoices):
    SUPERVISION = "supervision", _("督查")
    CHECK = "check", _("检查")
    ASSESSMENT = "assessment", _("考核")


class InspectionMethod(models.TextChoices):
    ON_SITE = "on_site", _("实地")
    PHONE = "phone", _("电话")
    MATERIALS = "materials", _("书面材料")
    ONLINE = "online", _("网络平台")


REMOTE_METHODS = frozenset({InspectionMethod.PHONE, InspectionMethod.MATERIALS})


class RegistryRecord(models.Model):
    """What the three registries share: the unit that imposes, the OA system's key, and whether
    the record counts against the quota."""

    # No index of its own: each kind's (unit, date) index starts with it and serves every lookup
    # by unit (one index fewer to write per record: imports of 100,000 rows).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"), db_index=False
    )
    external_id = models.CharField(_("外部系统编号"), max_length=80, blank=True)
    title = models.CharField(_("标题"), max_length=300)
    counted = models.BooleanField(_("计入指标"), default=True)
    import_record = models.ForeignKey(
        ImportRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        abstract = True


class Document(RegistryRecord):
    number = models.CharField(_("文号"), max_length=80, blank=True)
    issued_on = models.DateField(_("发文日期"))
    kind = models.CharField(_("文件类型"), max_length=20, choices=DocumentKind.choices)
    co_issuers = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("联合发文单位")
    )
    addressed_levels = models.JSONField(_("发至层级"), default=list)
    reaches_grassroots = models.BooleanField(_("发至基层"), default=False)
    assigns_work = models.BooleanField(_("向基层布置工作"), default=False)
    pages = models.PositiveIntegerField(
        _("页数"), default=0, validators=[MaxValueValidator(MAX_PAGES)]
    )
    characters = models.PositiveIntegerField(
        _("字数"), default=0, validators=[MaxValueValidator(MAX_CHARACTERS)]
    )
    full_text = models.TextField(_("正文"), blank=True)

    class Meta:
        verbose_name = _("发文")
        verbose_name_plural = _("发文")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "number"],
                condition=~Q(number=""),
                name="document_unit_number_unique",
            ),
            models.UniqueConstraint(
                fields=["unit", "external_id"],
                condition=~Q(external_id=""),
                name="document_unit_external_unique",
            ),
            models.CheckConstraint(
                condition=Q(pages__lte=MAX_PAGES, characters__lte=MAX_CHARACTERS),
                name="document_counts_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "issued_on"], name="document_unit_date"),
            # The documents reaching the grassroots in a span, by unit (the senders ranking):
            # read from the index alone instead of every document of every year.
            models.Index(
                fields=["issued_on", "unit"],
                name="document_grassroots_date",
                condition=Q(reaches_grassroots=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Meeting(RegistryRecord):
    held_on = models.DateField(_("会议日期"))
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    level = models.CharField(_("会议层级"), max_length=20, choices=MeetingLevel.choices)
    form = models.CharField(_("会议形式"), max_length=20, choices=MeetingForm.choices)
    merged_with = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("与之合并的会议"),
    )
    attend_levels = models.JSONField(_("参会层级"), default=list)
    grassroots_required = models.BooleanField(_("要求基层参会"), default=False)
    grassroots_attendees = models.PositiveIntegerField(
        _("基层参会人数"), default=0, validators=[MaxValueValidator(MAX_ATTENDEES)]
    )

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_id"],
                condition=~Q(external_id=""),
                name="meeting_unit_external_unique",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(grassroots_attendees__lte=MAX_ATTENDEES),
                name="meeting_attendees_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "held_on"], name="meeting_unit_date"),
            # The newest first across a province or a city (queries.merge_candidates).
            models.Index(fields=["held_on", "id"], name="meeting_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class Inspection(RegistryRecord):
    kind = models.CharField(_("类别"), max_length=20, choices=InspectionKind.choices)
    method = models.CharField(_("方式"), max_length=20, choices=InspectionMethod.choices)
    targets = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("被检查单位")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    in_plan = models.BooleanField(_("列入年度计划"), default=True)
    forms_demanded = models.PositiveIntegerField(
        _("要求报送表格材料数"), default=0, validators=[MaxValueValidator(MAX_FORMS)]
    )

    class Meta:
        verbose_name = _("督查检查考核")
        verbose_name_plural = _("督查检查考核")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_id"],
                condition=~Q(external_id=""),
                name="inspection_unit_external_unique",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="inspection_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(forms_demanded__lte=MAX_FORMS), name="inspection_forms_plausible"
            ),
        ]
        indexes = [models.Index(fields=["unit", "starts_on"], name="inspection_unit_date")]

    def __str__(self) -> str:
        return self.title


class Quota(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    limit = models.PositiveIntegerField(_("指标"))
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("硬性指标")
        verbose_name_plural = _("硬性指标")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "category"], name="quota_unit_year_category_unique"
            ),
        ]


class MonthlyUsage(models.Model):
    """One unit's month in one category, summed from the registry. Rewritten in the same
    transaction as every write to the records it sums, so the figures read it fresh."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    counted = models.PositiveIntegerField(default=0)  # what counts against the quota
    total = models.PositiveIntegerField(default=0)  # every record, counted or not
    # documents
    red_header = models.PositiveIntegerField(default=0)
    white_header = models.PositiveIntegerField(default=0)  # white-header, notices, work groups
    pages = models.PositiveIntegerField(default=0)
    characters = models.PositiveBigIntegerField(default=0)
    grassroots = models.PositiveIntegerField(default=0)  # documents reaching the grassroots
    # meetings
    video = models.PositiveIntegerField(default=0)
    video_grassroots = models.PositiveIntegerField(default=0)  # video, grassroots must attend
    attendees = models.PositiveIntegerField(default=0)
    # inspections
    on_site = models.PositiveIntegerField(default=0)
    remote = models.PositiveIntegerField(default=0)  # by phone or written materials
    out_of_plan = models.PositiveIntegerField(default=0)
    forms = models.PositiveIntegerField(default=0)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month", "category"], name="monthlyusage_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["year", "category"], name="monthlyusage_year_cat")]


# The earlier years a quota status reads: a unit's own monthly profile is these years summed.
HISTORY_YEARS = 3


class QuotaUsage(models.Model):
    """One unit's year in one category as the quota status reads it (quotas/figures.py): the
    counted records of that year, of the year before and of the HISTORY_YEARS before it, and the
    quota. Summed from the monthly rollup and rewritten with it, in the same transaction as every
    write to the records or to the quota (registry/rollup.py), so one query reads every unit's
    status fresh.

    What depends on the day the status is read for (used so far, the share of the year's use
    reached, the projection, the pace, the exhaustion date) is not stored: that query computes it
    from these counts, so a row stays true until the records or the quota change, whatever the
    date. A row exists for a (unit, category, year) with a quota, or with rollup rows in that
    year or the HISTORY_YEARS before it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    limit = models.PositiveIntegerField(null=True)  # the quota; null: none set
    # The rollup rows of the earlier years (none: the unit adds nothing to the pooled profile,
    # and with every unit at none there is no pooled profile).
    history_rows = models.PositiveIntegerField(default=0)
    # This year's and last year's counted records month by month, "3,0,…,5;2,4,…,1", as the
    # status hands them out (Status.monthly, monthly_last): one value to read per row, not 24.
    months = models.CharField(max_length=300)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "category", "unit"], name="quotausage_key_unique"
            ),
        ]


# Counted records up to the end of each month (cumulative, so that what was used by a month, or
# what a profile had reached, is one column): c01…c12 this year, h01…h12 the earlier years
# (HISTORY_YEARS) summed. Columns rather than an array, so that both databases can read them in
# SQL.
QUOTA_USAGE_MONTHS = {prefix: [f"{prefix}{m:02}" for m in range(1, 13)] for prefix in ("c", "h")}
for _names in QUOTA_USAGE_MONTHS.values():
    for _name in _names:
        QuotaUsage.add_to_class(_name, models.PositiveIntegerField(default=0))
