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
