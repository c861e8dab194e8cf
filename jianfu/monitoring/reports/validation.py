"""Checking a report's answers against its form: each error names its question, in Chinese, and
nothing the reporter typed is dropped (the page and the API send the values back with the errors).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jianfu.core import inputs, periods

from ..models import ReportForm
from .questions import OPTIONAL_TYPES

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


def _number(raw, q: dict):
    if type(raw) is int:  # the phone sends whole numbers as JSON numbers (bool is no number)
        return _in_range(Decimal(raw), q)
    text = str(raw).strip().translate(_FULL_WIDTH)
    if text == "":
        return None, None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None, _("“%(v)s”不是数字，请填写数字。") % {"v": raw}
    if not value.is_finite():  # "NaN", "Infinity": Decimal reads them, comparisons refuse NaN
        return None, _("“%(v)s”不是数字，请填写数字。") % {"v": raw}
    return _in_range(value, q)


def _in_range(value: Decimal, q: dict):
    if value < 0:
        return None, _("不能为负数。")
    if q["type"] in ("int", "score") and value != value.to_integral_value():
        return None, _("请填写整数。")
    low, high = q.get("min", 0), q.get("max")
    if value < low or (high is not None and value > high):
        return None, _("须在 %(lo)s 到 %(hi)s 之间。") % {"lo": low, "hi": high}
    if q["type"] == "hours":
        return float(round(value, 1)), None
    return int(value), None


def clean(form: ReportForm, period: str, raw: dict) -> tuple[dict, dict[str, str]]:
    """(clean values, {question key: message}). Unknown keys are ignored."""
    values, errors = {}, {}
    for q in form.questions:
        key = q["key"]
        value = raw.get(key, "")
        if q["type"] in OPTIONAL_TYPES:
            text = str(value or "").strip()
            problem = inputs.text_problem(text, str(q["label"]), multiline=True)
            if problem:
                errors[key] = problem
            elif len(text) > q.get("max", 1000):
                errors[key] = _("不能超过 %(n)s 个字。") % {"n": q.get("max", 1000)}
            values[key] = text
            continue
        number, error = _number("" if value is None else value, q)
        if error:
            errors[key] = error
        elif number is None:
            errors[key] = _("请填写（没有请填 0）。")
        else:
            values[key] = number
    if not errors:
        errors.update(_consistency(form, period, values))
    return values, errors


def _consistency(form: ReportForm, period: str, values: dict) -> dict[str, str]:
    errors = {}
    for q in form.questions:
        whole = q.get("part_of")
        if whole and values.get(q["key"], 0) > values.get(whole, 0):
            label = form.question(whole)["label"]
            errors[q["key"]] = _("不能大于“%(whole)s”的 %(n)s。") % {
                "whole": _(label),
                "n": values.get(whole, 0),
            }
    hours_in_period = periods.days_in(period) * 24
    if values.get("meetings_hours", 0) > hours_in_period:
        errors["meetings_hours"] = _("本期只有 %(h)s 小时。") % {"h": hours_in_period}
    if values.get("inspection_days", 0) > periods.days_in(period):
        errors["inspection_days"] = _("本期只有 %(d)s 天。") % {"d": periods.days_in(period)}
    week = values.get("hours_burden_week", 0) + values.get("hours_service_week", 0)
    if week > 168:
        errors["hours_service_week"] = _("两项每周时间合计 %(h)s 小时，超过一周的 168 小时。") % {
            "h": f"{week:g}"
        }
    return errors
