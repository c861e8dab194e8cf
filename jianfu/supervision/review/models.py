"""The mid-year review (年中回头看): one review per year with its stock-taking date (30 June unless
the office sets another), and the targets of each unit — economic targets (经济指标), key work
(重点工作) and livelihood projects (民生实事) — with the annual target, the value done to date or,
for work without a number, the percent done.

Targets are owned by their unit and guarded by `scoped` (core/scope_guard.py); the review itself
is the office's (one row per year).
"""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

__all__ = ["Review", "Target", "TargetKind"]

VALUE = {"max_digits": 16, "decimal_places": 2}


def default_stock_date(year: int) -> dt.date:
    return dt.date(year, 6, 30)


class Review(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    stock_date = models.DateField(_("回头看截止日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("年中回头看")
        verbose_name_plural = _("年中回头看")
        ordering = ("-year",)

    def __str__(self) -> str:
        return f"{self.year}"


class TargetKind(models.TextChoices):
    ECONOMIC = "economic", _("经济指标")
    KEY_WORK = "key_work", _("重点工作")
    LIVELIHOOD = "livelihood", _("民生实事")


class Target(models.Model):
    """A unit's target for the year. With a target value, the share done is done ÷ target; without
    one (work that has no number), it is the percent the unit reports."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="targets", verbose_name=_("年度")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=TargetKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    target_value = models.DecimalField(_("年度目标值"), null=True, blank=True, **VALUE)
    measure = models.CharField(_("计量单位"), max_length=20, blank=True, default="")
    done_value = models.DecimalField(_("累计完成值"), null=True, blank=True, **VALUE)
    percent = models.DecimalField(
        _("完成进度（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("进展说明"), max_length=500, blank=True, default="")
    entered_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("年度指标和重点工作")
        verbose_name_plural = _("年度指标和重点工作")
        ordering = ("unit__path", "kind", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("review", "unit", "name"), name="supervision_review_target_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_number(self) -> bool:
        return self.target_value is not None and self.target_value > 0

    @property
    def entered(self) -> bool:
        return self.done_value is not None or self.percent is not None
