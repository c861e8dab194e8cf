"""Forms of the quota pages: one cell of the quota table, and quotas set from last year's actual
figures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Category

UNIT_GROUPS = [
    ("county", _("全部县（市、区）")),
    ("department", _("全部市直单位")),
    ("both", _("县（市、区）和市直单位")),
]


class QuotaBulkForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("all", _("三类全部"))] + Category.choices
    )
    units = forms.ChoiceField(label=_("单位范围"), choices=UNIT_GROUPS, initial="both")
    cut_pct = forms.DecimalField(
        label=_("压减比例（%）"),
        min_value=0,
        max_value=99,
        decimal_places=1,
        initial=30,
        help_text=_("中央要求压减 30%–50%。新指标 = 上年实际计入数 ×（1 − 比例），向下取整。"),
    )


class QuotaCellForm(forms.Form):
    unit = forms.IntegerField()
    year = forms.IntegerField(min_value=2000, max_value=2100)
    category = forms.ChoiceField(choices=Category.choices)
    limit = forms.IntegerField(label=_("指标"), min_value=0, max_value=1_000_000)
