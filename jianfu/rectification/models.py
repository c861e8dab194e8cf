"""Negative list (负面清单), self-examination rounds, problem list (问题清单) and rectification
ledger (整改台账).

The loop that detection opens closes here: a confirmed signal, a unit's self-examination against
the province's negative list, an inspection tour, a complaint, a sample point or the office itself
puts a problem on a unit's list; each problem gets measures (what will be done, by whom, by when,
immediate or long-term); each measure moves draft → in progress → submitted → verified or
returned, and a long-term measure is looked at again (回头看) on its review date, where a relapse
reopens the problem.

Negative lists are versioned: a round answers the version it was opened on, and a new list never
rewrites earlier answers. A published list is frozen; a new version starts as a copy.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager


class Severity(models.IntegerChoices):
    LOW = 1, _("一般")
    MEDIUM = 2, _("较重")
    HIGH = 3, _("严重")


# --- Negative list --------------------------------------------------------------------------------


class NegativeList(models.Model):
    title = models.CharField(_("名称"), max_length=120)
    issued_by = models.CharField(_("印发机关"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    # A draft can be edited; a published list is frozen (rounds answer it).
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上一版本"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("负面清单")
        verbose_name_plural = _("负面清单")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="negative_list_version")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.year} v{self.version}）"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class NegativeListItem(models.Model):
    negative_list = models.ForeignKey(NegativeList, on_delete=models.CASCADE, related_name="items")
    number = models.CharField(_("序号"), max_length=12)
    position = models.PositiveIntegerField(default=0)
    category = models.CharField(_("类别"), max_length=60)
    title = models.CharField(_("表现形式"), max_length=300)
    explanation = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("负面清单事项")
        verbose_name_plural = _("负面清单事项")
        ordering = ["negative_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["negative_list", "number"], name="negative_item_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


# --- Self-examination -----------------------------------------------------------------------------


class Round(models.Model):
    """A self-examination round: every unit of the chosen kinds under `scope_unit` answers every
    item of the list by the deadline."""

    title = models.CharField(_("名称"), max_length=120)
    negative_list = models.ForeignKey(
        NegativeList, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("负面清单")
    )
    scope_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    unit_kinds = models.JSONField(_("参加单位类型"), default=list)
    opened_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateField(_("截止日期"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager()
    scoped = ScopedManager("scope_unit")

    class Meta:
        verbose_name = _("自查轮次")
        verbose_name_plural = _("自查轮次")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Participation(models.Model):
    """One unit's part in a round: created when the round opens, so "who has not finished" is a
    filter, not a set difference."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("自查单位")
        verbose_name_plural = _("自查单位")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="participation_unique")
        ]


class Answer(models.TextChoices):
    PRESENT = "present", _("存在")
    PARTLY = "partly", _("部分存在")
    ABSENT = "absent", pgettext_lazy("self-examination answer", "不存在")


