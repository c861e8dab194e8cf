"""The review's runtime settings (group "business"): the lag margin and how the share of the year
gone is counted (calendar days, or working days on the Chinese calendar)."""

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

LAG_MARGIN = "supervision.review.lag_margin"
WORKING_DAYS = "supervision.review.working_days"

runtime.define(
    SettingDef(
        LAG_MARGIN,
        10.0,
        _("年中回头看：滞后容差（百分点）"),
        _(
            "单位完成进度低于时间进度超过此百分点，即列为滞后单位（“时间过半、任务过半”）；"
            "单项指标同样按此判断。"
        ),
        "business",
        0.0,
        50.0,
    ),
    SettingDef(
        WORKING_DAYS,
        False,
        _("年中回头看：时间进度按工作日计算"),
        _(
            "开启时，时间进度为截至回头看日期的工作日数占全年工作日数的比例（按节假日安排）；"
            "关闭时按日历天数计算。"
        ),
        "business",
    ),
)


def margin() -> float:
    return float(runtime.get(LAG_MARGIN))


def working_days() -> bool:
    return bool(runtime.get(WORKING_DAYS))
