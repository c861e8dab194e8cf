"""Forms of the problem and ledger pages. They read and check what a person typed; the services
decide the rest (scope, dates in order, transitions, versions) and their DomainErrors land on the
fields named here.

Widgets carry their Bootstrap classes (and `is-invalid` once a field has an error), so the
templates render each field with `{{ field }}` and keep what Django gives for free: option groups
(the negative-list items, grouped by list), multiple file inputs, radio buttons.
"""

import datetime as dt
from collections import Counter

from django import forms
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, inputs, parsing, scope, workdays
from jianfu.core.inputs import TextField
from jianfu.core.models import GRASSROOTS_KINDS, Unit

from ..models import Measure, MeasureKind, Problem, Severity, Source
from . import queries

SELECT_LIMIT = 300  # above this many units in scope, a text box (code or name) replaces the select
CREATE = "rectification.problem:create"
EDIT = "rectification.ledger:edit"
VERIFY = "rectification.measure:verify"

# A problem from a confirmed signal is made by confirming the signal, never by hand.
MANUAL_SOURCES = [(v, label) for v, label in Source.choices if v != Source.SIGNAL]


class BoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        return attrs


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def files_field(label=None):
    """The views read every selected file from request.FILES; the field only renders the input."""
    return forms.FileField(
        label=label or _("证明材料"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
        help_text=_("可选，可多选：PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 图片。"),
    )


def _style(field: forms.Field) -> None:
    w = field.widget
    if w.is_hidden:
        return
    if isinstance(w, forms.RadioSelect | forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(w, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    classes = w.attrs.get("class", "").split()
    if css not in classes:
        w.attrs["class"] = " ".join([*classes, css])


class StyledForm(forms.Form):
    bound_field_class = BoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.restyle()

    def restyle(self) -> None:
        """Bootstrap classes on every widget (again after a field is replaced)."""
        for field in self.fields.values():
            _style(field)

    def put_error(self, error) -> None:
        """A service's DomainError on its field, or on top of the form."""
        field = {
            "responsible_unit_id": "responsible_unit",
            "verifier_id": "verifier",
            "file": "files",
        }.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


def _date(label, **kwargs):
    # <input type="date"> takes ISO dates only, whatever the language's own date format.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, **kwargs)


def _unit_label(unit: Unit) -> str:
    return "　" * max(0, unit.depth - 1) + unit.name


SUGGESTED = 3000  # the most units a text box suggests (a province has about 2,300 above townships)


class UnitChoice:
    """One unit of the principal's scope: a select for a small tree, else a text box taking a
    unit code or name (a name shared by several units asks for the code), suggesting the units
    above the townships (the thousands of villages, schools and enterprises are typed)."""

    def __init__(self, principal, perm: str):
        self.qs = queries.scope_units(principal, perm=perm)
        units = list(self.qs[: SELECT_LIMIT + 1])
        self.units = units if len(units) <= SELECT_LIMIT else None

    def keep(self, unit: Unit) -> None:
        """A unit already chosen stays a choice (say it closed since, and left the list)."""
        if self.units is not None and all(u.pk != unit.pk for u in self.units):
            self.units.append(unit)

    def suggestions(self) -> list[tuple[str, str]]:
        """(what to type, shown beside it): the name, or the code where the name is shared."""
        if not hasattr(self, "_suggestions"):
            rows = list(
                self.qs.filter(valid_until__isnull=True)
                .exclude(kind__in=GRASSROOTS_KINDS)
                .values_list("code", "name")[:SUGGESTED]
            )
            names = Counter(name for _code, name in rows)
            self._suggestions = [
                (
                    name if names[name] == 1 else code,
                    f"{name}（{code}）" if names[name] > 1 else code,
                )
                for code, name in rows
            ]
        return self._suggestions

    def field(self, label, **kwargs) -> forms.Field:
        if self.units is not None:
            choices = [("", "")] + [(str(u.pk), _unit_label(u)) for u in self.units]
            kwargs.setdefault("error_messages", {"invalid_choice": _("请选择您范围内的单位。")})
            return forms.ChoiceField(label=label, choices=choices, **kwargs)
        kwargs.setdefault("help_text", _("填写单位代码或名称。"))
        kwargs.setdefault("widget", DatalistInput(self.suggestions))
        return TextField(label=label, max_length=120, **kwargs)

    def several(self, label, **kwargs) -> forms.Field:
        """Several units: a multiple select for a small tree, else a text box of names or codes
        separated by 、 with the suggestions (resolve_several reads it)."""
        if self.units is not None:
            return forms.MultipleChoiceField(
                label=label,
                choices=[(str(u.pk), u.name) for u in self.units],
                widget=forms.SelectMultiple(attrs={"size": 6}),
                help_text=_("可多选（按住 Ctrl 点选）。"),
                error_messages={"invalid_choice": _("请选择您范围内的单位。")},
                **kwargs,
            )
        return TextField(
            label=label,
            max_length=4000,
            widget=DatalistInput(self.suggestions, several=True),
            help_text=_("填写单位代码或名称，多个用顿号（、）分隔，输入时有提示。"),
            **kwargs,
        )

    def resolve_several(self, value) -> list[str]:
        """The units of several(): their ids, as the multiple select gives them."""
        if self.units is not None:
            return list(value or [])
        out, errors = [], []
        for token in parsing.split_list(value or ""):
            try:
                out.append(str(self.resolve(token).pk))
            except forms.ValidationError as e:
                errors.append(f"{token}：{e.messages[0]}")
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(out))

    def initial(self, unit: Unit | None):
        if unit is None:
            return ""
        if self.units is not None:
            return str(unit.pk)
        # The text box reads best with the unit's name; its code only where the name is shared.
        shared = self.qs.filter(name=unit.name).exclude(pk=unit.pk).exists()
        return unit.code if shared else unit.name

    def resolve(self, value) -> Unit:
        value = (value or "").strip()
        if self.units is not None:
            found = [u for u in self.units if str(u.pk) == value]
        else:
            found = list(self.qs.filter(Q(code=value) | Q(name=value) | Q(short_name=value))[:9])
            exact = [u for u in found if u.code == value]
            found = exact or found
        if len(found) == 1:
            return found[0]
        if found:
            raise forms.ValidationError(
                _gettext("有多个同名单位，请填写单位代码：%(c)s")
                % {"c": "、".join(f"{u.name}（{u.code}）" for u in found)}
            )
        raise forms.ValidationError(_gettext("请选择您范围内的单位。"))


class DatalistInput(forms.TextInput):
    """A text box with a <datalist> of suggestions (a long list of people or units: the browser
    filters as one types; without the list the box still takes a name). `options` may be a
    function, called only when the box is drawn. `several`: a box of several names separated by
    、, whose suggestions jianfu.js offers for the name being typed."""

    def __init__(self, options, attrs=None, several=False):
        super().__init__(attrs)
        self.options = options
        self.several = several

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-list"
        options = self.options() if callable(self.options) else self.options
        options = format_html_join("", '<option value="{}">{}</option>', options)
        if self.several:
            box_id = (attrs or {}).get("id") or name
            box = super().render(name, value, {**(attrs or {}), "autocomplete": "off"}, renderer)
            return format_html(
                '{}<datalist id="{}" data-multi-for="{}">{}</datalist>',
                box,
                list_id,
                box_id,
                options,
            )
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


def _person(u) -> str:
    return u.full_name or u.username


class VerifierChoice:
    """Who the office may ask to verify: a select grouped by unit, or (above SELECT_LIMIT people)
    a text box with suggestions taking the account name. The one assigned now stays a choice."""

    def __init__(self, users, current=None):
        users = list(users)
        if current is not None and all(u.pk != current.pk for u in users):
            users.append(current)
        self.users = {str(u.pk): u for u in users}
        self.long = len(users) > SELECT_LIMIT

    def field(self) -> forms.Field:
        label = _("指定核验人")
        help_text = _("不指定时由市委办核验。被指定人不能是整改单位的人员。")
        if not self.long:
            groups: dict[str, list] = {}
            for pk, u in self.users.items():
                unit = u.home_unit.name if u.home_unit_id else "—"
                groups.setdefault(unit, []).append((pk, _person(u)))
            choices = [("", _("市委办（默认）")), *groups.items()]
            return forms.ChoiceField(
                label=label, required=False, choices=choices, help_text=help_text
            )
        options = [
            (u.username, f"{_person(u)}（{u.home_unit.name if u.home_unit_id else '—'}）")
            for u in self.users.values()
        ]
        return TextField(
            label=label,
            required=False,
            max_length=150,
            widget=DatalistInput(options),
            help_text=_("输入姓名或账号查找，填写账号；留空由市委办核验。"),
        )

    def initial(self, user) -> str:
        if user is None:
            return ""
        return user.username if self.long else str(user.pk)

    def resolve(self, value) -> int | None:
        value = (value or "").strip()
        if not value:
            return None
        if self.long:
            found = [u for u in self.users.values() if value in (u.username, _person(u))]
        else:
            found = [self.users[value]] if value in self.users else []
        if len(found) != 1:
            raise forms.ValidationError(_gettext("请从列表中选择核验人（可填写账号）。"))
        return found[0].pk


# --- Problems -----------------------------------------------------------------------------------


def item_choices(items) -> list:
    """The negative-list items as option groups, one per published list."""
    groups: dict[int, tuple[str, list]] = {}
    for item in items:
        nl = item.negative_list
        label = str(nl)
        groups.setdefault(nl.pk, (label, []))[1].append(
            (str(item.pk), f"{item.number}. 【{item.category}】{item.title}")
        )
    return [("", _("（不对应负面清单事项）"))] + list(groups.values())


class ProblemForm(StyledForm):
    unit = TextField(label=_("单位"))
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[("", "")] + MANUAL_SOURCES,
        error_messages={"required": _("请选择问题来源。")},
    )
    item = forms.ChoiceField(label=_("负面清单事项"), required=False)
    description = TextField(
        label=_("问题描述"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明什么问题、在哪里、多大范围，便于制定措施和核验。"),
    )
    severity = forms.TypedChoiceField(
        label=_("严重程度"),
        choices=Severity.choices,
        coerce=int,
        initial=Severity.MEDIUM,
        widget=forms.RadioSelect,
    )
    found_on = _date(_("发现日期"))
    # The version the page was read at (an edit only): the service refuses a stale one.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, principal, instance: Problem | None = None):
        self.instance = instance
        self.units = UnitChoice(principal, CREATE) if instance is None else None
        self.items = {str(i.pk): i for i in queries.published_items()}
        super().__init__(data, initial=self._initial(principal, instance))
        if instance is None:
            self.fields["unit"] = self.units.field(_("单位"))
            del self.fields["version"]
        else:
            # Where, how and when the problem was found stays as registered: shown, not sent.
            self.fields["unit"] = TextField(label=_("单位"), required=False)
            self.fields["source"].choices = Source.choices
            for name in ("unit", "source", "found_on"):
                self.fields[name].disabled = True
            self.fields["unit"].help_text = _("登记后不能改单位、来源和发现日期。")
            if instance.item_id and str(instance.item_id) not in self.items:
                # An item of a list no longer offered stays selectable on its problem.
                self.items[str(instance.item_id)] = instance.item
        self.fields["item"].choices = item_choices(self.items.values())
        self.order_fields(["unit", "source", "item", "description", "severity", "found_on"])
        self.unit = instance.unit if instance is not None else None
        self.restyle()

    def _initial(self, principal, instance):
        if instance is None:
            home = getattr(principal, "home_unit", None)
            return {"unit": self.units.initial(home), "found_on": clock.today()}
        return {
            "unit": instance.unit.name,
            "source": instance.source,
            "item": str(instance.item_id or ""),
            "description": instance.description,
            "severity": instance.severity,
            "found_on": instance.found_on,
            "version": instance.version,
        }

    def clean_unit(self):
        if self.instance is None:
            self.unit = self.units.resolve(self.cleaned_data.get("unit"))
        return self.cleaned_data.get("unit")

    def clean_found_on(self):
        # The service refuses a future date; a year like 0026 or 1026 is a typo too.
        day = self.cleaned_data.get("found_on")
        if day is not None and self.instance is None:
            problem = inputs.date_problem(day, _gettext("发现日期"))
            if problem:
                raise forms.ValidationError(problem)
        return day

    def clean_item(self):
        value = self.cleaned_data.get("item") or ""
        return self.items.get(value) if value else None


# --- Measures -----------------------------------------------------------------------------------

DEADLINE_MODES = [("date", _("指定日期")), ("workdays", _("按工作日数计算"))]
YEARS = (2000, 2099)


class MeasureForm(StyledForm):
    content = TextField(
        label=_("整改措施"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=MeasureKind.choices,
        initial=MeasureKind.IMMEDIATE,
        widget=forms.RadioSelect,
        help_text=_("立行立改：马上能改的；长效机制：须建立制度、久久为功的，到期回头看。"),
    )
    responsible_unit = TextField(label=_("责任单位"))
    responsible_person = TextField(label=_("责任人"), max_length=50)
    deadline_mode = forms.ChoiceField(
        label=_("计算方式"),
        choices=DEADLINE_MODES,
        initial="date",
        widget=forms.RadioSelect,
    )
    deadline = _date(_("完成日期"), required=False)
    working_days = forms.IntegerField(
        label=_("工作日数"),
        min_value=1,
        max_value=750,
        required=False,
        help_text=_("按国家法定节假日和调休安排计算，不含起算日当天。"),
    )
    deadline_from = _date(_("起算日期"), required=False)
    mechanism = TextField(
        label=_("长效机制"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("建立的制度机制：名称、文号或主要内容。长效机制类措施提交核验前须填写。"),
    )
    review_on = _date(
        _("回头看日期"),
        required=False,
        help_text=_("长效机制类措施必填，不早于完成时限。"),
    )
    verifier = forms.ChoiceField(
        label=_("指定核验人"),
        required=False,
        help_text=_("不指定时由市委办核验。被指定人不能是整改单位的人员。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, principal, problem: Problem, instance: Measure | None = None):
        self.problem, self.instance, self.principal = problem, instance, principal
        self.units = UnitChoice(principal, EDIT)
        if instance is not None:
            self.units.keep(instance.responsible_unit)
        super().__init__(data, initial=self._initial(instance))
        self.fields["responsible_unit"] = self.units.field(_("责任单位"))
        self.can_assign = scope.can(principal, VERIFY)
        if self.can_assign:
            current = instance.verifier if instance and instance.verifier_id else None
            own = instance.responsible_unit_id if instance else None
            self.verifiers = VerifierChoice(
                queries.verifier_candidates(principal, problem, own), current
            )
            self.fields["verifier"] = self.verifiers.field()
            self.initial["verifier"] = self.verifiers.initial(current)
        else:
            del self.fields["verifier"]
        if instance is None:
            del self.fields["version"]
        self.responsible_unit = None
        self.restyle()

    def _initial(self, m: Measure | None) -> dict:
        if m is None:
            return {
                "responsible_unit": self.units.initial(self.problem.unit),
                "deadline_from": clock.today(),
                "deadline_mode": "date",
                "kind": MeasureKind.IMMEDIATE,
            }
        return {
            "content": m.content,
            "kind": m.kind,
            "responsible_unit": self.units.initial(m.responsible_unit),
            "responsible_person": m.responsible_person,
            "deadline_mode": "workdays" if m.working_days else "date",
            "deadline": m.deadline,
            "working_days": m.working_days,
            "deadline_from": m.deadline_from or clock.today(),
            "mechanism": m.mechanism,
            "review_on": m.review_on,
            "version": m.version,
        }

    def _plausible(self, name: str) -> dt.date | None:
        # Counting working days walks the calendar day by day: a typo like 9026 must not.
        day = self.cleaned_data.get(name)
        if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
            raise forms.ValidationError(
                _gettext("请填写 %(a)s–%(b)s 年之间的日期。") % {"a": YEARS[0], "b": YEARS[1]}
            )
        return day

    def clean_deadline(self):
        return self._plausible("deadline")

    def clean_deadline_from(self):
        return self._plausible("deadline_from")

    def clean_review_on(self):
        return self._plausible("review_on")

    def clean_responsible_unit(self):
        value = self.cleaned_data.get("responsible_unit")
        self.responsible_unit = self.units.resolve(value)
        return value

    def clean_verifier(self):
        return self.verifiers.resolve(self.cleaned_data.get("verifier"))

    def clean(self):
        data = super().clean()
        if data.get("deadline_mode") == "workdays":
            if not data.get("working_days") and "working_days" not in self.errors:
                self.add_error("working_days", _gettext("请填写工作日数。"))
        elif not data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", _gettext("请填写完成日期。"))
        return data

    def by_workdays(self) -> bool:
        return self.cleaned_data.get("deadline_mode") == "workdays"

    def service_data(self) -> dict:
        d = self.cleaned_data
        workdays_mode = self.by_workdays()
        if self.can_assign:
            verifier_id = d.get("verifier")
        else:
            # Only the office assigns a verifier; anyone else keeps the one assigned.
            verifier_id = self.instance.verifier_id if self.instance else None
        return {
            "content": d["content"],
            "kind": d["kind"],
            "responsible_unit_id": self.responsible_unit.pk if self.responsible_unit else None,
            "responsible_person": d["responsible_person"],
            "deadline": None if workdays_mode else d.get("deadline"),
            "working_days": d.get("working_days") if workdays_mode else None,
            "deadline_from": (d.get("deadline_from") or clock.today()) if workdays_mode else None,
            "mechanism": d.get("mechanism") or "",
            "review_on": d.get("review_on"),
            "verifier_id": verifier_id,
        }


def deadline_preview(working_days, start: dt.date | None) -> workdays.DeadlineNote | None:
    """The date N working days after `start` (today when empty), with the warning for years whose
    holidays nobody has entered; None for a count out of range."""
    try:
        n = int(working_days)
    except (TypeError, ValueError):
        return None
    start = start or clock.today()
    if not 1 <= n <= 750 or not YEARS[0] <= start.year <= YEARS[1]:
        return None
    return workdays.deadline_note(start, n)


# --- Actions on a measure -----------------------------------------------------------------------

HELD_CHOICES = [("yes", _("成效巩固，未反弹")), ("no", _("问题反弹，重新整改"))]
NOTE_LABELS = {
    "start": _("说明"),
    "progress": _("整改进展"),
    "submit": _("完成情况"),
    "verify": _("核验意见"),
    "return": _("退回理由"),
    "review": _("回头看情况"),
}
# The services' own sentences, so a blank note reads the same from the form as from the API.
NOTE_REQUIRED = {
    "progress": _("请填写整改进展。"),
    "submit": _("请填写完成情况。"),
    "return": _("退回须写明理由。"),
}


class ActionForm(StyledForm):
    note = TextField(
        label=_("说明"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    held = forms.ChoiceField(
        label=_("整改成效"), choices=HELD_CHOICES, required=False, widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    # A relapse at the review: the new deadline and review date (the service requires them).
    deadline_mode = forms.ChoiceField(
        label=_("新的完成时限"),
        choices=DEADLINE_MODES,
        initial="date",
        required=False,
        widget=forms.RadioSelect,
        help_text=_("问题反弹时必填：重新整改的完成时限。"),
    )
    deadline = _date(_("完成日期"), required=False)
    working_days = forms.IntegerField(
        label=_("工作日数（自今天起）"),
        min_value=1,
        max_value=750,
        required=False,
        help_text=_("按国家法定节假日和调休安排计算，不含今天。"),
    )
    review_on = _date(
        _("新的回头看日期"),
        required=False,
        help_text=_("不填则按原来的间隔：新完成时限之后相同天数。"),
    )
    files = files_field()

    RELAPSE_FIELDS = ("deadline_mode", "deadline", "working_days", "review_on")

    def __init__(self, data=None, *, measure: Measure, action: str, files=None):
        self.action = action
        super().__init__(
            data,
            files,
            initial={"version": measure.version, "deadline_mode": "date"},
            auto_id=f"m{measure.pk}-{action}-%s",
        )
        self.fields["note"].label = NOTE_LABELS[action]
        if action in NOTE_REQUIRED:
            self.fields["note"].required = True
            self.fields["note"].error_messages["required"] = NOTE_REQUIRED[action]
        if action != "review":
            for name in ("held", *self.RELAPSE_FIELDS):
                del self.fields[name]
        if action == "return":
            self.fields["note"].help_text = _(
                "写明需要补充或改正什么；需要证明材料的，说明要什么材料。"
            )

    def clean_version(self):
        # The version the person read is checked by the service, not here.
        return self.cleaned_data.get("version")

    def held_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("held") or "")

    def clean_deadline(self):
        day = self.cleaned_data.get("deadline")
        if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
            raise forms.ValidationError(
                _gettext("请填写 %(a)s–%(b)s 年之间的日期。") % {"a": YEARS[0], "b": YEARS[1]}
            )
        return day

    clean_review_on = clean_deadline

    def relapse_values(self) -> dict:
        """The new deadline (a date, or working days from today) and review date, for a review
        that found a relapse; nothing otherwise."""
        d = self.cleaned_data
        if self.action != "review" or self.held_value() is not False:
            return {}
        by_workdays = d.get("deadline_mode") == "workdays"
        return {
            "deadline": None if by_workdays else d.get("deadline"),
            "working_days": d.get("working_days") if by_workdays else None,
            "review_on": d.get("review_on"),
        }


class AssignVerifierForm(StyledForm):
    """The office names (or changes) who verifies one measure."""

    verifier = TextField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, measure: Measure, candidates):
        self.choice = VerifierChoice(candidates, measure.verifier if measure.verifier_id else None)
        current = measure.verifier if measure.verifier_id else None
        super().__init__(
            data,
            initial={"version": measure.version, "verifier": self.choice.initial(current)},
            auto_id=f"m{measure.pk}-verifier-%s",
        )
        self.fields["verifier"] = self.choice.field()
        self.restyle()

    def clean_verifier(self):
        return self.choice.resolve(self.cleaned_data.get("verifier"))


class AttachmentForm(StyledForm):
    measure = forms.ChoiceField(label=_("所属整改措施"), required=False)
    note = TextField(label=_("说明"), max_length=2000, required=False)
    files = files_field(_("文件"))

    def __init__(self, data=None, files=None, *, measures):
        super().__init__(data, files, auto_id="att-%s")
        self.measures = {str(m.pk): m for m in measures}
        self.fields["measure"].choices = [("", _("问题本身"))] + [
            (pk, m.content[:40]) for pk, m in self.measures.items()
        ]
        self.fields["files"].help_text = _(
            "可多选：PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 图片。"
        )

    def measure_value(self) -> Measure | None:
        return self.measures.get(self.cleaned_data.get("measure") or "")


# A signal becomes a problem by being confirmed, never by a file.
IMPORT_SOURCES = [(v, label) for v, label in Source.choices if v != Source.SIGNAL]


class LedgerImportForm(forms.Form):
    """The ledger import's upload: the file, and the source its problems are recorded under."""

    source = forms.ChoiceField(
        label=_("问题来源"),
        choices=IMPORT_SOURCES,
        initial=Source.SELF_EXAM,
        help_text=_("文件中所有问题都记为这一来源。"),
    )
    file = forms.FileField(
        label=_("台账文件"),
        help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
