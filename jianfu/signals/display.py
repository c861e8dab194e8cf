"""How a signal's stored evidence reads on the page: labels on the keys, units on the numbers, the
monthly series as small tables with a bar chart (inline SVG: no script, no inline style, so the
strict Content-Security-Policy holds), the records that raised it, the thresholds in force."""

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from jianfu.core import runtime, scope
from jianfu.registry import kinds

from .models import Signal, SignalStatus
from .rules import RULES
from .rules.base import CHOICES, FIGURES, SERIES, TESTS, UNIT_SUFFIX
from .rules.truth_common import sci

RECORDS_SHOWN = 15
THIS_YEAR_FILL = "#a4161a"
LAST_YEAR_FILL = "#adb5bd"


def rule_label(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.label) if rule else code


def subject_label(code: str, subject: str) -> str:
    rule = RULES.get(code)
    if not subject:
        return ""
    return str(rule.subjects.get(subject, subject)) if rule else subject


def headline(signal: Signal, evidence: dict | None = None) -> str:
    rule = RULES.get(signal.rule)
    if rule is None:
        return ""
    return rule.headline(signal.subject, evidence if evidence is not None else signal.evidence)


def decorate(signals) -> list[Signal]:
    """Put the labels and the one-line finding on each row of a list."""
    rows = list(signals)
    for s in rows:
        s.rule_label = rule_label(s.rule)
        s.subject_label = subject_label(s.rule, s.subject)
        s.headline = headline(s)
        s.month_count = len((s.evidence or {}).get("months", []))
    return rows


def months(signal: Signal, evidence: dict, user) -> list[dict]:
    """An ongoing finding's months, newest first: each month's severity and finding, and the
    report it judged (for whoever may read reports)."""
    from .models import Severity

    rule = RULES.get(signal.rule)
    entries = evidence.get("months", [])
    if rule is None or len(entries) < 2:
        return []
    may_read = scope.can(user, "monitoring.report:view")
    rows = []
    for e in sorted(entries, key=lambda e: e.get("period", ""), reverse=True):
        point, period = e.get("point"), e.get("period", "")
        url = None
        if may_read and point:
            url = reverse("point_report", args=[point, period])
        rows.append(
            {
                "period": period,
                "severity": e.get("severity"),
                "severity_label": str(Severity(e["severity"]).label)
                if e.get("severity") in Severity.values
                else "—",
                "headline": rule.headline(signal.subject, e),
                "url": url,
            }
        )
    return rows


def shown(signal: Signal) -> tuple[dict, dict]:
    """The evidence and thresholds the page shows: as frozen at confirmation, or the latest."""
    if signal.status == SignalStatus.CONFIRMED and signal.frozen:
        return signal.frozen.get("evidence", {}), signal.frozen.get("threshold", {})
    return signal.evidence, signal.threshold


def format_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "pp":
        return _("%(v)s 个百分点") % {"v": f"{value:+.1f}"}
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "date":
        return str(value)
    if unit == "months":
        return _("1–%(m)s 月") % {"m": value}
    if unit in CHOICES:
        return str(CHOICES[unit].get(value, value))
    if unit == "dated":  # an event: its date and what was noted
        return "\u3000".join(x for x in (value.get("date"), value.get("text")) if x)
    if isinstance(value, float):
        value = f"{value:,.0f}" if unit == "count" else f"{value:,.1f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    suffix = UNIT_SUFFIX.get(unit, "")
    return f"{value} {suffix}".strip()


def figures(evidence: dict) -> list[tuple[str, str]]:
    out = []
    for f in evidence.get("figures", []):
        label = str(FIGURES.get(f["key"], f["key"]))
        if "%(m)s" in label:
            label = label % {"m": evidence.get("early_months", "")}
        elif f.get("args"):
            label = label % f["args"]
        out.append((label, format_value(f["value"], f.get("unit", "count"))))
    return out


def series_tables(evidence: dict) -> list[dict]:
    return [_table(s) for s in evidence.get("series", [])]


