"""The runtime settings of proposals through the gate (group "business"): the length caps."""

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

CAP = "gate.proposals.cap"
SPECIAL_CAP = "gate.proposals.special_cap"

runtime.define(
    SettingDef(
        CAP,
        5000,
        _("关口审核：文件篇幅上限（字）"),
        _("发文正文一般不超过此字数；超出的申请在审核页提示，已登记的超长发文预警。"),
        "business",
        500,
        100000,
    ),
    SettingDef(
        SPECIAL_CAP,
        4000,
        _("关口审核：专项任务文件篇幅上限（字）"),
        _("专项任务文件正文不超过此字数。"),
        "business",
        500,
        100000,
    ),
)


def cap(special_task: bool) -> int:
    """The length cap in characters for a document (a special task's is shorter)."""
    return int(runtime.get(SPECIAL_CAP if special_task else CAP))
