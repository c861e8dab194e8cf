"""Forms of the reporting pages: they read what a person typed; the services decide the rest,
and their DomainErrors land on the fields named here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField

from .models import RequirementKind


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


class RequirementForm(forms.Form):
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
    targets = forms.MultipleChoiceField(
        label=_("报送单位"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = [(str(u.pk), u.name) for u in units]


class ContactForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int)
    user = TextField(label=_("账户（登录名）"), max_length=150)
    since = forms.DateField(
        label=_("指定日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


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