def _table(s: dict) -> dict:
    months = s.get("months", 12)
    rows = [
        {
            "year": r["year"],
            "cells": ["—" if v is None else v for v in r["values"][:months]],
            "total": sum(v for v in r["values"][:months] if v is not None),
        }
        for r in s.get("rows", [])
    ]
    return {
        "label": str(SERIES.get(s["key"], s["key"])),
        "months": list(range(1, months + 1)),
        "rows": rows,
        "chart": _chart(s.get("rows", []), months),
    }


def _chart(rows: list[dict], months: int) -> dict:
    """Grouped bars, this year first (red) and last year (grey), one group per month."""
    height, top, group = 80, 6, 64
    peak = max([v or 0 for r in rows for v in r["values"][:months]] + [1])
    width = months * group
    bar = (group - 8) / max(1, len(rows))
    bars = []
    for i, r in enumerate(rows):
        fill = THIS_YEAR_FILL if i == 0 else LAST_YEAR_FILL
        for m, v in enumerate(r["values"][:months]):
            h = (v or 0) / peak * (height - top)
            bars.append(
                {
                    "x": round(m * group + 4 + i * bar, 1),
                    "y": round(height - h, 1),
                    "w": round(bar - 1, 1),
                    "h": round(h, 1),
                    "fill": fill,
                    "title": _("%(y)s年%(m)s月：%(v)s") % {"y": r["year"], "m": m + 1, "v": v},
                }
            )
    legend = [
        {"year": r["year"], "fill": THIS_YEAR_FILL if i == 0 else LAST_YEAR_FILL}
        for i, r in enumerate(rows)
    ]
    labels = [{"x": m * group + group / 2, "text": m + 1} for m in range(months)]
    return {
        "width": width,
        "height": height + 18,
        "base": height,
        "bars": bars,
        "labels": labels,
        "legend": legend,
    }


def against_chance(evidence: dict) -> dict | None:
    """A statistical rule's finding set against chance, in words a reader can weigh: the unit's
    figure, what chance alone would give, how likely a figure this far out is by chance, and the
    same after allowing for how many units were tested at once."""
    c = evidence.get("against_chance")
    if not c:
        return None
    unit = c.get("unit", "count")
    rows = [
        (_("本单位"), _exact(c.get("observed"), unit)),
        (_("仅凭偶然应有"), _exact(c.get("expected"), unit)),
        (_("偶然出现的概率"), sci(c.get("p"))),
    ]
    if c.get("q") is not None:
        rows.append((_("对同时检验的全部对象校正后"), sci(c.get("q"))))
    rows.append((_("同一次检验的对象"), format_value(c.get("tested"), "n")))
    if c.get("support") is not None:
        rows.append((_("依据的记录"), format_value(c.get("support"), "n")))
    test = TESTS.get(c.get("test", ""))
    return {"test": str(test) if test else "", "rows": rows}


def _exact(value, unit: str) -> str:
    """An expected count keeps its decimal (10.4 documents, not 10): it is a rate, not a tally."""
    if isinstance(value, float) and not value.is_integer() and unit == "count":
        return f"{value:,.1f} {UNIT_SUFFIX['count']}"
    return format_value(value, unit)


def thresholds(threshold: dict) -> list[dict]:
    rows = []
    for key, value in threshold.items():
        d = runtime.DEFINITIONS.get(key)
        rows.append(
            {
                "label": str(d.label) if d else key,
                "help": str(d.help) if d else "",
                "value": value,
            }
        )
    return rows


