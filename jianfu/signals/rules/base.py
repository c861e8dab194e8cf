"""What every rule shares: the finding it returns, its description, and the small helpers for the
evidence (figures and monthly series) that the signal page shows.

Evidence is stored as keys and numbers, never as sentences: the page puts the labels on (in the
reader's language) from FIGURES and SERIES below.
"""

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from jianfu.registry.models import Category


@dataclass
class Finding:
    """One unit found by a rule for one period and subject."""

    unit_id: int
    period: str
    subject: str
    severity: int
    evidence: dict[str, Any]
    # Which of the rule's conditions hold; a change is written into the history.
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    # The rule in one sentence, with %(setting)s placeholders for the thresholds in force.
    sentence: str
    evaluate: Callable[[dt.date, list[int] | None, dict[str, Any]], list[Finding]]
    settings: tuple[str, ...]
    subjects: dict[str, str] = field(default_factory=dict)
    headline: Callable[[str, dict], str] = lambda subject, evidence: ""
    periods: Callable[[dt.date], list[str]] = lambda as_of: [year_period(as_of.year)]
    # Rules of one kind of intake run together: "quota" reads the registries.
    group: str = "quota"
    # A monthly rule whose finding may go on month after month: one signal per run of months
    # (ongoing.py), not one per month.
    ongoing: bool = False

    def describe(self, threshold: dict[str, Any]) -> str:
        values = {k.rsplit(".", 1)[-1]: _number(v) for k, v in threshold.items()}
        try:
            return str(self.sentence) % values
        except (KeyError, TypeError, ValueError):
            return str(self.sentence)


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def year_period(year: int) -> str:
    return str(year)


def compared_months(as_of: dt.date) -> int:
    """How many months of the year are compared with the same months last year: the complete
    months only (a month half gone would look like a fall), the as-of month when it is over."""
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month if as_of.day == last_day else as_of.month - 1


def year_periods_when_compared(as_of: dt.date) -> list[str]:
    """Year-on-year rules evaluate nothing before the first month of the year is complete."""
    return [year_period(as_of.year)] if compared_months(as_of) else []


def month_range(year: int, months: int) -> str:
    return f"{year}-01..{year}-{months:02d}"


# --- Evidence -----------------------------------------------------------------------------------

CATEGORY_LABELS = {c.value: c.label for c in Category}

# The labels of the figures a rule may put in its evidence.
FIGURES: dict[str, str] = {
    "limit": _("全年指标"),
    "used": _("已用"),
    "left": _("剩余"),
    "share_used": _("已用比例"),
    "share_year": _("时间进度"),
    "pace": _("使用进度与时间进度之比"),
    "early_used": _("前 %(m)s 个月已用"),
    "early_share": _("前 %(m)s 个月已用占全年指标"),
    "projected": _("预计全年用量"),
    "exhaustion": _("预计用尽日期"),
    "profile": _("预测依据"),
    "this_ytd": _("本年累计"),
    "last_ytd": _("上年同期"),
    "change": _("增加"),
    "change_pct": _("增幅"),
    "red_this": _("红头文件（本年）"),
    "red_last": _("红头文件（上年同期）"),
    "white_share_this": _("白头文件占比（本年）"),
    "white_share_last": _("白头文件占比（上年同期）"),
    "total_this": _("合计（本年）"),
    "total_last": _("合计（上年同期）"),
    "share_change": _("占比上升"),
    "on_site_this": _("实地督查检查（本年）"),
    "on_site_last": _("实地督查检查（上年同期）"),
    "remote_share_this": _("电话、书面材料方式占比（本年）"),
    "remote_share_last": _("电话、书面材料方式占比（上年同期）"),
    "in_person_this": _("非视频会议（本年）"),
    "in_person_last": _("非视频会议（上年同期）"),
    "video_share_this": _("要求基层参加的视频会议占比（本年）"),
    "video_share_last": _("要求基层参加的视频会议占比（上年同期）"),
    "count_this": _("计入指标的发文（本年）"),
    "count_last": _("计入指标的发文（上年同期）"),
    "pages_this": _("总页数（本年）"),
    "pages_last": _("总页数（上年同期）"),
    "pages_change_pct": _("总页数增幅"),
    "characters_this": _("总字数（本年）"),
    "characters_last": _("总字数（上年同期）"),
    "characters_change_pct": _("总字数增幅"),
    "out_of_plan": _("计划外督查检查考核"),
    "months": _("比较月份"),
    # The rectification ledger's signals (rules/rectification.py).
    "measure": _("整改措施"),
    "problem": _("问题"),
    "measure_kind": _("措施类型"),
    "deadline": _("完成时限"),
    "working_days": _("时限（工作日）"),
    "deadline_from": _("工作日起算日期"),
    "days_overdue": _("已逾期"),
    "workdays_overdue": _("已逾期（工作日）"),
    "measure_status": _("当前状态"),
    "responsible_unit": _("责任单位"),
    "responsible_person": _("责任人"),
    "returns": _("累计退回"),
    "return_n": _("第 %(n)s 次退回"),
    "relapses": _("反弹次数"),
    "long_term_measure": _("长效机制措施"),
    "mechanism": _("建立的制度机制"),
    "relapse_n": _("第 %(n)s 次回头看发现反弹"),
}

