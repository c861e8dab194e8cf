"""The review's forms. Numbers are read as text so that the service's sentence (naming the field
and the value: negative, over 100, not a number) is what the person sees, beside what they typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField
from jianfu.core.models import Unit
from jianfu.rectification.problems.forms import UnitChoice

from .models import TargetKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label, help_text=""):
    return TextField(
        label=label,
        required=False,
        max_length=24,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=TargetKind.choices)
    name = TextField(label=_("名称"), max_length=120)
    target_value = _number(_("年度目标值"), _("没有数值的重点工作留空，按完成进度填报。"))
    measure = TextField(label=_("计量单位"), required=False, max_length=20)
    done_value = _number(_("累计完成值"))
    percent = _number(_("完成进度（%）"), _("0—100，仅用于没有年度目标值的工作。"))
    note = TextField(label=_("进展说明"), required=False, max_length=500)

    def __init__(self, *args, principal, perm: str, **kwargs):
        super().__init__(*args, **kwargs)
        # A select for a city's few dozen units; a code-or-name box for a province's 35,000,
        # whose select alone was two megabytes of page.
        self.units = UnitChoice(principal, perm)
        if isinstance(unit := self.initial.get("unit"), Unit):
            self.units.keep(unit)  # the unit of a record being edited, though it closed since
            self.initial["unit"] = self.units.initial(unit)
        self.fields["unit"] = self.units.field(_("责任单位"))
        self.order_fields(["unit"])

    def clean_unit(self):
        return self.units.resolve(self.cleaned_data.get("unit"))


class ProgressForm(forms.Form):
    done_value = _number(_("累计完成值"))
    percent = _number(_("完成进度（%）"), _("0—100"))
    note = TextField(label=_("进展说明"), required=False, max_length=500)

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        if target is not None and target.has_number:
            del self.fields["percent"]
            if target.measure:
                self.fields["done_value"].label = _("累计完成值（%(m)s）") % {"m": target.measure}
        elif target is not None:
            del self.fields["done_value"]


class DateForm(forms.Form):
    stock_date = forms.DateField(label=_("回头看截止日期"), widget=DATE)
    note = TextField(label=_("说明"), required=False, max_length=200)
