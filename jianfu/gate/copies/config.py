"""The runtime settings of copy-through (group "business")."""

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

SHARE = "gate.copies.share"
MIN_DOCUMENTS = "gate.copies.min_documents"

runtime.define(
    SettingDef(
        SHARE,
        70,
        _("照抄照搬：照抄比例（%）"),
        _(
            "一件文件的正文有此比例以上的文字（连续 12 字以上的段落）见于另一件文件，"
            "即视为照抄照搬。"
        ),
        "business",
        30,
        100,
    ),
    SettingDef(
        MIN_DOCUMENTS,
        2,
        _("照抄照搬：一年内照抄上级文件的件数"),
        _("一个单位一年内登记的文件中，照抄上级先发文件达到此件数即预警（单独一件可能是转发）。"),
        "business",
        1,
        50,
    ),
)


def share() -> float:
    return float(runtime.get(SHARE))
