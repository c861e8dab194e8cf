"""Forms of the supervision items' pages. They read and check what a person typed; the services
decide the rest (scope, dates in order, transitions) and their DomainErrors land on the fields
named here, with what the person typed kept.

"No new burden": the feedback form is pre-filled from the unit's last feedback, and evidence (a
note, files) is optional; when the item says why it wants evidence, the reason is shown beside
the upload field. No photos or sign-in sheets are asked.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.files import ALLOWED_TEXT
from jianfu.core.inputs import TextField
from jianfu.rectification.problems.forms import StyledForm, UnitChoice, files_field

from .models import FeedbackRule, ItemSource
from .services import MANAGE


def _date(label, **kwargs):
    # <input type="date"> takes ISO dates only, whatever the language's own date format.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, **kwargs)


class ItemForm(StyledForm):
    source = forms.ChoiceField(label=_("来源"), choices=ItemSource.choices)
    source_ref = TextField(label=_("来源文号或说明"), max_length=200, required=False)
    title = TextField(label=_("事项名称"), max_length=200)
    instruction = TextField(label=_("交办内容"), widget=forms.Textarea(attrs={"rows": 4}))
    leader = TextField(label=_("责任领导"), max_length=50, required=False)
    deadline = _date(_("办理时限"))
    feedback_rule = forms.ChoiceField(label=_("反馈要求"), choices=FeedbackRule.choices)
    milestones = TextField(
        label=_("反馈节点"),
        required=False,
        help_text=_("按节点反馈时填写，多个日期用逗号分隔，如 2025-06-30，2025-09-30。"),
    )
    working_days = forms.BooleanField(label=_("按工作日计算"), required=False, initial=True)
    leader_instruction = forms.BooleanField(label=_("领导批示件（颜色提升一级）"), required=False)
    evidence_reason = TextField(
        label=_("需要佐证材料的理由"),
        max_length=200,
        required=False,
        help_text=_("不填则不要求承办单位提供照片、签到表等佐证材料。"),
    )

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = UnitChoice(principal, MANAGE)
        self.fields["lead_unit"] = self.units.field(_("主办单位"))
        # Above SELECT_LIMIT units, a text box of names with suggestions (it had no choices).
        self.fields["co_units"] = self.units.several(_("协办单位"), required=False)
        self.order_fields(
            ["source", "source_ref", "title", "instruction", "leader", "lead_unit", "co_units"]
        )
        self.restyle()

    def clean_lead_unit(self):
        return self.units.resolve(self.cleaned_data.get("lead_unit"))

    def clean_co_units(self):
        return self.units.resolve_several(self.cleaned_data.get("co_units"))

    def clean_milestones(self):
        import datetime as dt

        from jianfu.core import parsing

        out = []
        for part in parsing.split_list(self.cleaned_data.get("milestones") or ""):
            try:
                out.append(dt.date.fromisoformat(part.strip()))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(v)s”不是日期，请写成 2025-06-30 的样子。"), params={"v": part}
                ) from None
        return out


class NoteForm(StyledForm):
    note = TextField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(StyledForm):
    plan = TextField(label=_("办理方案"), widget=forms.Textarea(attrs={"rows": 4}))


class _EvidenceFiles(StyledForm):
    """The optional evidence files; the views read them from request.FILES. `reason` is the
    item's evidence_reason: why the office asks for evidence, shown beside the field."""

    def __init__(self, *args, reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = files_field(_("佐证材料文件（可选）"))
        if reason:
            field.help_text = _("交办单位需要佐证材料：%(r)s。可多选：%(t)s。") % {
                "r": reason,
                "t": ALLOWED_TEXT,
            }
        else:
            field.help_text = _("可不上传；无需照片、签到表。可多选：%(t)s。") % {"t": ALLOWED_TEXT}
        self.fields["files"] = field
        self.restyle()

    def put_error(self, error) -> None:
        field = "files" if error.field == "file" else error.field
        self.add_error(field if field in self.fields else None, str(error.message))


class FeedbackForm(_EvidenceFiles):
    text = TextField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}))
    percent = forms.IntegerField(
        label=_("完成进度（%）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("完成进度须为 0 到 100 的整数。")},
    )
    evidence_note = TextField(
        label=_("佐证材料说明（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("无需上传照片、签到表；有文件可写明文号或存放位置。"),
    )

    def clean_percent(self):
        value = self.cleaned_data["percent"]
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(
                _("完成进度 %(v)s%% 超出范围，应在 0 到 100 之间。"), params={"v": value}
            )
        return value


class CompletionForm(_EvidenceFiles):
    text = TextField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence_note = TextField(
        label=_("佐证材料说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(StyledForm):
    new_deadline = _date(_("申请延至"))
    reason = TextField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))


class SplitForm(StyledForm):
    """The office splits the item: a sub-item for one unit (a new co-unit, or a unit already on
    the item gets its own task and deadline)."""

    task = TextField(label=_("分解任务"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = _date(_("分解时限"), required=False, help_text=_("不填则同事项办理时限。"))

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = UnitChoice(principal, MANAGE)
        self.fields["unit"] = self.units.field(_("承办单位"))
        self.order_fields(["unit", "task", "deadline"])
        self.restyle()

    def clean_unit(self):
        return self.units.resolve(self.cleaned_data.get("unit"))


class ReassignForm(StyledForm):
    """The office hands one unit's part to another unit, saying why (counted towards 推诿)."""

    note = TextField(label=_("改交理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, principal, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"] = forms.ChoiceField(
            label=_("原承办单位"),
            choices=[("", "")]
            + [(str(a.pk), f"{a.unit.name}（{a.get_role_display()}）") for a in assignments],
            error_messages={"invalid_choice": _("请选择该事项现有的承办单位。")},
        )
        self.units = UnitChoice(principal, MANAGE)
        self.fields["unit"] = self.units.field(_("改交给"))
        self.order_fields(["assignment", "unit", "note"])
        self.restyle()

    def clean_unit(self):
        return self.units.resolve(self.cleaned_data.get("unit"))