# The labels of the monthly series.
SERIES: dict[str, str] = {
    "counted": _("计入指标的数量"),
    "red_header": _("红头文件"),
    "white_header": _("白头文件（含通知、工作群）"),
    "on_site": _("实地督查检查"),
    "remote": _("电话、书面材料督查检查"),
    "in_person": _("非视频会议"),
    "video_grassroots": _("要求基层参加的视频会议"),
    "documents": _("计入指标的发文"),
    "pages": _("总页数"),
    "characters": _("总字数"),
    "out_of_plan": _("计划外督查检查考核"),
}

UNIT_SUFFIX = {
    "count": _("件"),
    "pct": "%",
    "pp": _("个百分点"),
    "pages": _("页"),
    "chars": _("字"),
    "days": _("天"),
    "workdays": _("个工作日"),
    "times": _("次"),
}

# Coded values a rule keeps in its figures, by the figure's unit: code → label. The page shows the
# label (in the reader's language); the rule module that stores the codes fills its entry.
CHOICES: dict[str, dict[str, str]] = {}


def figure(key: str, value, unit: str = "count") -> dict[str, Any]:
    if isinstance(value, float):
        value = round(value, 1)
    return {"key": key, "value": value, "unit": unit}


def series(key: str, rows: list[tuple[int, list[int]]], months: int = 12) -> dict[str, Any]:
    """A monthly series per year (the first row is this year), cut to the months compared."""
    return {
        "key": key,
        "months": months,
        "rows": [{"year": y, "values": list(v[:months])} for y, v in rows],
    }


def records(model: str, ids: list[int], total: int | None = None) -> dict[str, Any]:
    return {"model": model, "ids": ids, "count": len(ids) if total is None else total}


def share(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def pct_change(this: int, last: int) -> float | None:
    return (this - last) / last * 100 if last else None


def beyond_chance(part: int, whole: int, part_last: int, whole_last: int, z: float = 1.96) -> bool:
    """Has the share part/whole risen from part_last/whole_last by more than chance would move it
    (a one-sided two-proportion z-test at about 97.5%)? A few records make any share jump."""
    if not whole or not whole_last:
        return False
    pooled = (part + part_last) / (whole + whole_last)
    spread = (pooled * (1 - pooled) * (1 / whole + 1 / whole_last)) ** 0.5
    if spread == 0:
        return False
    return (part / whole - part_last / whole_last) / spread >= z


def chance(
    test: str,
    observed: float,
    expected: float,
    p: float,
    *,
    tested: int,
    q: float | None = None,
    unit: str = "count",
    support: int | None = None,
) -> dict[str, Any]:
    """What a statistical rule found, as the signal page shows it: the unit's figure, what chance
    alone would give (the expected value under the rule's null), the probability of a figure at
    least this far out by chance (p), the same after false-discovery control across the units
    tested in the run (q, Benjamini–Hochberg), how many were tested and on how many records.

    Kept in evidence["against_chance"] (truth_copies already keeps a bare p in "chance"); `test`
    is a key of TESTS (the sentence that names the test)."""
    out: dict[str, Any] = {
        "test": test,
        "observed": _number(round(float(observed), 2)),
        "expected": _number(round(float(expected), 2)),
        "unit": unit,
        "p": float(p),
        "tested": int(tested),
    }
    if q is not None:
        out["q"] = float(q)
    if support is not None:
        out["support"] = int(support)
    return out


# The statistical tests a rule may name in evidence["chance"]: key → one plain sentence.
TESTS: dict[str, str] = {}


def graded(value: float, threshold: float, base: int = 1) -> int:
    """Severity from how far past its threshold a value is: past it, twice it, four times it."""
    if threshold <= 0:
        return min(3, base + 1)
    ratio = value / threshold
    level = base + (ratio >= 2) + (ratio >= 4)
    return max(1, min(3, level))
