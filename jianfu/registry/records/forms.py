"""Forms of the registry pages. They read and check what a person typed; the services decide the
rest (whether a record counts, duplicates, dates in order) and their DomainErrors land on the
fields named here."""

import difflib
import re

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, inputs, scope
from jianfu.core.inputs import TextField
from jianfu.core.models import Unit

from .. import kinds
from ..models import (
    MAX_ATTENDEES,
    MAX_CHARACTERS,
    MAX_FORMS,
    MAX_PAGES,
    Document,
    DocumentKind,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Level,
    Meeting,
    MeetingForm,
    MeetingLevel,
)
from . import queries

SEPARATORS = re.compile(r"[、,，;；\s]+")
WITH_CODE = re.compile(r"^(?P<name>.*?)\s*[（(](?P<code>[^（()）]+)[）)]$")
SELECT_LIMIT = 200  # above this many units, a text box with suggestions replaces the select
UNIT_SELECT_LIMIT = 300  # the list filter's select of units with records


def unit_label(unit: Unit) -> str:
    return f"{unit.name}（{unit.code}）"


class UnitLookup:
    """Finds units typed by code, name, short name or "名称（代码）", within the principal's
    scope only: a unit outside it gets the same "not found" as one that does not exist."""

    def __init__(self, principal):
        self.scope = scope.scope_of(principal)

    def resolve(self, tokens: list[str]) -> tuple[list[Unit], list[str]]:
        units, errors = [], []
        wanted = set()
        for token in tokens:
            m = WITH_CODE.match(token)
            wanted.update({token, m["code"].strip()} if m else {token})
        found = list(
            Unit.objects.filter(self.scope.units_q()).filter(
                Q(code__in=wanted) | Q(name__in=wanted) | Q(short_name__in=wanted)
            )
        )
        by_code = {u.code: u for u in found}
        for token in tokens:
            m = WITH_CODE.match(token)
            if m and m["code"].strip() in by_code:
                units.append(by_code[m["code"].strip()])
                continue
            if token in by_code:
                units.append(by_code[token])
                continue
            named = [u for u in found if token in (u.name, u.short_name)]
            if len(named) == 1:
                units.append(named[0])
            elif named:
                errors.append(
                    _gettext("“%(t)s”有多个同名单位，请写明代码：%(c)s")
                    % {"t": token, "c": "、".join(unit_label(u) for u in named[:8])}
                )
            else:
                errors.append(self._not_found(token))
        return units, errors

    def _not_found(self, token: str) -> str:
        names = Unit.objects.filter(self.scope.units_q(), valid_until__isnull=True).values_list(
            "name", flat=True
        )[:5000]
        close = difflib.get_close_matches(token, list(names), n=3, cutoff=0.5)
        if close:
            return _gettext("在您的范围内找不到单位“%(t)s”。您是否要找：%(c)s？") % {
                "t": token,
                "c": "、".join(close),
            }
        return _gettext("在您的范围内找不到单位“%(t)s”。") % {"t": token}