class ExamAnswer(models.Model):
    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(NegativeListItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("自查结果"), max_length=10, choices=Answer.choices)
    explanation = models.TextField(_("情况说明"), blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    objects = models.Manager()
    scoped = ScopedManager("participation__unit")

    class Meta:
        verbose_name = _("自查结果")
        verbose_name_plural = _("自查结果")
        constraints = [
            models.UniqueConstraint(fields=["participation", "item"], name="exam_answer_unique"),
            models.CheckConstraint(condition=Q(answer__in=Answer.values), name="exam_answer_known"),
        ]


# --- Problem list ---------------------------------------------------------------------------------


class Source(models.TextChoices):
    SELF_EXAM = "self_exam", _("对照负面清单自查")
    SIGNAL = "signal", _("预警确认")
    TOUR = "tour", _("巡视巡察、督查检查")
    COMPLAINT = "complaint", _("群众反映、投诉举报")
    SAMPLE_POINT = "sample_point", _("监测样本点反映")
    OFFICE = "office", _("市委办发现")
    DISCIPLINE = "discipline", _("纪检监察处理")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已销号")


class Problem(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    item = models.ForeignKey(
        NegativeListItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负面清单事项"),
    )
    description = models.TextField(_("问题描述"))
    severity = models.PositiveSmallIntegerField(
        _("严重程度"), choices=Severity.choices, default=Severity.MEDIUM
    )
    found_on = models.DateField(_("发现日期"))
    # What the problem came with: a confirmed signal's frozen evidence, a self-examination answer.
    evidence = models.JSONField(_("证据"), default=dict, blank=True)
    # The record of another app that put the problem on the list (a confirmed signal …): its
    # registered source kind (sources.py) and id. No foreign key, so that rectification depends
    # on none of its sources; what the record showed is frozen in `evidence`.
    source_kind = models.CharField(_("来源类型"), max_length=32, blank=True, default="")
    source_id = models.BigIntegerField(_("来源记录"), null=True, blank=True)
    exam_answer = models.OneToOneField(
        ExamAnswer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problem",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    relapses = models.PositiveSmallIntegerField(_("反弹次数"), default=0)
    # Optimistic locking of what the problem says (description, severity, item), as on Measure:
    # every edit bumps it; an edit that read an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["-found_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=Source.values), name="problem_source"),
            # One problem per source record; a kind names a record, and a record has a kind.
            models.UniqueConstraint(
                fields=["source_kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="problem_source_record",
            ),
            models.CheckConstraint(
                condition=Q(source_kind="", source_id__isnull=True)
                | (~Q(source_kind="") & Q(source_id__isnull=False)),
                name="problem_source_kind_id",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProblemStatus.values), name="problem_status"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="problem_unit_status"),
            # The relapse rule reads the few problems that relapsed, not the whole list.
            models.Index(
                fields=["relapses"], condition=Q(relapses__gte=1), name="problem_relapsed"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]


# --- Rectification ledger -------------------------------------------------------------------------


class MeasureKind(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    LONG_TERM = "long_term", _("长效机制")


class MeasureStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_PROGRESS = "in_progress", _("整改中")
    SUBMITTED = "submitted", _("待核验")
    VERIFIED = "verified", _("已核验销号")
    RETURNED = "returned", _("已退回")


# Measures that still count against their deadline.
UNFINISHED = (
    MeasureStatus.DRAFT,
    MeasureStatus.IN_PROGRESS,
    MeasureStatus.RETURNED,
)


class Measure(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    content = models.TextField(_("整改措施"))
    kind = models.CharField(
        _("类型"), max_length=10, choices=MeasureKind.choices, default=MeasureKind.IMMEDIATE
    )
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    responsible_person = models.CharField(_("责任人"), max_length=50)
    deadline = models.DateField(_("完成时限"))
    # When the deadline was given as "N working days" (from `deadline_from`), both are kept so the
    # page can say how it was counted.
    working_days = models.PositiveSmallIntegerField(_("工作日数"), null=True, blank=True)
    deadline_from = models.DateField(_("起算日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.DRAFT
    )
    progress = models.TextField(_("整改进展"), blank=True)
    completion = models.TextField(_("完成情况"), blank=True)
    # Who verifies: the office by default; the office may assign an account of another unit.
    verifier = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指定核验人"),
    )
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    # Long-term items: the standing mechanism and when it is looked at again (回头看).
    mechanism = models.TextField(_("长效机制"), blank=True)
    review_on = models.DateField(_("回头看日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("回头看时间"), null=True, blank=True)
    review_held = models.BooleanField(_("整改成效是否巩固"), null=True, blank=True)
    # Optimistic locking: every save bumps it; a save that read an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    objects = models.Manager()
    scoped = ScopedManager("problem__unit")

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改台账")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeasureStatus.values), name="measure_status"
            ),
            models.CheckConstraint(condition=Q(kind__in=MeasureKind.values), name="measure_kind"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="measure_status_deadline"),
            models.Index(fields=["responsible_unit", "status"], name="measure_unit_status"),
            # The returned-twice rule and the office's list of reviews due read small slices.
            models.Index(fields=["problem"], condition=Q(returns__gt=0), name="measure_returned"),
            models.Index(
                fields=["review_on"],
                condition=Q(status="verified", kind="long_term"),
                name="measure_review_due",
            ),
        ]

    def __str__(self) -> str:
        return self.content[:40]

    @property
    def is_long_term(self) -> bool:
        return self.kind == MeasureKind.LONG_TERM


class StepKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("rectification step", "登记")
    EDITED = "edited", _("修改")
    STARTED = "started", _("开始整改")
    PROGRESS = "progress", _("报告进展")
    SUBMITTED = "submitted", _("提交核验")
    VERIFIED = "verified", _("核验通过，销号")
    RETURNED = "returned", _("退回")
    REVIEW_HELD = "review_held", _("回头看：成效巩固")
    RELAPSED = "relapsed", _("回头看：问题反弹")
    EVIDENCE = "evidence", _("补充证明材料")


class Step(models.Model):
    """One step in a problem's history: on the problem itself (measure null) or on a measure."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="steps")
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    kind = models.CharField(_("事项"), max_length=12, choices=StepKind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("时间"))

    objects = models.Manager()
    scoped = ScopedManager("problem__unit")

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["problem", "at"], name="step_problem_at")]


class Attachment(models.Model):
    """An evidence file: stored outside the database under its SHA-256 (jianfu.core.files)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attachments")
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    relpath = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = models.Manager()
    scoped = ScopedManager("problem__unit")

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        ordering = ["uploaded_at", "pk"]
