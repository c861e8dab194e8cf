"""The plans' signal rule (group "gate"), added to the signals' registry (RULES) by setup.ready —
signals sits below the gate and never imports it.

- gate_split: one inspection split into several (拆分督查检查考核) in a unit's filed annual plan:
  two or more inspection items of the same organiser, the same kind, a target in common and a
  month in common (queries.splits). One signal per group (subject "p<first item id>"), period the
  plan's year, severity medium (high from four items in one group).

Registered inspections are left out of the rule: the registry holds inspections as they were
carried out, and routine ones (a monthly check of the same townships) overlap without being a
split; the plan is where a unit says beforehand what it will run, and where a split is a choice.
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .queries import month_span, splits

GROUP = "gate"
HIGH_ITEMS = 4


class _NoSubjectLabel(dict):
    def get(self, key, default=None):
        return super().get(key, "")


def evaluate(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding, figure, year_period

    out = []
    for g in splits(as_of.year, unit_ids=unit_ids):
        months = sorted(set().union(*(e.months for e in g.entries)))
        out.append(
            Finding(
                unit_id=g.unit_id,
                period=year_period(as_of.year),
                subject=f"p{g.entries[0].pk}",
                severity=3 if len(g.entries) >= HIGH_ITEMS else 2,
                conditions=("split",),
                evidence={
                    "conditions": ["split"],
                    "as_of": as_of.isoformat(),
                    "figures": [
                        figure("gate_split_items", len(g.entries)),
                        figure(
                            "gate_split_titles",
                            "、".join(e.title for e in g.entries)[:200],
                            "text",
                        ),
                        figure("gate_split_months", month_span(months), "text"),
                    ],
                    "plan": g.plan_id,
                    "items": g.ids,
                },
            )
        )
    return out


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    return gettext("年度计划中同一对象、重叠月份的 %(n)s 项督查检查考核：%(t)s") % {
        "n": v.get("gate_split_items", 0),
        "t": v.get("gate_split_titles", ""),
    }


FIGURE_LABELS = {
    "gate_split_items": _("拆分后的项数"),
    "gate_split_titles": _("事项"),
    "gate_split_months": _("重叠月份"),
}


def register() -> None:
    """Add this part's rule to the signals' registry (setup.ready)."""
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES, Rule

    FIGURES.update(FIGURE_LABELS)
    rule = Rule(
        code="gate_split",
        label=_("拆分督查检查考核"),
        sentence=_(
            "已备案的年度计划中，同一单位对相同对象、在重叠月份安排两项及以上同类督查检查考核"
            "（一项拆成多项）即预警；四项及以上为严重。"
        ),
        evaluate=evaluate,
        settings=(),
        subjects=_NoSubjectLabel(),
        headline=headline,
        group=GROUP,
    )
    RULES[rule.code] = rule
