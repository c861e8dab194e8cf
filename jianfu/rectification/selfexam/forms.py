"""Forms of the negative-list and self-examination pages. They read what a person typed; the
services in services.py decide the rest, and their DomainErrors land on the fields named here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, scope
from jianfu.core.inputs import TextField
from jianfu.core.models import Unit, UnitKind

from ..models import NegativeList, NegativeListItem, Round
from . import services

# Units a round may be opened over: the levels that have units below them to answer.
SCOPE_KINDS = (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.DEPARTMENT)
# Kinds that may be asked to answer (the city or province itself never answers its own round).
ANSWERING_KINDS = [
    (v, label) for v, label in UnitKind.choices if v not in (UnitKind.PROVINCE, UnitKind.CITY)
]


def _field_of(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


class NegativeListForm(forms.Form):
    title = TextField(
        label=_("清单名称"),
        max_length=_field_of(NegativeList, "title"),
        widget=forms.TextInput(attrs={"placeholder": _("如：形式主义、官僚主义问题负面清单")}),
    )
    issued_by = TextField(
        label=_("印发机关"),
        max_length=_field_of(NegativeList, "issued_by"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：省委办公厅")}),
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year


class NegativeListCopyForm(forms.Form):
    year = forms.IntegerField(label=_("新版本年度"), min_value=2000, max_value=2100)
    title = TextField(
        label=_("新版本名称"),
        max_length=_field_of(NegativeList, "title"),
        required=False,
        help_text=_("不填则沿用原清单名称。新版本是草稿，复制了原清单的全部事项，可以再修改。"),
    )

    def __init__(self, *args, source: NegativeList, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = max(clock.today().year, source.year)
        self.fields["title"].initial = source.title


class ItemForm(forms.Form):
    number = TextField(label=_("序号"), max_length=_field_of(NegativeListItem, "number"))
    category = TextField(
        label=_("类别"),
        max_length=_field_of(NegativeListItem, "category"),
        help_text=_("同一类别的事项在清单中排在一起。"),
    )
    title = TextField(
        label=_("表现形式"),
        max_length=_field_of(NegativeListItem, "title"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    explanation = TextField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundForm(forms.Form):
    title = TextField(label=_("自查名称"), max_length=_field_of(Round, "title"))
    negative_list = forms.ModelChoiceField(
        label=_("对照的负面清单"),
        queryset=NegativeList.objects.none(),
        empty_label=None,
        help_text=_("只能选择已发布的清单。"),
    )
    scope_unit = forms.ChoiceField(
        label=_("自查范围"), help_text=_("该单位及其下级中所选类型的单位参加自查。")
    )
    unit_kinds = forms.MultipleChoiceField(
        label=_("参加单位类型"),
        choices=ANSWERING_KINDS,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        s = scope.scope_of(user)
        published = NegativeList.objects.filter(published_at__isnull=False)
        self.fields["negative_list"].queryset = published
        latest = published.first()
        if latest is not None:
            self.fields["negative_list"].initial = latest.pk
        units = (
            Unit.objects.filter(s.units_q())
            .filter(kind__in=SCOPE_KINDS, valid_until__isnull=True)
            .order_by("path")
            .values_list("pk", "name", "depth")
        )
        home_depth = user.home_unit.depth if getattr(user, "home_unit", None) else 1
        self.fields["scope_unit"].choices = [
            (pk, "\u3000" * max(depth - home_depth, 0) + name) for pk, name, depth in units
        ]
        self.fields["scope_unit"].initial = s.unit_id
        self.fields["unit_kinds"].initial = [str(k) for k in services.DEFAULT_KINDS]
        self.fields["title"].initial = _("%(y)s年度对照负面清单自查") % {"y": clock.today().year}
