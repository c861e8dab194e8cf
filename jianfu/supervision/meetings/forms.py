"""Forms of the coordination meeting's pages. They read what a person typed; the services decide
the rest (scope, dates in order) and their DomainErrors land on the fields named here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField
from jianfu.rectification.problems.forms import StyledForm

from . import queries


def _date(label, **kwargs):
    # <input type="date"> takes ISO dates only, whatever the language's own date format.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(
        label=label,
        widget=widget,
        error_messages={"invalid": _("请按 2025-06-30 的样子填写日期。")},
        **kwargs,
    )


def _units_field(label, choices, *, required: bool):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 点选）。"),
        error_messages={"invalid_choice": _("请选择您范围内的单位。")},
    )


class MeetingForm(StyledForm):
    title = TextField(label=_("会议名称"), max_length=200)
    date = _date(_("会议日期"))
    place = TextField(label=_("会议地点"), max_length=100, required=False)

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(u.pk), u.name) for u in queries.attendee_choices(principal)]
        self.fields["attendees"] = _units_field(_("参会单位"), choices, required=False)
        self.restyle()

    def clean_attendees(self):
        return [int(v) for v in self.cleaned_data.get("attendees") or []]


class LineForm(StyledForm):
    text = TextField(label=_("议题内容"), widget=forms.Textarea(attrs={"rows": 2}))


class MinutesForm(StyledForm):
    text = TextField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 8}))


class DecisionForm(StyledForm):
    text = TextField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 3}))
    title = TextField(
        label=_("督办事项名称"),
        max_length=200,
        required=False,
        help_text=_("不填则取议定事项的第一句。"),
    )
    deadline = _date(_("完成时限"))
    leader = TextField(label=_("责任领导"), max_length=50, required=False)

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(u.pk), u.name) for u in queries.attendee_choices(principal)]
        self.fields["lead_unit"] = forms.ChoiceField(
            label=_("牵头单位"),
            choices=[("", "")] + choices,
            error_messages={"invalid_choice": _("请选择您范围内的单位。")},
        )
        self.fields["co_units"] = _units_field(_("配合单位"), choices, required=False)
        self.order_fields(["text", "title", "lead_unit", "co_units", "deadline", "leader"])
        self.restyle()

    def clean_lead_unit(self):
        return int(self.cleaned_data["lead_unit"])

    def clean_co_units(self):
        return [int(v) for v in self.cleaned_data.get("co_units") or []]
