"""Impossible or inconsistent answers (填报前后矛盾).

The entry form refuses what cannot happen (a part above its whole, more hours than the month
holds), so a report that breaks it got in another way: a form version without that check, an
import, a correction by the office. Those are told apart from answers that can happen but seldom
do honestly:

Cannot happen (high):
- part_gt_whole: a part above its whole, by the report's own form version (part_of);
- hours_gt_period: meeting hours above the hours of the month; days_gt_period: days given to
  inspections above the days of the month; week_gt_168: the two hours-a-week answers above the
  168 hours of a week;
- hours_without_meetings: hours in meetings with no meeting attended; days_without_inspections:
  days spent on inspections with no inspection received;
- out_of_range: a negative number, or a burden score outside 1–5.

Can happen, seldom honestly (low):
- levels_sum_gt_whole: documents from the city, the county and the township add up to more than
  all documents received (each document comes from one level; a forwarded one may be counted at
  two, so this is a question to ask, not an error);
- hours_per_meeting: more than 8 hours per meeting on average (a setting);
- days_per_inspection: more than 5 working days per inspection on average (a setting);
- meetings_without_hours: meetings attended and no hours given.

One signal per report (point and month) lists what it breaks, with the answers involved.
"""

import datetime as dt

import numpy as np
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import periods as period_keys
from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

from . import truth_common as tc
from .base import FIGURES, Finding, Rule, figure

HOURS_PER_MEETING = "signals.truth.max_hours_per_meeting"
DAYS_PER_INSPECTION = "signals.truth.max_days_per_inspection"

runtime.define(
    SettingDef(
        HOURS_PER_MEETING,
        8.0,
        _("填报矛盾：每次会议平均小时数上限"),
        _("参会小时数超过会议次数乘以此数，提示核实（可能发生但少见）。"),
        "business",
        1.0,
        24.0,
    ),
    SettingDef(
        DAYS_PER_INSPECTION,
        5.0,
        _("填报矛盾：每次督查检查平均占用工作日上限"),
        _("迎检工作日超过督查检查次数乘以此数，提示核实（可能发生但少见）。"),
        "business",
        0.5,
        31.0,
    ),
)
SETTINGS = (HOURS_PER_MEETING, DAYS_PER_INSPECTION)

IMPOSSIBLE = (
    "part_gt_whole",
    "hours_gt_period",
    "days_gt_period",
    "week_gt_168",
    "hours_without_meetings",
    "days_without_inspections",
    "out_of_range",
)
UNLIKELY = (
    "levels_sum_gt_whole",
    "hours_per_meeting",
    "days_per_inspection",
    "meetings_without_hours",
)
CONDITIONS = {
    "part_gt_whole": _("分项大于总数"),
    "hours_gt_period": _("参会小时数超过本月小时数"),
    "days_gt_period": _("迎检工作日超过本月天数"),
    "week_gt_168": _("每周小时数合计超过 168"),
    "hours_without_meetings": _("没有参会却有参会小时数"),
    "days_without_inspections": _("没有督查检查却有迎检工作日"),
    "out_of_range": _("负数或评分超出 1–5"),
    "levels_sum_gt_whole": _("市、县、乡镇来文合计大于收文总数"),
    "hours_per_meeting": _("每次会议平均时长过长"),
    "days_per_inspection": _("每次督查检查平均占用工作日过多"),
    "meetings_without_hours": _("参加了会议却没有参会小时数"),
}
LEVELS = ("docs_city", "docs_county", "docs_township")

FIGURES.update(
    {
        "truth.hours_in_period": _("本月小时数"),
        "truth.days_in_period": _("本月天数"),
        "truth.levels_sum": _("市、县、乡镇来文合计"),
        "truth.hours_per_meeting": _("平均每次会议小时数"),
        "truth.days_per_inspection": _("平均每次督查检查占用工作日"),
        "truth.week_hours": _("每周两项小时数合计"),
    }
)


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    ts = np.array(list(data.window_t()))
    v = data.values[:, ts, :]  # (P, W, K)
    present = data.present[:, ts]
    days = np.array([period_keys.days_in(data.months[t]) for t in ts], dtype=float)[None, :]

    def col(key):
        return v[..., data.col(key)] if key in data.keys else np.full(v.shape[:2], np.nan)

    with np.errstate(invalid="ignore"):
        checks = _checks(data, ts, v, col, days, settings)
    hits = np.zeros(present.shape, dtype=bool)
    for mask in checks.values():
        hits |= mask & present
    ask = tc.wanted(unit_ids)
    findings = []
    for p, w in zip(*np.nonzero(hits), strict=True):
        if not ask(data.unit_ids[p]):
            continue
        found = [c for c in (*IMPOSSIBLE, *UNLIKELY) if checks[c][p, w]]
        t = int(ts[w])
        findings.append(_finding(data, p, t, found, v[p, w], days[0, w], settings))
    return findings


