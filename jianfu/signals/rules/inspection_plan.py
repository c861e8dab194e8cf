"""Inspections outside the approved annual plan (计划外督查检查考核).

Any inspection this year (through the as-of month) not in the unit's approved annual plan raises
one signal per unit and year, with the ids of those inspections. Severity: medium for one or two,
high from three.
"""

import calendar
import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.registry.kinds import INSPECTION
from jianfu.registry.models import Category

from . import reads
from .base import Finding, Rule, figure, records, series, year_period

HIGH_FROM = 3


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    year, month = as_of.year, as_of.month
    data = reads.usage(
        category=Category.INSPECTION, years=[year], unit_ids=unit_ids, fields=["out_of_plan"]
    )
    counts = {u: sum(e["out_of_plan"][:month]) for (u, _y), e in data.items()}
    found = {u: n for u, n in counts.items() if n > 0}
    if not found:
        return []
    ids = reads.record_ids(
        INSPECTION.model,
        INSPECTION.date_field,
        unit_ids=list(found),
        start=dt.date(year, 1, 1),
        end=dt.date(year, month, calendar.monthrange(year, month)[1]),
        condition=Q(in_plan=False),
    )
    findings = []
    for unit_id, n in sorted(found.items()):
        record_ids, total = ids.get(unit_id, ([], n))
        monthly = data[(unit_id, year)]["out_of_plan"]
        findings.append(
            Finding(
                unit_id=unit_id,
                period=year_period(year),
                subject="",
                severity=3 if n >= HIGH_FROM else 2,
                conditions=("out_of_plan",),
                evidence={
                    "conditions": ["out_of_plan"],
                    "as_of": as_of.isoformat(),
                    "figures": [figure("out_of_plan", n)],
                    "series": [series("out_of_plan", [(year, monthly)], month)],
                    "records": records(INSPECTION.model._meta.label_lower, record_ids, total),
                },
            )
        )
    return findings


def headline(subject: str, evidence: dict) -> str:
    n = next((f["value"] for f in evidence.get("figures", []) if f["key"] == "out_of_plan"), 0)
    return gettext("本年有 %(n)s 项督查检查考核未列入年度计划") % {"n": n}


RULE = Rule(
    code="inspection_plan",
    label=_("计划外督查检查考核"),
    sentence=_(
        "督查检查考核须列入经批准的年度计划；本年每有一项计划外的即预警"
        "（一至两项为中度，三项及以上为严重）。"
    ),
    evaluate=evaluate,
    settings=(),
    headline=headline,
)
