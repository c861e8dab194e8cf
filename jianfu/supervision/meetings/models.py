"""The coordination meeting (秘书长联席会议): the secretaries-general hear what is in trouble and
decide the next steps.

A Meeting (organised by a unit, the office; its attendees are units) has an agenda of lines the
platform drafts from the red supervision items, the units over their quotas, the overdue
rectification measures and the key projects in trouble (and any source other parts register in
`supervision/agenda.py`), each line with its figures and the record it came from (kind and id).
The office edits lines (text, order, removal, free lines); an edited line survives re-drafting.
Minutes are one text per meeting. A Decision names its responsible units and deadline and is
turned into a supervision Item in one step: the item's source is "meeting decision" and the
decision keeps the item (`Decision.item`), so each shows the other.

Scope: everything is owned by the meeting's organising unit (`Meeting.unit`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

from ..items.models import Item

__all__ = [
    "AgendaLine",
    "Decision",
    "Meeting",
    "MeetingStatus",
    "Minutes",
]


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    HELD = "held", _("已召开")
    MINUTED = "minuted", _("已形成纪要")


class Meeting(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    title = models.CharField(_("会议名称"), max_length=200)
    date = models.DateField(_("会议日期"))
    place = models.CharField(_("会议地点"), max_length=100, blank=True)
    attendees = models.ManyToManyField(
        Unit, related_name="+", blank=True, verbose_name=_("参会单位")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    drafted_at = models.DateTimeField(_("议程起草时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = ScopedManager("unit")

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="sup_meeting_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.date}）"


class AgendaLine(models.Model):
    """One line of a meeting's agenda. A drafted line keeps its source (kind and id, unique per
    meeting); a free line added by the office has none. `edited`: the office changed its text or
    its place (re-drafting keeps it as it is); `removed`: the office took it off (re-drafting does
    not bring it back); `stale`: an edited line the last drafting no longer found."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="lines")
    section = models.CharField(_("议题类别"), max_length=40)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    text = models.TextField(_("议题内容"))
    # [{"label": …, "value": …}, …] in the order shown.
    figures = models.JSONField(_("数据"), default=list, blank=True)
    source_kind = models.CharField(_("来源类型"), max_length=40, blank=True, default="")
    source_id = models.BigIntegerField(_("来源记录"), null=True, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及单位"),
    )
    edited = models.BooleanField(_("已修改"), default=False)
    removed = models.BooleanField(_("已移除"), default=False)
    stale = models.BooleanField(_("情况已变化"), default=False)

    objects = models.Manager()
    scoped = ScopedManager("meeting__unit")

    class Meta:
        verbose_name = _("会议议程")
        verbose_name_plural = _("会议议程")
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "source_kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="sup_agenda_source_once",
            ),
        ]


class Minutes(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("会议纪要"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    objects = models.Manager()
    scoped = ScopedManager("meeting__unit")

    class Meta:
        verbose_name = _("会议纪要")
        verbose_name_plural = _("会议纪要")


class Decision(models.Model):
    """A decision of the meeting (议定事项), turned into a supervision item in one step."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    order = models.PositiveIntegerField(_("序号"), default=0)
    text = models.TextField(_("议定事项"))
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头单位")
    )
    co_units = models.ManyToManyField(
        Unit, related_name="+", blank=True, verbose_name=_("配合单位")
    )
    deadline = models.DateField(_("完成时限"))
    leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    item = models.OneToOneField(
        Item,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_decision",
        verbose_name=_("督办事项"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = models.Manager()
    scoped = ScopedManager("meeting__unit")

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting", "order", "pk"]
