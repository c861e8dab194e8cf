"""Forms of the administrators' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core import permissions
from jianfu.core.inputs import TextField
from jianfu.core.models import UnitKind
from jianfu.core.permissions import CATALOGUE, Role


class UnitCodeField(TextField):
    """A unit chosen by its code; the view resolves it within the account's scope."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


class UnitForm(forms.Form):
    code = TextField(label=_("单位代码"), max_length=32)
    name = TextField(label=_("名称"), max_length=100)
    short_name = TextField(label=_("简称"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    parent_code = UnitCodeField(label=_("上级单位代码"))


class UnitCloseForm(forms.Form):
    valid_until = forms.DateField(
        label=_("撤销日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    successor_code = UnitCodeField(
        label=_("承继单位代码"),
        required=False,
        help_text=_("同比数据将延续到承继单位；没有可不填。"),
    )


class AccountForm(forms.Form):
    username = TextField(label=_("用户名"), max_length=150)
    full_name = TextField(label=_("姓名"), max_length=50, required=False)
    phone = TextField(label=_("联系电话"), max_length=30, required=False)
    unit_code = UnitCodeField(label=_("所在单位代码"))
    valid_until = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("过了这一天账户不能再登录，夜间任务将其停用；长期有效可不填。"),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    action = forms.ChoiceField(choices=[("grant", _("授予")), ("revoke", _("收回"))])


class TokenForm(forms.Form):
    name = TextField(label=_("名称"), max_length=100, help_text=_("例如：某县 OA 系统"))
    unit_code = UnitCodeField(label=_("绑定单位代码"))
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    expires_at = forms.DateField(
        label=_("到期日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [
            (c, _("%(label)s（%(code)s）") % {"label": CATALOGUE[c], "code": c})
            for c in sorted(permissions.TOKEN_GRANTABLE)
        ]


class AuditFilterForm(forms.Form):
    actor = TextField(label=_("操作人"), required=False)
    code = TextField(label=_("事件代码"), required=False)
    object_type = TextField(label=_("对象类型"), required=False)
    object_id = TextField(label=_("对象编号"), required=False)
    since = forms.DateField(
        label=_("起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    failed_only = forms.BooleanField(label=_("仅失败事件"), required=False)
