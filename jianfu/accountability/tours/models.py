"""Inspection tours (巡察): the city committee's tours of units, their teams and dates, and what
they found. A finding becomes a problem on its target unit's list (rectification, source "tour")
and may be referred to the discipline commission as a clue.

A tour is the organising committee's (its unit: the city, or a county for a county's tours) and
is guarded through that unit; a finding is its target unit's and is guarded through it, so a
target unit's contact sees its own findings and nothing else of the tour.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

from ..clues.models import Clue, ClueCategory

__all__ = ["Finding", "Tour", "TourStatus"]


class TourStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("巡察进驻中")
    REPORTING = "reporting", _("反馈整改中")
    CLOSED = "closed", _("已结束")


class Tour(models.Model):
    organiser = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    name = models.CharField(_("巡察名称"), max_length=120)
    round = models.PositiveSmallIntegerField(_("巡察轮次"))
    # The team are not necessarily accounts of the platform: names and positions as text.
    leader = models.CharField(_("巡察组组长"), max_length=100)
    members = models.TextField(_("巡察组成员"), blank=True)
    starts_on = models.DateField(_("进驻日期"))
    ends_on = models.DateField(_("结束日期"))
    targets = models.ManyToManyField(Unit, related_name="+", verbose_name=_("被巡察单位"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TourStatus.choices, default=TourStatus.PLANNED
    )
    closed_on = models.DateField(_("结束整改日期"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = ScopedManager("organiser")

    class Meta:
        verbose_name = _("巡察")
        verbose_name_plural = _("巡察")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="acc_tour_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TourStatus.values), name="acc_tour_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="findings")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("被巡察单位")
    )
    category = models.CharField(_("问题类别"), max_length=20, choices=ClueCategory.choices)
    text = models.TextField(_("发现问题"))
    found_on = models.DateField(_("发现日期"))
    # The rectification problem it became (rectification is below us: an id, as a source's
    # record is kept there) and the clue it was referred as.
    problem_id = models.BigIntegerField(_("整改问题"), null=True, blank=True)
    clue = models.ForeignKey(
        Clue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移交线索"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("巡察发现问题")
        verbose_name_plural = _("巡察发现问题")
        ordering = ["found_on", "pk"]
        indexes = [models.Index(fields=["tour", "unit"], name="acc_finding_tour_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_id"],
                condition=Q(problem_id__isnull=False),
                name="acc_finding_problem_unique",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]