class UnitField(TextField):
    """One unit in scope, typed (or picked) by code or name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)


class UnitsField(TextField):
    """Several units in scope, separated by 、"""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("例：甲县、乙县")}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        seen, tokens = set(), []
        for token in SEPARATORS.split(text or ""):
            if token and token not in seen:
                seen.add(token)
                tokens.append(token)
        return tokens


def _levels_field(label):
    return forms.MultipleChoiceField(
        label=label, choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def _time_input():
    # Input.__init__ pops "type" out of attrs; the shared field template reads it from attrs.
    widget = forms.TimeInput(format="%H:%M")
    widget.attrs["type"] = "time"
    return widget


def _count(label, maximum, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        initial=0,
        required=False,
        help_text=help_text,
    )


class RecordForm(forms.Form):
    """What the three registry forms share: the unit (defaulting to the person's home unit,
    fixed once the record exists) and the co-units (co-issuers or targets)."""

    model = None
    co_field: str | None = None
    fields_order: tuple[str, ...] = ()

    def __init__(self, data=None, *, principal, instance=None, issuers=None):
        self.principal, self.instance = principal, instance
        self.issuers = issuers if issuers is not None else queries.issuer_units(principal)
        # A short list is a select; a long one a text box with suggestions (a datalist).
        self.use_select = len(self.issuers) <= SELECT_LIMIT and instance is None
        initial = self._initial(instance) if instance else self._defaults(principal)
        super().__init__(data, initial=initial)
        self.unit, self.co_units = None, []
        field = self.fields["unit"]
        if self.use_select:
            field.widget = forms.Select(
                choices=[("", "")]
                + [(u.code, "　" * max(0, u.depth - 1) + u.name) for u in self.issuers]
            )
        else:
            field.widget.attrs.update({"autocomplete": "off", "placeholder": _("单位名称或代码")})
        if instance is not None:
            field.disabled = True
            field.required = False
            field.help_text = _("登记后不能改单位；如登记错了单位，请删除后重新登记。")
        if self.fields_order:
            self.order_fields(self.fields_order)

    def _defaults(self, principal) -> dict:
        unit = getattr(principal, "home_unit", None)
        if unit is None:
            return {"unit": ""}
        if self.use_select:
            return {"unit": unit.code}
        shared = Unit.objects.filter(name=unit.name).exclude(pk=unit.pk).exists()
        return {"unit": unit_label(unit) if shared else unit.name}

    def _initial(self, obj) -> dict:
        initial = {n: getattr(obj, n) for n in self.base_fields if hasattr(obj, n)}
        initial["unit"] = unit_label(obj.unit)
        if self.co_field:
            co = list(getattr(obj, self.co_field).order_by("path"))
            shared = set(
                Unit.objects.filter(name__in=[u.name for u in co])
                .values("name")
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .values_list("name", flat=True)
            )
            initial[self.co_field] = "、".join(
                unit_label(u) if u.name in shared else u.name for u in co
            )
        return initial

    def clean(self):
        data = super().clean()
        lookup = UnitLookup(self.principal)
        if self.instance is not None:
            self.unit = self.instance.unit
        elif data.get("unit"):
            found, errors = lookup.resolve([data["unit"].strip()])
            if errors:
                self.add_error("unit", errors[0])
            else:
                self.unit = found[0]
        if self.co_field and data.get(self.co_field):
            found, errors = lookup.resolve(data[self.co_field])
            for error in errors:
                self.add_error(self.co_field, error)
            self.co_units = found
        return data

    def service_fields(self) -> dict:
        """The fields handed to services.record_create / record_update: text trimmed, an empty
        count is 0, several choices a list; the unit and the co-units travel on their own."""
        fields = {}
        for name, field in self.fields.items():
            if name in ("unit", self.co_field):
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, str):
                value = value.strip()
            elif isinstance(field, forms.MultipleChoiceField):
                value = list(value or [])
            elif isinstance(field, forms.IntegerField):
                value = value or 0
            fields[name] = value
        return fields


class DocumentRecordForm(RecordForm):
    model = Document
    co_field = "co_issuers"

    title = TextField(label=_("标题"), max_length=300)
    unit = UnitField(label=_("发文单位"))
    number = TextField(
        label=_("文号"),
        max_length=80,
        required=False,
        help_text=_("红头文件必填；白头文件、工作群通知可不填。"),
    )
    issued_on = _date(_("发文日期"))
    kind = forms.ChoiceField(label=_("文件类型"), choices=DocumentKind.choices)
    assigns_work = forms.BooleanField(
        label=_("向基层布置工作"),
        required=False,
        help_text=_("要求基层落实、报送、填表或参加活动的，请勾选。"),
    )
    addressed_levels = _levels_field(_("发至层级"))
    pages = _count(_("页数"), MAX_PAGES)
    characters = _count(_("字数"), MAX_CHARACTERS)
    co_issuers = UnitsField(
        label=_("联合发文单位"),
        help_text=_("联合发文时填写，单位名称或代码，多个用“、”分隔；只计入牵头单位。"),
    )
    full_text = TextField(
        label=_("正文（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def _defaults(self, principal) -> dict:
        return super()._defaults(principal) | {"issued_on": clock.today()}


class MeetingRecordForm(RecordForm):
    model = Meeting

    title = TextField(label=_("会议名称"), max_length=300)
    unit = UnitField(label=_("主办单位"))
    held_on = _date(_("会议日期"))
    starts_at = forms.TimeField(label=_("开始时间"), required=False, widget=_time_input())
    ends_at = forms.TimeField(label=_("结束时间"), required=False, widget=_time_input())
    level = forms.ChoiceField(label=_("会议层级"), choices=MeetingLevel.choices)
    form = forms.ChoiceField(label=_("会议形式"), choices=MeetingForm.choices)
    merged_with = forms.TypedChoiceField(
        label=_("并入的会议"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "合并召开（两会合一）时：本会议并入另一已登记的会议，请选择该会议（本会议不再计数）；"
            "本会议是主会议则不选。"
        ),
    )
    attend_levels = _levels_field(_("要求参会的层级"))
    grassroots_attendees = _count(_("基层参会人数"), MAX_ATTENDEES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = kwargs.get("instance")
        candidates = queries.merge_candidates(self.principal, exclude_pk=instance and instance.pk)
        choices = [("", "—")] + [
            (m.pk, f"{m.held_on:%Y-%m-%d} {m.title}（{m.unit.label}）") for m in candidates
        ]
        current = instance.merged_with if instance else None
        if current is not None and current.pk not in {m.pk for m in candidates}:
            choices.append((current.pk, f"{current.held_on:%Y-%m-%d} {current.title}"))
        self.fields["merged_with"].choices = choices

    def _defaults(self, principal) -> dict:
        return super()._defaults(principal) | {"held_on": clock.today()}

    def _initial(self, obj) -> dict:
        return super()._initial(obj) | {"merged_with": obj.merged_with_id}

    def clean(self):
        data = super().clean()
        merged = data.get("merged_with")
        if merged and self.unit is not None:
            allowed = scope.visible(
                Meeting.objects.all(), self.principal, perm="registry.record:view"
            )
            if not allowed.filter(pk=merged).exists():
                self.add_error("merged_with", _("找不到所选的会议。"))
        return data

    def service_fields(self) -> dict:
        fields = super().service_fields()
        merged = fields.pop("merged_with")
        # Only a meeting held as part of another (两会合一) points at it.
        fields["merged_with_id"] = merged if fields["form"] == MeetingForm.MERGED else None
        return fields


class InspectionRecordForm(RecordForm):
    model = Inspection
    co_field = "targets"

    title = TextField(label=_("名称"), max_length=300)
    unit = UnitField(label=_("组织单位"))
    kind = forms.ChoiceField(label=_("类别"), choices=InspectionKind.choices)
    method = forms.ChoiceField(label=_("方式"), choices=InspectionMethod.choices)
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))
    in_plan = forms.BooleanField(label=_("列入年度计划"), required=False, initial=True)
    forms_demanded = _count(
        _("要求报送表格材料数"), MAX_FORMS, _("要求被检查单位填报的表格、提供的材料份数。")
    )
    targets = UnitsField(label=_("被检查单位"), help_text=_("单位名称或代码，多个用“、”分隔。"))

    def _defaults(self, principal) -> dict:
        today = clock.today()
        return super()._defaults(principal) | {
            "starts_on": today,
            "ends_on": today,
            "in_plan": True,
        }


# --- List filters -------------------------------------------------------------------------------

YES_NO = [("", _("不限")), ("1", _("是")), ("0", _("否"))]
MONTHS = [("", "—")] + [(str(m), _("%(m)s月") % {"m": m}) for m in range(1, 13)]


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class RecordFilterForm(forms.Form):
    """The list's filters. A first visit (no parameters at all) shows the current year."""

    unit = forms.ChoiceField(label=_("单位"), required=False)
    unit_name = TextField(label=_("单位"), required=False, max_length=100)
    subtree = forms.BooleanField(label=_("含下级单位"), required=False)
    departments = forms.BooleanField(label=_("含县直部门"), required=False)
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    month_from = forms.TypedChoiceField(
        label=_("起始月"), choices=MONTHS, required=False, coerce=int, empty_value=None
    )
    month_to = forms.TypedChoiceField(
        label=_("截止月"), choices=MONTHS, required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=_("类型"), required=False)
    form = forms.ChoiceField(label=_("会议形式"), required=False)
    level = forms.ChoiceField(label=_("会议层级"), required=False)
    method = forms.ChoiceField(label=_("方式"), required=False)
    counted = _yes_no(_("计入指标"))
    grassroots = _yes_no(_("涉及基层"))
    in_plan = _yes_no(_("列入年度计划"))
    q = TextField(label=_("标题或文号"), required=False, max_length=100)
    sort = forms.ChoiceField(
        choices=[("-date", _("日期从新到旧")), ("date", _("日期从旧到新"))],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, data, *, model, units: list[Unit], years: list[int], principal=None):
        data = data.copy()
        if "year" not in data:
            # The form always sends "year" (empty for every year); a first visit or a bare
            # ?page= link shows the current year.
            data["year"] = str(clock.today().year)
        super().__init__(data)
        self.model = model
        every = [("", _("全部"))]
        many = len(units) > UNIT_SELECT_LIMIT
        units = list(units)
        # A link may name any unit in scope (a signal's evidence: a unit with no records of this
        # kind, or one beyond the select's limit): it is offered, so the filter holds and shows.
        asked = _named_unit(data.get("unit"), principal, units)
        if many and asked is None:
            del self.fields["unit"]
            self.fields["unit_name"].widget.attrs["placeholder"] = _("单位名称或代码")
        else:
            if many:
                units = [asked]
                self.fields["unit_name"].widget.attrs["placeholder"] = _("单位名称或代码")
            else:
                del self.fields["unit_name"]
                if asked is not None and asked not in units:
                    units = sorted([*units, asked], key=lambda u: u.path)
            self.fields["unit"].choices = every + [
                (str(u.pk), "　" * max(0, u.depth - 1) + u.name) for u in units
            ]
            self.fields["unit"].error_messages["invalid_choice"] = _(
                "单位“%(value)s”不存在或不在您的范围内。"
            )
        # Only years within the plausible range (core.inputs): a record dated 9999 before the
        # range was enforced does not put 9999 on the list. A year a link asks for is offered
        # when plausible (a signal's evidence of a year with no records yet).
        this_year, plausible = clock.today().year, set(inputs.year_range())
        asked_year = str(data.get("year") or "")
        extra = {int(asked_year)} if asked_year.isdigit() and len(asked_year) == 4 else set()
        offered = ((set(years) | {this_year + 1} | extra) & plausible) | {this_year}
        all_years = sorted(offered, reverse=True)
        self.fields["year"].choices = [("", _("全部年度"))] + [(str(y), str(y)) for y in all_years]
        for name in ("month_from", "month_to"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "月份“%(value)s”无效，应为 1 至 12。"
            )
        self.fields["year"].error_messages["invalid_choice"] = _("年度“%(value)s”无效。")
        self._kind_filters(kinds.by_model(model), every)
        self.units = {str(u.pk): u for u in units}

    def _kind_filters(self, k: kinds.Kind, every: list) -> None:
        """Keep the kind's own filters (kinds.Kind.filters, yes_no_filters), with the model
        field's choices and then the groups; drop the other kinds'."""
        own = {cf.name for cf in k.filters} | set(k.yes_no_filters)
        for name in KIND_FILTERS - own:
            del self.fields[name]
        for cf in k.filters:
            field = self.fields[cf.name]
            field.choices = (
                every
                + list(k.model._meta.get_field(cf.name).choices)
                + [(g.code, g.label) for g in cf.groups]
            )
            if cf.label is not None:
                field.label = cf.label
        self.fields["q"].label = k.search_label

    def clean(self):
        d = super().clean()
        first, last = d.get("month_from"), d.get("month_to")
        if first and last and last < first:
            self.add_error(
                "month_to",
                _("截止月（%(to)s月）不能早于起始月（%(first)s月）。")
                % {"to": last, "first": first},
            )
        return d

    def filters(self) -> queries.RecordFilter | None:
        """The filters asked for; None when they are not valid (the list then shows the error
        and no rows, never every record as if nothing had been asked)."""
        if not self.is_valid():
            return None
        d = self.cleaned_data
        f = queries.RecordFilter(
            unit=self.units.get(d.get("unit") or ""),
            subtree=bool(d.get("subtree")),
            departments=bool(d.get("departments")),
            unit_name=(d.get("unit_name") or "").strip(),
            year=d.get("year"),
            month_from=d.get("month_from"),
            month_to=d.get("month_to"),
            counted=d.get("counted"),
            grassroots=d.get("grassroots"),
            in_plan=d.get("in_plan"),
            q=(d.get("q") or "").strip(),
            sort=d.get("sort") or "-date",
        )
        for name in ("kind", "form", "level", "method"):
            setattr(f, name, d.get(name) or "")
        return f


# The filters some kinds have and others not (kinds.Kind.filters and yes_no_filters).
KIND_FILTERS = frozenset({"kind", "form", "level", "method", "in_plan"})


def _named_unit(value, principal, units: list[Unit]) -> Unit | None:
    """The unit a request names by id, when it is in the principal's scope."""
    if not value or not str(value).isdigit():
        return None
    found = next((u for u in units if str(u.pk) == str(value)), None)
    if found is not None or principal is None:
        return found
    s = scope.require(principal, "registry.record:view")
    return (
        Unit.objects.filter(s.units_q(), pk=int(value))
        .only("pk", "code", "name", "short_name", "depth", "path")
        .first()
    )
