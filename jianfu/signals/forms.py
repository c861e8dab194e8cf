from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import TextField


class ConfirmForm(forms.Form):
    note = TextField(
        label=_("确认说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可写明核实情况；确认后证据和阈值按现状固定。"),
    )


class DismissForm(forms.Form):
    reason = TextField(
        label=_("排除理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("排除预警须填写理由。")},
        help_text=_("例如：已核实为正常工作安排、数据登记有误已更正。"),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("排除预警须填写理由。"))
        return reason


class BulkForm(forms.Form):
    """One decision for the signals ticked in the inbox."""

    action = forms.ChoiceField(
        label=_("处理方式"),
        choices=[("dismiss", _("排除")), ("confirm", _("确认（列入问题清单）"))],
        error_messages={"required": _("请选择“确认”或“排除”。")},
    )
    text = TextField(
        label=_("理由或说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("排除须写明理由；确认时可写核实情况。同一理由记入每条预警。"),
    )

    def clean(self):
        d = super().clean()
        if d.get("action") == "dismiss" and not (d.get("text") or "").strip():
            self.add_error("text", _("排除预警须填写理由。"))
        return d
