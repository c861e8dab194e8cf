"""The key projects' forms. Amounts are read as text so that the service's sentence (naming the
field and the value: negative, not a number) is what the person sees."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField
from jianfu.core.models import Unit
from jianfu.rectification.problems.forms import UnitChoice

from .models import ProjectCategory, ProjectStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _amount(label, required=True):
    return TextField(
        label=label,
        required=required,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ProjectForm(forms.Form):
    category = forms.ModelChoiceField(ProjectCategory.objects.all(), label=_("类别"))
    name = TextField(label=_("项目名称"), max_length=120)
    location = TextField(label=_("建设地点"), max_length=120)
    total_investment = _amount(_("计划总投资（万元）"), required=False)
    planned_start = forms.DateField(label=_("计划开工日期"), required=False, widget=DATE)
    note = TextField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

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


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=ProjectStatus.choices)


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("开工日期"), widget=DATE)
    note = TextField(label=_("说明"), required=False, max_length=200)


class MoneyForm(forms.Form):
    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    planned = _amount(_("计划投资（万元）"))
    arrived = _amount(_("到位资金（万元）"))


class MilestoneForm(forms.Form):
    name = TextField(label=_("节点名称"), max_length=80)
    planned_on = forms.DateField(label=_("计划完成日期"), widget=DATE)


class MilestoneDoneForm(forms.Form):
    done_on = forms.DateField(label=_("实际完成日期"), required=False, widget=DATE)


class DealForm(forms.Form):
    investor = TextField(label=_("投资方"), required=False, max_length=120)
    signed_on = forms.DateField(label=_("签约日期"), widget=DATE)
    amount_signed = _amount(_("签约金额（万元）"))
    amount_arrived = _amount(_("到位金额（万元）"), required=False)
    arrival_note = TextField(label=_("到位说明"), required=False, max_length=200)


class ArrivalForm(forms.Form):
    amount_arrived = _amount(_("到位金额（万元）"))
    arrival_note = TextField(
        label=_("到位说明"),
        required=False,
        max_length=200,
        help_text=_("到位金额超过签约金额时必填（如追加投资、合同变更）。"),
    )
