"""Forms of the office's monitoring pages: designating and changing a sample point, closing it."""

from django import forms
from django.core.validators import RegexValidator
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


class ReportFilterForm(forms.Form):
    """The filters of the report list: sample points (any number, by id: a signal's evidence names
    the points it compared), a county's points, and a range of months. Points and the county must
    be in the reader's scope."""

    county = forms.IntegerField(label=_("县（市、区）"), required=False, widget=forms.HiddenInput)
    period_from = TextField(
        label=_("起始月份"),
        required=False,
        max_length=7,
        validators=[RegexValidator(r"^\d{4}-\d{2}$", _("起始月份应写成“2025-03”这样的年月。"))],
        widget=forms.TextInput(attrs={"placeholder": "2025-01", "inputmode": "numeric"}),
    )
    period_to = TextField(
        label=_("截止月份"),
        required=False,
        max_length=7,
        validators=[RegexValidator(r"^\d{4}-\d{2}$", _("截止月份应写成“2025-03”这样的年月。"))],
        widget=forms.TextInput(attrs={"placeholder": "2025-12", "inputmode": "numeric"}),
    )

    def __init__(self, data, *, visible_points, visible_units):
        super().__init__(data)
        self.raw_points = [p.strip() for p in data.getlist("point") if p.strip()][:200]
        self.visible_points = visible_points
        self.visible_units = visible_units
        self.points = []
        self.county_unit = None

    def _month(self, name: str) -> str:
        from jianfu.core import periods

        value = self.cleaned_data.get(name) or ""
        if not value:
            return ""
        try:
            periods.parse(value)
        except ValueError:
            self.add_error(name, _("月份“%(v)s”无效。") % {"v": value})
            return ""
        return value

    def clean(self):
        d = super().clean()
        first, last = self._month("period_from"), self._month("period_to")
        if first and last and last < first:
            self.add_error(
                "period_to",
                _("截止月份（%(to)s）不能早于起始月份（%(first)s）。")
                % {"to": last, "first": first},
            )
        bad = [p for p in self.raw_points if not p.isdigit()]
        ids = sorted({int(p) for p in self.raw_points if p.isdigit()})
        found = {p.pk: p for p in self.visible_points.filter(pk__in=ids).select_related("unit")}
        missing = bad + [str(i) for i in ids if i not in found]
        if missing:
            self.add_error(
                None,
                _("样本点 %(ids)s 不存在或不在您的范围内。") % {"ids": "、".join(missing[:5])},
            )
        self.points = [found[i] for i in ids if i in found]
        if d.get("county"):
            self.county_unit = self.visible_units.filter(pk=d["county"]).first()
            if self.county_unit is None:
                self.add_error(
                    None,
                    _("县（市、区）“%(v)s”不存在或不在您的范围内。") % {"v": d["county"]},
                )
        d["period_from"], d["period_to"] = first, last
        return d
