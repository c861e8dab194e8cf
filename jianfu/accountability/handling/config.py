"""The runtime settings of the commission's handling (group "business")."""

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

YELLOW_DAYS = "accountability.handling.yellow_days"

runtime.define(
    SettingDef(
        YELLOW_DAYS,
        3,
        _("纪检处置时限：黄灯提前工作日数"),
        _(
            "法定办理时限（移送、告知举报人、函询回复、组织调整执行）剩余不超过此工作日数即显示黄灯。"
        ),
        "business",
        0,
        15,
    ),
)


def yellow_days() -> int:
    return int(runtime.get(YELLOW_DAYS))
