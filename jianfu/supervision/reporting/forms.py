"""Forms of the reporting pages: they read what a person typed; the services decide the rest,
and their DomainErrors land on the fields named here."""

import re

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import parsing
from jianfu.core.inputs import TextField
from jianfu.core.models import UnitKind

from .models import RequirementKind

WITH_CODE = re.compile(r"^(?P<name>.*?)\s*[（(](?P<code>[^（()）]+)[）)]$")


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    """Several optional files (the services check each by content)."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultiFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class SubmitForm(forms.Form):
    requirement = forms.TypedChoiceField(
        label=_("对应要求"), required=False, coerce=int, empty_value=None
    )
    title = TextField(label=_("标题"), max_length=200)
    text = TextField(label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    files = MultiFileField(
        label=_("附件（可不传）"),
        required=False,
        widget=MultiFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
        help_text=_("不要求附件；确有需要时可附 PDF、Word、Excel 或图片。"),
    )

    def __init__(self, *args, requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [("", _("日常报送（不对应具体要求）"))] + [
            (r.pk, r.title) for r in requirements
        ]


class UnitPick:
    """The designatable units of a page, read once as plain rows: the groups by kind, the
    suggestions of a text box (a <datalist>, so a province's 2,000-odd units cost the page one
    list rather than a widget each) and the resolution of what was typed there, by code, name,
    short name or "名称（代码）", within these units only."""

    def __init__(self, units):
        self.rows = list(units.values_list("pk", "code", "name", "short_name", "kind"))
        self.by_code = {code: pk for pk, code, _n, _s, _k in self.rows}
        self.by_name: dict[str, list[int]] = {}
        for pk, _code, name, short, _kind in self.rows:
            for n in {name, short} - {""}:
                self.by_name.setdefault(n, []).append(pk)
        self.label = {pk: f"{name}（{code}）" for pk, code, name, _s, _k in self.rows}

    def of_kind(self, kind: str) -> set[int]:
        return {pk for pk, _c, _n, _s, k in self.rows if k == kind}

    def datalist(self, list_id: str, **for_boxes) -> str:
        """Suggestions: the name, or "名称（代码）" where the name is shared; `data_for` /
        `data_multi_for` name the boxes jianfu.js attaches them to."""
        shared = {n for n, pks in self.by_name.items() if len(pks) > 1}
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            (
                (self.label[pk] if name in shared else name, code)
                for pk, code, name, _s, _k in self.rows
            ),
        )
        attrs = format_html_join(
            "", ' {}="{}"', ((key.replace("_", "-"), value) for key, value in for_boxes.items())
        )
        return format_html('<datalist id="{}"{}>{}</datalist>', list_id, attrs, options)

    def resolve(self, tokens) -> tuple[list[int], list[str]]:
        found, errors = [], []
        for token in tokens:
            m = WITH_CODE.match(token)
            if m and m["code"].strip() in self.by_code:
                found.append(self.by_code[m["code"].strip()])
            elif token in self.by_code:
                found.append(self.by_code[token])
            elif len(self.by_name.get(token, ())) == 1:
                found.append(self.by_name[token][0])
            elif token in self.by_name:
                errors.append(
                    _gettext("“%(t)s”有多个同名单位，请写明代码：%(c)s")
                    % {"t": token, "c": "、".join(self.label[pk] for pk in self.by_name[token][:8])}
                )
            else:
                errors.append(_gettext("在可选单位中找不到“%(t)s”。") % {"t": token})
        return found, errors


# The groups a requirement may be addressed to at once, besides the units with a contact.
GROUP_KINDS = (
    (UnitKind.COUNTY, _("全部县（市、区）")),
    (UnitKind.DEPARTMENT, _("全部市直单位")),
    (UnitKind.COUNTY_DEPARTMENT, _("全部县直部门")),
    (UnitKind.TOWNSHIP, _("全部乡镇（街道）")),
)
CONTACTS = "contacts"


class RequirementForm(forms.Form):
    """Who a requirement goes to is chosen by groups (the units with a contact, every county,
    every township …) and, beside them, units typed by name with suggestions: a province's units
    as one checkbox each would be a page of 2,000-odd boxes to scroll and a slow page to build."""

    kind = forms.ChoiceField(label=_("类型"), choices=RequirementKind.choices)
    title = TextField(label=_("标题"), max_length=200)
    topics = TextField(
        label=_("报送重点"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    period_type = forms.ChoiceField(
        label=_("报送周期（定期报送）"),
        choices=[("month", _("每月")), ("quarter", _("每季度"))],
        required=False,
    )
    quota = forms.IntegerField(label=_("每期篇数（定期报送）"), required=False, min_value=0)
    deadline = forms.DateField(
        label=_("截止日期（约稿）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    groups = forms.MultipleChoiceField(
        label=_("报送单位"), widget=forms.CheckboxSelectMultiple, required=False
    )
    units = TextField(
        label=_("另加单位"),
        required=False,
        max_length=20000,
        help_text=_("填写单位名称或代码，多个用顿号（、）分隔，输入时有提示；与上面勾选的合并。"),
    )
    # Unit ids, as a link or an earlier version of this form sends them.
    targets = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, units, contact_unit_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pick = UnitPick(units)
        self.group_ids = {CONTACTS: set(contact_unit_ids) & set(self.pick.label)}
        choices = []
        if self.group_ids[CONTACTS]:
            choices.append(
                (
                    CONTACTS,
                    _("已指定信息员的单位（%(n)s 个）") % {"n": len(self.group_ids[CONTACTS])},
                )
            )
        for kind, label in GROUP_KINDS:
            ids = self.pick.of_kind(kind)
            if ids:
                self.group_ids[kind] = ids
                choices.append((kind, _("%(g)s（%(n)s 个）") % {"g": label, "n": len(ids)}))
        self.fields["groups"].choices = choices
        self.fields["targets"].choices = [(str(pk), str(pk)) for pk in self.pick.label]

    def datalist(self) -> str:
        return self.pick.datalist("jf-requirement-units", data_multi_for="id_units")

    def clean(self):
        data = super().clean()
        ids: set[int] = set()
        for group in data.get("groups") or []:
            ids |= self.group_ids.get(group, set())
        found, errors = self.pick.resolve(parsing.split_list(data.get("units") or ""))
        for error in errors:
            self.add_error("units", error)
        ids.update(found)
        ids.update(int(pk) for pk in data.get("targets") or [])
        data["target_ids"] = sorted(ids)
        return data


SELECT_LIMIT = 300  # above this many designatable units, a text box with suggestions


class ContactForm(forms.Form):
    """The unit is a select for a city's few dozen units; for a province's thousands, a text box
    taking a name or code with the units as suggestions (a select of 2,000 options is both slow
    to build and hard to search)."""

    unit = forms.TypedChoiceField(label=_("单位"), coerce=int)
    user = TextField(label=_("账户（登录名）"), max_length=150)
    since = forms.DateField(
        label=_("指定日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.pick = UnitPick(units)
        if len(self.pick.rows) <= SELECT_LIMIT:
            self.fields["unit"].choices = [(pk, name) for pk, _c, name, _s, _k in self.pick.rows]
        else:
            self.fields["unit"] = TextField(
                label=_("单位"), max_length=120, help_text=_("填写单位名称或代码，输入时有提示。")
            )

    @property
    def long(self) -> bool:
        return not isinstance(self.fields["unit"], forms.TypedChoiceField)

    def datalist(self) -> str:
        return self.pick.datalist("jf-contact-units", data_for="id_unit") if self.long else ""

    def clean_unit(self):
        value = self.cleaned_data.get("unit")
        if not self.long:
            return value
        found, errors = self.pick.resolve([value.strip()] if value else [])
        if errors:
            raise forms.ValidationError(errors[0])
        return found[0]


class AdoptForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("采用层级"), coerce=int)
    adopted_on = forms.DateField(
        label=_("采用日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = TextField(label=_("刊发情况"), max_length=200, required=False)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(t.pk, f"{t.name}（{t.points}分）") for t in tiers]


class InstructionForm(forms.Form):
    leader = TextField(label=_("批示领导"), max_length=50)
    text = TextField(label=_("批示内容"), widget=forms.Textarea(attrs={"rows": 3}))
    given_on = forms.DateField(
        label=_("批示日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FalseForm(forms.Form):
    reason = TextField(
        label=_("虚假原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
