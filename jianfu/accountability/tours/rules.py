"""The tours' signal rule (group "accountability"), added to the signals' registry (RULES) by
setup.ready — signals sits below accountability and never imports it.

- acc_tour_unfixed: a target unit whose tour problems are not being rectified (整改不力): at least
  one problem a tour's finding became has been on its list for the setting's number of days
  (`accountability.tours.stall_days`, 30 by default) and still has no measure, or nothing has
  happened on it for that long. One signal per unit and tour (subject "t<tour id>"), severity
  medium, high when none of the unit's tour problems moved. The same reading as the tour's page
  (queries.stalled).
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.rectification.models import Problem

from . import queries
from .models import Finding, Tour, TourStatus

GROUP = "accountability"


class _NoSubjectLabel(dict):
    def get(self, key, default=None):
        return super().get(key, "")


def evaluate(as_of: dt.date, unit_ids, settings: dict) -> list:
    from django.utils import timezone

    from jianfu.signals.rules.base import Finding as Found
    from jianfu.signals.rules.base import figure, records, year_period

    days = int(settings[queries.STALL_DAYS])
    now = timezone.make_aware(dt.datetime.combine(as_of, dt.time(23, 59)))
    findings = Finding.objects.filter(problem_id__isnull=False).exclude(
        tour__status=TourStatus.PLANNED
    )
    if unit_ids is not None:
        findings = findings.filter(unit_id__in=unit_ids)
    pairs = list(findings.values_list("tour_id", "unit_id", "problem_id"))
    if not pairs:
        return []
    problems = {
        p.pk: p for p in queries.annotate(Problem.objects.filter(pk__in=[x[2] for x in pairs]))
    }
    groups: dict[tuple[int, int], list[Problem]] = {}
    for tour_id, unit_id, problem_id in pairs:
        if problem_id in problems:
            groups.setdefault((tour_id, unit_id), []).append(problems[problem_id])
    names = dict(Tour.objects.filter(pk__in={t for t, _u in groups}).values_list("pk", "name"))
    out = []
    for (tour_id, unit_id), ps in sorted(groups.items()):
        stuck = [p for p in ps if queries.stalled(p, now, days)]
        if not stuck:
            continue
        moved = [p for p in ps if p.n_measures and p not in stuck]
        out.append(
            Found(
                unit_id=unit_id,
                period=year_period(as_of.year),
                subject=f"t{tour_id}",
                severity=2 if moved else 3,
                conditions=("unfixed",),
                evidence={
                    "conditions": ["unfixed"],
                    "as_of": as_of.isoformat(),
                    "tour": tour_id,
                    "figures": [
                        figure("acc_tour", names.get(tour_id, "")[:80], "text"),
                        figure("acc_tour_problems", len(ps)),
                        figure("acc_tour_stalled", len(stuck)),
                        figure("acc_tour_days", days, "days"),
                    ],
                    "records": records("rectification.problem", [p.pk for p in stuck]),
                },
            )
        )
    return out


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    return gettext("“%(t)s”发现的问题中 %(n)s 个超过 %(d)s 天未整改") % {
        "t": v.get("acc_tour", ""),
        "n": v.get("acc_tour_stalled", 0),
        "d": v.get("acc_tour_days", 0),
    }


FIGURE_LABELS = {
    "acc_tour": _("巡察"),
    "acc_tour_problems": _("列入问题清单的巡察发现问题"),
    "acc_tour_stalled": _("未整改的问题"),
    "acc_tour_days": _("判定天数"),
}


def register() -> None:
    """Add this part's rule to the signals' registry (setup.ready)."""
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES, Rule

    FIGURES.update(FIGURE_LABELS)
    rule = Rule(
        code="acc_tour_unfixed",
        label=_("巡察问题整改不力"),
        sentence=_(
            "巡察发现问题列入被巡察单位问题清单超过 %(stall_days)s 天，仍未制定整改措施或此期间"
            "没有任何整改进展，即预警；该单位本轮巡察的问题都没有进展为“严重”。"
        ),
        evaluate=evaluate,
        settings=(queries.STALL_DAYS,),
        subjects=_NoSubjectLabel(),
        headline=headline,
        group=GROUP,
    )
    RULES[rule.code] = rule
