"""Forms of the plans' pages. They read what a person typed; the services check it (an item's
fields by category, months not past) and their DomainErrors land on the fields named here, with
what the person typed kept."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField
from jianfu.core.models import Unit, UnitKind
from jianfu.rectification.problems.forms import StyledForm
from jianfu.registry.models import Category, DocumentKind, InspectionKind, MeetingLevel

from .models import ChangeAction, MeetingKind

MONTHS = [(m, _("%(m)s月") % {"m": m}) for m in range(1, 13)]
BLANK = [("", "—")]


def target_units(unit: Unit):
    """The units an inspection of `unit` may visit: those below it (but villages), and the
    counties and departments of the city (a city department inspects the counties)."""
    return (
        Unit.objects.filter(valid_until__isnull=True)
        .filter(
            Q(path__startswith=unit.path, depth__gt=unit.depth, depth__lte=unit.depth + 2)
            | Q(kind__in=[UnitKind.COUNTY, UnitKind.DEPARTMENT])
        )
        .exclude(pk=unit.pk)
        .exclude(kind=UnitKind.VILLAGE)
        .order_by("path")
    )


class Put:
    FIELDS = {"target_ids": "targets"}

    def put_error(self, error) -> None:
        field = self.FIELDS.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


class ItemForm(Put, StyledForm):
    category = forms.ChoiceField(label=_("类别"), choices=BLANK + Category.choices)
    title = TextField(label=_("名称"), max_length=300, required=False)
    count = forms.IntegerField(label=_("数量"), required=False, min_value=1, max_value=10_000)
    document_kind = forms.ChoiceField(
        label=_("文件类型"), choices=BLANK + DocumentKind.choices, required=False
    )
    meeting_kind = forms.ChoiceField(
        label=_("会议类型"), choices=BLANK + MeetingKind.choices, required=False
    )
    meeting_level = forms.ChoiceField(
        label=_("会议层级"), choices=BLANK + MeetingLevel.choices, required=False
    )
    inspection_kind = forms.ChoiceField(
        label=_("督查检查考核类别"), choices=BLANK + InspectionKind.choices, required=False
    )
    targets = forms.TypedMultipleChoiceField(
        label=_("检查对象"), coerce=int, required=False, choices=()
    )
    months = forms.TypedMultipleChoiceField(
        label=_("计划月份"),
        coerce=int,
        required=False,
        choices=MONTHS,
        widget=forms.CheckboxSelectMultiple,
    )
    note = TextField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = [(u.pk, u.name) for u in target_units(unit)]
        self.fields["targets"].help_text = _("督查检查考核填写；可多选。")
        self.fields["count"].help_text = _("发文、会议填写计划数量；督查检查考核每项一行。")

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["target_ids"] = d.pop("targets", []) or []
        return d


class ChangeForm(Put, StyledForm):
    action = forms.ChoiceField(label=_("调整方式"), choices=BLANK + ChangeAction.choices)
    month = forms.TypedChoiceField(label=_("调整月份"), coerce=int, choices=MONTHS)
    item = forms.TypedChoiceField(label=_("调整的计划事项"), coerce=int, required=False, choices=())
    new_months = forms.TypedMultipleChoiceField(
        label=_("调整后的月份"),
        coerce=int,
        required=False,
        choices=MONTHS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("调整月份时填写。"),
    )
    reason = TextField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = {"months": "new_months", "target_ids": "item"}

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = BLANK + [(i.pk, _label(i)) for i in items]


def _label(item) -> str:
    return f"{item.get_category_display()} · {item}"


class ReasonForm(StyledForm):
    reason = TextField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
