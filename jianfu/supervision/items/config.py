"""The runtime settings of supervision items (group "business"): the default weights, the colours'
thresholds, the reminders' lead time and the points of the scoring."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

LEAD_WEIGHT = "supervision.lead_weight"
BLUE_DAYS = "supervision.blue_days"
PACE_MARGIN = "supervision.pace_margin"
REMIND_BEFORE = "supervision.remind_before_days"
DRIFT_DAYS = "supervision.drift_days"
HANDOVER_TIMES = "supervision.handover_times"

# Points per item and role: (kind, lead label, co label, default for the lead, for co-units).
POINT_KINDS = (
    ("on_time", _("督办计分（主办）：按期办结"), _("督办计分（协办）：按期办结"), 5.0, 2.0),
    ("late", _("督办计分（主办）：逾期办结"), _("督办计分（协办）：逾期办结"), -3.0, -1.0),
    ("returned", _("督办计分（主办）：每次被退回"), _("督办计分（协办）：每次被退回"), -2.0, -1.0),
    ("false", _("督办计分（主办）：虚假反馈"), _("督办计分（协办）：虚假反馈"), -10.0, -5.0),
)


def points_key(role: str, kind: str) -> str:
    return f"supervision.points.{role}.{kind}"


runtime.define(
    SettingDef(
        LEAD_WEIGHT,
        0.7,
        _("督办事项：主办单位权重"),
        _("事项总体进度中主办单位所占权重，协办单位平分其余部分；单个事项可另行设定。"),
        "business",
        0.1,
        1.0,
    ),
    SettingDef(
        BLUE_DAYS,
        3,
        _("督办事项：临期（蓝色）工作日数"),
        _("距办理时限不超过此天数（按事项的计日方式）仍未办结，标为蓝色。"),
        "business",
        1,
        30,
    ),
    SettingDef(
        PACE_MARGIN,
        10,
        _("督办事项：进度滞后（黄色）容差（百分点）"),
        _("时间进度超过完成进度达到此百分点，标为黄色（“时间过半、任务过半”）。"),
        "business",
        0,
        50,
    ),
    SettingDef(
        REMIND_BEFORE,
        2,
        _("督办事项：到期前提醒工作日数"),
        _("反馈日期或办理时限前此工作日数起自动提醒承办单位。"),
        "business",
        1,
        10,
    ),
    SettingDef(
        DRIFT_DAYS,
        20,
        _("督办事项：累计延期预警天数"),
        _("一个单位年内获批延期的工作日数累计达到此数即预警（时限漂移）。"),
        "business",
        1,
        250,
    ),
    SettingDef(
        HANDOVER_TIMES,
        2,
        _("督办事项：推诿预警次数"),
        _("同一事项在单位之间退回或改交达到此次数即预警（推诿）。"),
        "business",
        1,
        10,
    ),
)
for _key, _lead_label, _co_label, _lead, _co in POINT_KINDS:
    runtime.define(
        SettingDef(
            points_key("lead", _key),
            _lead,
            _lead_label,
            _("主办单位每个事项的加减分（负数为扣分）。"),
            "business",
            -100.0,
            100.0,
        ),
        SettingDef(
            points_key("co", _key),
            _co,
            _co_label,
            _("协办单位每个事项的加减分（负数为扣分）。"),
            "business",
            -100.0,
            100.0,
        ),
    )


def lead_weight() -> Decimal:
    return Decimal(str(runtime.get(LEAD_WEIGHT))).quantize(Decimal("0.0001"))


def points() -> dict[tuple[str, str], float]:
    keys = {(r, k[0]): points_key(r, k[0]) for r in ("lead", "co") for k in POINT_KINDS}
    values = runtime.get_many(keys.values())
    return {rk: float(values[key]) for rk, key in keys.items()}
