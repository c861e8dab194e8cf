"""The clue ledger's runtime settings (group "business": the office and the commission tune them
on the settings page)."""

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

# The permissions of the clue ledger (registered by setup.py), here so that both the writes and
# the reads can name them without importing each other.
VIEW = "accountability.clue:view"
MANAGE = "accountability.clue:manage"
INFORMANT = "accountability.clue:informant"
REFERRED = "accountability.clue:referred"
CREATE = "accountability.clue:create"

CLUSTER_JACCARD = "accountability.clues.cluster_jaccard"
PUBLIC_LIMIT = "accountability.clues.public_limit"
PUBLIC_WINDOW = "accountability.clues.public_window_minutes"
ESCALATE_RULES = "accountability.clues.escalate_rules"
ESCALATE_DAYS = "accountability.clues.escalate_after_days"

# How many of a unit's open clues a new one is compared with (newest first).
CLUSTER_CANDIDATES = 300


def _rule_list(value: str) -> None:
    for code in [c.strip() for c in value.split(",") if c.strip()]:
        if not code.replace("_", "").isalnum():
            raise ValueError(_("规则代码只能含字母、数字和下划线，多个用英文逗号分隔。"))


runtime.define(
    # 3-character shingles: two people telling the same story about one unit in their own words
    # share most of its names, places and figures (Jaccard about 0.5–0.8), while two different
    # complaints about the same unit share only its name and stock phrases (below 0.2).
    SettingDef(
        CLUSTER_JACCARD,
        0.5,
        _("问题线索并案的相似度阈值"),
        _(
            "同一被反映单位的新线索与未办结线索的文字相似度（三字片段的 Jaccard 系数）达到此值即"
            "并入同一线索组，一并处置，各来源保留。"
        ),
        "business",
        0.2,
        1.0,
    ),
    SettingDef(
        PUBLIC_LIMIT,
        5,
        _("网上举报每个地址的提交上限"),
        _("同一网络地址在下述时间窗内最多提交的举报件数，超过的提交被拒绝（HTTP 429）。"),
        "security",
        1,
        1000,
    ),
    SettingDef(
        PUBLIC_WINDOW,
        60,
        _("网上举报限流时间窗（分钟）"),
        _("计算同一网络地址提交件数的时间窗长度。"),
        "security",
        1,
        1440,
    ),
    SettingDef(
        ESCALATE_RULES,
        "rect_relapse,rect_returned",
        _("升级为问题线索的预警规则"),
        _("这些规则的预警持续未处理时，每晚自动转为问题线索（规则代码，英文逗号分隔）。"),
        "business",
        check=_rule_list,
    ),
    SettingDef(
        ESCALATE_DAYS,
        14,
        _("预警持续多少天后升级为问题线索"),
        _("上述规则的预警自首次发现起仍未处理满此天数，每晚自动转为问题线索。"),
        "business",
        0,
        365,
    ),
)
