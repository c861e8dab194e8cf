from django import forms
from django.utils.translation import gettext_lazy as _

from .inputs import TextField


class LoginForm(forms.Form):
    username = TextField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = TextField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = TextField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = TextField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "至少 8 个字符，包含大写字母、小写字母、数字、特殊字符中的至少三类，且不含用户名；"
            "不能是常见密码或其简单变形，不能与最近 5 次的密码相同。"
        ),
    )
    new_password2 = TextField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）。"))


class CodeForm(forms.Form):
    code = TextField(
        label=_("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
