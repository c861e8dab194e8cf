"""Monitoring sample points (监测样本点, 诊脉点): townships, villages, schools and enterprises that
report, period by period, the burden they actually receive — the independent check on what units
register.

Forms are data and versioned: a question added next year is a new version of the form; last
year's reports keep the version they were filled on, and figures compare answers by question key.
A report's measured values are never pre-filled.
"""

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform, compile_json_path
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager


class PeriodType(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")


class ReportForm(models.Model):
    """One version of a report form. `questions` is a list of dicts:
    {"key", "label", "type": int|hours|score|text, "min", "max", "unit", "help", "section",
     "part_of": key of the whole this answer is a part of (parts may not exceed it)}."""

    code = models.CharField(_("表单代码"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=100)
    period_type = models.CharField(
        _("填报周期"), max_length=10, choices=PeriodType.choices, default=PeriodType.MONTH
    )
    due_days = models.PositiveSmallIntegerField(
        _("截止天数"), default=5, help_text=_("周期结束后第几天为截止日，逾期仍可填报但记为迟报。")
    )
    closes_days = models.PositiveSmallIntegerField(
        _("关闭天数"), default=60, help_text=_("周期结束后多少天关闭填报和更正。")
    )
    questions = models.JSONField(_("题目"), default=list)
    valid_from = models.DateField(_("启用日期"))
    valid_until = models.DateField(_("停用日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("填报表单")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="reportform_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def question(self, key: str) -> dict | None:
        return next((q for q in self.questions if q["key"] == key), None)


class SamplePoint(models.Model):
    unit = models.OneToOneField(
        Unit, on_delete=models.PROTECT, related_name="sample_point", verbose_name=_("单位")
    )
    county = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属县（市、区）")
    )
    kind = models.CharField(_("样本点类型"), max_length=20)  # the unit's kind when designated
    form_code = models.CharField(_("填报表单"), max_length=40, default="burden")
    since = models.DateField(_("设立日期"))
    until = models.DateField(_("撤销日期"), null=True, blank=True)
    reporters = models.ManyToManyField(
        User, blank=True, related_name="sample_points", verbose_name=_("填报员")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("监测样本点")
        verbose_name_plural = _("监测样本点")
        indexes = [models.Index(fields=["county", "kind"], name="samplepoint_county_kind")]

    def __str__(self) -> str:
        return self.unit.name

    def active_on(self, day) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


class Report(models.Model):
    """The current version of one sample point's report for one period."""

    # No index of its own: the (point, period) unique index serves every lookup by point, and one
    # index fewer to write matters at the month-end burst.
    point = models.ForeignKey(
        SamplePoint,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("样本点"),
        db_index=False,
    )
    period = models.CharField(_("周期"), max_length=10)  # "2025-03" or "2025-Q1"
    form = models.ForeignKey(
        ReportForm, on_delete=models.PROTECT, related_name="+", verbose_name=_("表单")
    )
    values = models.JSONField(_("填报内容"), default=dict)
    reporter = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    first_submitted_at = models.DateTimeField(_("首次提交时间"))
    submitted_at = models.DateTimeField(_("最近提交时间"))
    late = models.BooleanField(_("迟报"), default=False)

    objects = models.Manager()
    scoped = ScopedManager("point__unit")

    class Meta:
        verbose_name = _("填报")
        verbose_name_plural = _("填报")
        constraints = [
            models.UniqueConstraint(fields=["point", "period"], name="report_point_period_unique")
        ]
        indexes = [
            # By period, carrying what the grouped reads of a period's reports count (the
            # completeness figures, the means' fingerprint): SQLite answers them from the index
            # alone instead of reading each report's row and its answers. It replaced the index
            # on the period alone, so a submission still writes as many indexes.
            models.Index(fields=["period", "point", "late", "version"], name="report_period_cover")
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.period}"


class Answer(KeyTextTransform):
    """One answer out of a report's values, Answer("docs_total"), as KT("values__docs_total")
    reads it, but on SQLite a plain JSON_EXTRACT: Django's KT there is CASE WHEN JSON_TYPE(…) …
    THEN JSON_TYPE(…) ELSE JSON_EXTRACT(…), three parses of the document per answer instead of
    one, which made reading the answers of every report (the truth rules, felt against
    registered) several times slower at province size. The two read every value alike (a JSON
    null is no answer either way) but a JSON true or false: KT gives the text 'true', JSON_EXTRACT
    gives 1 or 0. No report holds one: validation.clean stores every numeric answer as a number
    and every other as a text."""

    def __init__(self, key: str):
        super().__init__(key, "values")

    def as_sqlite(self, compiler, connection):
        lhs, params, key_transforms = self.preprocess_lhs(compiler, connection)
        return f"JSON_EXTRACT({lhs}, %s)", (*params, compile_json_path(key_transforms))


class ReportVersion(models.Model):
    """Every submission and correction, kept. `client_key` is generated on the device for each
    submission: a retry or a double tap carries the same key and finds the same version."""

    # Served by the (report, version) unique index, as Report.point is by its own.
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    # Unique as a constraint rather than unique=True, which on PostgreSQL also builds a second,
    # pattern-matching index that no query uses.
    client_key = models.CharField(max_length=64)
    late = models.BooleanField(default=False)
    note = models.CharField(_("更正说明"), max_length=200, blank=True)

    objects = models.Manager()
    scoped = ScopedManager("report__point__unit")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="reportversion_unique"),
            models.UniqueConstraint(fields=["client_key"], name="reportversion_client_key"),
        ]


class PeriodClosure(models.Model):
    """The office may close a period before its form's closing day (or reopen it)."""

    form_code = models.CharField(max_length=40)
    period = models.CharField(max_length=10)
    closed = models.BooleanField(default=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form_code", "period"], name="periodclosure_unique")
        ]


class Reminder(models.Model):
    """A reminder sent to a reporter whose report is missing (shown on their home page)."""

    point = models.ForeignKey(SamplePoint, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    kind = models.CharField(max_length=20)  # "before_due" | "overdue"
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["point", "period", "kind"], name="reminder_unique")
        ]
        indexes = [
            models.Index(
                fields=["point", "read_at"],
                name="reminder_unread",
                condition=Q(read_at__isnull=True),
            )
        ]
