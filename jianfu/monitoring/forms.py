"""Forms of the office's monitoring pages: designating and changing a sample point, closing it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock
from jianfu.core.inputs import TextField


class ReporterChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        if obj.full_name and obj.full_name != obj.username:
            return f"{obj.full_name}（{obj.username}）"
        return obj.username


class PointForm(forms.Form):
    """Designation and changes: the start date, the reporters (accounts of the unit itself with
    the reporter role, given as `eligible`), a note."""

    since = forms.DateField(
        label=_("设立日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("自此日所在周期起须按期填报。"),
    )
    reporters = ReporterChoice(
        label=_("填报员"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("可选多人，任一人填报即可。"),
    )
    note = TextField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, eligible, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("since", clock.today())
        super().__init__(*args, **kwargs)
        self.fields["reporters"].queryset = eligible


class PointCloseForm(forms.Form):
    until = forms.DateField(
        label=_("撤销日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("此日之后的周期不再要求填报；已有的填报全部保留。"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("until", clock.today())
        super().__init__(*args, **kwargs)