def _checks(data, ts, v, col, days, settings) -> dict[str, np.ndarray]:
    shape = v.shape[:2]
    out = {c: np.zeros(shape, dtype=bool) for c in (*IMPOSSIBLE, *UNLIKELY)}
    # Parts and wholes by each report's own form version.
    forms = data.form_ids[:, ts]
    for form_id, questions in data.forms.items():
        in_form = forms == form_id
        if not in_form.any():
            continue
        for q in questions:
            whole = q.get("part_of")
            if whole and q["key"] in data.keys and whole in data.keys:
                out["part_gt_whole"] |= in_form & (col(q["key"]) > col(whole))
    out["hours_gt_period"] = col("meetings_hours") > days * 24
    out["days_gt_period"] = col("inspection_days") > days
    week = np.nan_to_num(col("hours_burden_week")) + np.nan_to_num(col("hours_service_week"))
    out["week_gt_168"] = week > 168
    out["hours_without_meetings"] = (col("meetings_hours") > 0) & (col("meetings_total") == 0)
    out["days_without_inspections"] = (col("inspection_days") > 0) & (col("inspections_total") == 0)
    score = col("burden_score")
    out["out_of_range"] = (v < 0).any(axis=2) | (score < 1) | (score > 5)
    levels = sum(np.nan_to_num(col(k)) for k in LEVELS)
    out["levels_sum_gt_whole"] = levels > col("docs_total")
    per_meeting = float(settings[HOURS_PER_MEETING])
    per_inspection = float(settings[DAYS_PER_INSPECTION])
    out["hours_per_meeting"] = (col("meetings_total") > 0) & (
        col("meetings_hours") > col("meetings_total") * per_meeting
    )
    out["days_per_inspection"] = (col("inspections_total") > 0) & (
        col("inspection_days") > col("inspections_total") * per_inspection
    )
    out["meetings_without_hours"] = (col("meetings_total") > 0) & (col("meetings_hours") == 0)
    return out


INVOLVED = {
    "part_gt_whole": (),  # filled from the form
    "hours_gt_period": ("meetings_hours",),
    "days_gt_period": ("inspection_days",),
    "week_gt_168": ("hours_burden_week", "hours_service_week"),
    "hours_without_meetings": ("meetings_total", "meetings_hours"),
    "days_without_inspections": ("inspections_total", "inspection_days"),
    "out_of_range": ("burden_score",),
    "levels_sum_gt_whole": ("docs_total", *LEVELS),
    "hours_per_meeting": ("meetings_total", "meetings_hours"),
    "days_per_inspection": ("inspections_total", "inspection_days"),
    "meetings_without_hours": ("meetings_total", "meetings_hours"),
}


def _finding(data, p, t, found, row, days, settings) -> Finding:
    keys: list[str] = []
    form = data.forms.get(int(data.form_ids[p, t]), [])
    for c in found:
        if c == "part_gt_whole":
            for q in form:
                whole = q.get("part_of")
                if (
                    whole
                    and q["key"] in data.keys
                    and whole in data.keys
                    and row[data.col(q["key"])] > row[data.col(whole)]
                ):
                    keys += [whole, q["key"]]
        elif c == "out_of_range":
            keys += [k for k in data.keys if row[data.col(k)] < 0]
            keys += list(INVOLVED[c])
        else:
            keys += list(INVOLVED[c])
    keys = [k for k in dict.fromkeys(keys) if k in data.keys]
    figures = []
    for k in keys:
        unit = "h" if data.types[k] == "hours" else "n"
        figures.append(figure(f"{k}:value", tc.plain(row[data.col(k)]), unit))

    def val(k):
        return float(row[data.col(k)]) if k in data.keys else float("nan")

    if "hours_gt_period" in found:
        figures.append(figure("truth.hours_in_period", int(days * 24), "h"))
    if "days_gt_period" in found:
        figures.append(figure("truth.days_in_period", int(days), "n"))
    if "week_gt_168" in found:
        figures.append(
            figure("truth.week_hours", val("hours_burden_week") + val("hours_service_week"), "h")
        )
    if "levels_sum_gt_whole" in found:
        figures.append(figure("truth.levels_sum", int(sum(val(k) for k in LEVELS)), "n"))
    if "hours_per_meeting" in found:
        figures.append(
            figure("truth.hours_per_meeting", val("meetings_hours") / val("meetings_total"), "h")
        )
    if "days_per_inspection" in found:
        figures.append(
            figure(
                "truth.days_per_inspection",
                val("inspection_days") / val("inspections_total"),
                "n",
            )
        )
    impossible = any(c in IMPOSSIBLE for c in found)
    return Finding(
        unit_id=int(data.unit_ids[p]),
        period=data.months[t],
        subject="",
        severity=3 if impossible else 1,
        conditions=tuple(found),
        evidence={
            "conditions": found,
            "as_of": data.as_of.isoformat(),
            "report": int(data.report_ids[p, t]),
            "reports": [int(data.report_ids[p, t])],
            "point": int(data.point_ids[p]),
            "impossible": impossible,
            "figures": figures,
        },
    )


def headline(subject: str, evidence: dict) -> str:
    names = gettext("；").join(str(CONDITIONS.get(c, c)) for c in evidence.get("conditions", []))
    if evidence.get("impossible"):
        return gettext("不可能的填报：%(c)s") % {"c": names}
    return gettext("需核实的填报：%(c)s") % {"c": names}


RULE = Rule(
    code="truth_consistency",
    label=_("填报前后矛盾"),
    sentence=_(
        "不可能的填报（分项大于总数、小时数或天数超过本月、没有会议却有参会小时等）为高度预警；"
        "可能发生但少见的填报（各级来文合计大于总数、"
        "每次会议平均超过 %(max_hours_per_meeting)s 小时、"
        "每次督查检查平均占用超过 %(max_days_per_inspection)s 个工作日等）提示核实。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    headline=headline,
    periods=tc.window,
    group="truth",
    ongoing=True,
)
