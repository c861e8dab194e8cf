"""The commission's handling (处置) of clues and its cases (审查调查与处理): the dispositions with
their approval step and statutory clocks, and the cases with an outcome for each person and unit
concerned.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

from ..clues.models import Clue

__all__ = ["Case", "CaseStatus", "Outcome", "OutcomeKind"]


class CaseStatus(models.TextChoices):
    VERIFYING = "verifying", _("核查中")
    CONCLUDED = "concluded", _("已作出处理")
    CLOSED = "closed", _("已结案")


class Case(models.Model):
    """A case opened from a clue (its cluster's first clue): verification with findings, then an
    outcome for each person and unit concerned."""

    clue = models.ForeignKey(
        Clue, on_delete=models.PROTECT, related_name="cases", verbose_name=_("线索")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("涉及单位")
    )
    title = models.CharField(_("案件名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.VERIFYING
    )
    opened_at = models.DateTimeField(_("立案（核查）时间"))
    findings = models.TextField(_("核查认定的事实"), blank=True)
    concluded_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")

    def __str__(self) -> str:
        return self.title


class OutcomeKind(models.TextChoices):
    NONE = "none", _("了结，不予处理")
    TALK = "talk", _("谈话提醒")
    CRITICISM = "criticism", _("批评教育")
    ADMONISHMENT = "admonishment", _("诫勉")
    NOTICE = "notice", _("通报批评")
    ADJUSTMENT = "adjustment", _("组织调整或组织处理")
    SANCTION = "sanction", _("纪律处分")
    # For a party organisation.
    ORG_REVIEW = "org_review", _("责令作出书面检查")
    ORG_NOTICE = "org_notice", _("通报（党组织）")
    ORG_REORGANISE = "org_reorganise", _("改组")


class Outcome(models.Model):
    """What the case decided for one person (by name and position) or for the unit itself."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    person = models.CharField(_("姓名"), max_length=50, blank=True)  # blank: the unit itself
    position = models.CharField(_("职务"), max_length=100, blank=True)
    kind = models.CharField(_("处理方式"), max_length=20, choices=OutcomeKind.choices)
    decided_at = models.DateTimeField(_("决定时间"))
    # An organisational adjustment must be carried out within a month (a clock).
    carried_out_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = models.Manager()
    scoped = ScopedManager("case__unit")

    class Meta:
        verbose_name = _("处理结果")
        verbose_name_plural = _("处理结果")
