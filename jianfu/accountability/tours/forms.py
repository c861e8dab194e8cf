"""Forms of the tours' pages. They read what a person typed; the services check it (dates in
order, targets in scope, a finding's unit among the tour's targets) and their DomainErrors land on
the fields named here, with what the person typed kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField
from jianfu.core.models import Unit, UnitKind
from jianfu.rectification.problems.forms import StyledForm

from ..clues.models import ClueCategory
from .models import TourStatus

BLANK = [("", "—")]


def target_choices(scope_q) -> list[tuple[int, str]]:
    """Counties and departments (of the city and the counties) in scope: who a tour visits."""
    return list(
        Unit.objects.filter(scope_q, valid_until__isnull=True)
        .filter(kind__in=[UnitKind.COUNTY, UnitKind.DEPARTMENT, UnitKind.COUNTY_DEPARTMENT])
        .order_by("path")
        .values_list("pk", "name")
    )


class Put:
    FIELDS = {"target_ids": "targets", "unit_id": "unit"}

    def put_error(self, error) -> None:
        field = self.FIELDS.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


class TourForm(Put, StyledForm):
    name = TextField(label=_("巡察名称"), max_length=120)
    round = forms.IntegerField(label=_("巡察轮次"), min_value=1, max_value=99)
    leader = TextField(label=_("巡察组组长"), max_length=100, help_text=_("姓名、职务"))
    members = TextField(
        label=_("巡察组成员"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名、职务"),
    )
    starts_on = forms.DateField(label=_("进驻日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("状态"), choices=TourStatus.choices)
    targets = forms.TypedMultipleChoiceField(
        label=_("被巡察单位"),
        coerce=int,
        choices=(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = list(targets)

    def data_for_service(self) -> dict:
        d = dict(self.cleaned_data)
        d["target_ids"] = d.pop("targets")
        return d


class FindingForm(Put, StyledForm):
    unit = forms.TypedChoiceField(label=_("被巡察单位"), coerce=int, choices=())
    category = forms.ChoiceField(label=_("问题类别"), choices=BLANK + ClueCategory.choices)
    text = TextField(label=_("发现问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    found_on = forms.DateField(label=_("发现日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = BLANK + list(targets)

    def data_for_service(self) -> dict:
        d = dict(self.cleaned_data)
        d["unit_id"] = d.pop("unit")
        return d