def records(signal: Signal, evidence: dict, user) -> dict | None:
    """The registry records behind the signal (those in the user's scope), with links to their
    pages (links.py opens the whole list of them)."""
    ref = evidence.get("records")
    if ref and ref.get("model") == "rectification.problem":
        return _problem_records(ref, user)
    if not ref or not ref.get("ids") or not scope.can(user, "registry.record:view"):
        return None
    app_label, model_name = ref["model"].split(".")
    model = apps.get_model(app_label, model_name)
    ids = ref["ids"][:RECORDS_SHOWN]
    qs = scope.visible(model.objects.filter(pk__in=ids), user, perm="registry.record:view")
    k = kinds.of_model(model)
    date_field = k.date_field if k else None
    found = {o.pk: o for o in qs}
    link = _detail_url_name(model_name)
    rows = []
    for pk in ids:
        obj = found.get(pk)
        if obj is None:
            continue
        rows.append(
            {
                "pk": pk,
                "title": obj.title,
                "date": getattr(obj, date_field, None) if date_field else None,
                "detail": _record_detail(obj),
                "url": reverse(link, args=[pk]) if link else None,
            }
        )
    return {
        "label": str(model._meta.verbose_name),
        "rows": rows,
        "count": ref.get("count", len(ref["ids"])),
        "shown": len(rows),
    }


def _record_detail(obj) -> str:
    if hasattr(obj, "number"):
        return " ".join(x for x in (obj.number, str(obj.get_kind_display())) if x)
    if hasattr(obj, "method"):
        return f"{obj.get_kind_display()} · {obj.get_method_display()}"
    if hasattr(obj, "form"):
        return str(obj.get_form_display())
    return ""


def _detail_url_name(model_name: str) -> str | None:
    for name in (f"{model_name}_detail", f"registry:{model_name}_detail"):
        try:
            reverse(name, args=[1])
        except NoReverseMatch:
            continue
        return name
    return None


def _problem_records(ref: dict, user) -> dict | None:
    """The problem a rectification signal is about (those in the user's scope), linked to its page
    in the problem list where that page exists."""
    from jianfu.rectification.models import Problem

    perm = "rectification.problem:view"
    if not ref.get("ids") or not scope.can(user, perm):
        return None
    qs = scope.visible(Problem.objects.filter(pk__in=ref["ids"][:RECORDS_SHOWN]), user, perm=perm)
    try:
        reverse("problem_detail", args=[1])
        link = "problem_detail"
    except NoReverseMatch:
        link = None
    rows = [
        {
            "pk": p.pk,
            "title": p.description[:80],
            "detail": f"{p.get_source_display()} · {p.get_status_display()}",
            "date": p.found_on,
            "url": reverse(link, args=[p.pk]) if link else None,
        }
        for p in qs.order_by("pk")
    ]
    return {
        "label": str(Problem._meta.verbose_name),
        "rows": rows,
        "count": ref.get("count", len(ref["ids"])),
        "shown": len(rows),
    }


def problem_evidence(problem, user) -> list[dict] | None:
    """The evidence a problem carried over from its confirmed signal, in words: the finding, the
    figures, the monthly series and the thresholds in force at confirmation. Registered with
    jianfu.rectification.evidence (rectification does not import signals); None when the
    problem's evidence is not a signal's."""
    stored = problem.evidence or {}
    code = stored.get("rule")
    rule = RULES.get(code) if isinstance(code, str) else None
    if rule is None:
        return None
    from .models import Severity

    evidence = stored.get("evidence") or {}
    threshold = stored.get("threshold") or {}
    subject = stored.get("subject") or ""
    about = [(_("预警规则"), rule_label(code))]
    if subject_label(code, subject):
        about.append((_("对象"), subject_label(code, subject)))
    about.append((_("期间"), stored.get("period") or "—"))
    if evidence.get("compared"):
        about.append((_("比较期间"), evidence["compared"]))
    if evidence.get("as_of"):
        about.append((_("数据截至"), evidence["as_of"]))
    if stored.get("severity") in Severity.values:
        about.append((_("确认时严重程度"), str(Severity(stored["severity"]).label)))
    sections = [
        {
            "title": _("来源预警"),
            "text": rule.headline(subject, evidence),
            "rows": about,
            "note": _("规则：%(s)s") % {"s": rule.describe(threshold)},
        },
        {"title": _("证据（确认时固定）"), "rows": figures(evidence)},
    ]
    tables = series_tables(evidence)
    if tables:
        sections.append({"title": _("月度数据"), "tables": tables})
    sections.append(
        {
            "title": _("确认时适用的阈值"),
            "rows": [(t["label"], t["value"], t["help"]) for t in thresholds(threshold)],
        }
    )
    return sections
