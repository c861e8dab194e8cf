"""The key projects' health checks, as signal rules (group "projects"), registered into
jianfu.signals.rules.RULES by setup.ready() (signals sits below supervision and never imports it).

- proj_unstarted: a deal signed a setting's months ago (default 12) and the project never started.
- proj_money_stalled: a project in construction with no money arriving for a setting's months
  (default 3) in a row since its start (or its last arrival).
- proj_low_arrival: a deal signed a setting's months ago (default 6) with under a setting's share
  (default 15 %) of the signed amount arrived.
- proj_progress_ahead: the share of milestones reported done is a setting's percentage points
  (default 40) ahead of the share of the planned investment that has arrived.
- proj_restarted: a project "started" again: a start reported for a project already started, or a
  new project matching an older one by normalised name and location (services.normalise).

One signal per project (subject "pr<id>"), the unit is the project's owner, the period the year of
the date the finding turns on. Evidence: the figures and a link to the project (records()). Each
rule reads only its candidates: a handful of queries whatever the number of projects.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.signals.rules.base import FIGURES, UNIT_SUFFIX, Finding, Rule, figure, graded, records

from .models import Deal, Milestone, MonthlyMoney, Project, ProjectStatus, StartEvent

GROUP = "projects"
UNSTARTED_MONTHS = "supervision.projects.unstarted_months"
STALLED_MONTHS = "supervision.projects.stalled_months"
LOW_ARRIVAL_MONTHS = "supervision.projects.low_arrival_months"
LOW_ARRIVAL_PCT = "supervision.projects.low_arrival_pct"
PROGRESS_GAP = "supervision.projects.progress_gap_pp"

runtime.define(
    SettingDef(
        UNSTARTED_MONTHS,
        12,
        _("重点项目：签约未开工（月数）"),
        _("招商引资项目签约满此月数仍未开工即预警。"),
        "business",
        1,
        60,
    ),
    SettingDef(
        STALLED_MONTHS,
        3,
        _("重点项目：资金停滞（月数）"),
        _("在建项目开工后（或最近一次资金到位后）连续此月数没有资金到位即预警。"),
        "business",
        1,
        24,
    ),
    SettingDef(
        LOW_ARRIVAL_MONTHS,
        6,
        _("重点项目：资金到位率低（签约后月数）"),
        _("招商引资项目签约满此月数后检查资金到位率。"),
        "business",
        1,
        60,
    ),
    SettingDef(
        LOW_ARRIVAL_PCT,
        15,
        _("重点项目：资金到位率低（%）"),
        _("签约满规定月数后，到位金额低于签约金额的此百分比即预警。"),
        "business",
        1,
        100,
    ),
    SettingDef(
        PROGRESS_GAP,
        40,
        _("重点项目：进度快于资金（百分点）"),
        _(
            "已完成节点占比高出资金到位占比（到位资金÷计划总投资）此百分点数即预警，提示进度可能虚报。"
        ),
        "business",
        5,
        100,
    ),
)

FIGURES.update(
    {
        "project": _("项目"),
        "project_category": _("项目类别"),
        "location": _("建设地点"),
        "signed_on": _("签约日期"),
        "amount_signed": _("签约金额"),
        "amount_arrived": _("到位金额"),
        "arrived_pct": _("资金到位率"),
        "months_since_signing": _("签约已满"),
        "actual_start": _("实际开工日期"),
        "last_arrival": _("最近一次资金到位"),
        "months_without_money": _("连续无资金到位"),
        "arrived_total": _("累计到位资金"),
        "total_investment": _("计划总投资"),
        "milestones": _("节点总数"),
        "milestones_done": _("已完成节点"),
        "progress_pct": _("节点完成占比"),
        "money_pct": _("资金到位占比"),
        "gap_pp": _("进度超出资金"),
        "start_n": _("第 %(n)s 次报告开工"),
        "earlier_project": _("此前登记的同名同址项目"),
        "earlier_unit": _("此前项目的责任单位"),
        "earlier_start": _("此前项目的开工日期"),
    }
)
UNIT_SUFFIX.setdefault("wan", _("万元"))
UNIT_SUFFIX.setdefault("mon", _("个月"))


class _NoSubjectLabel(dict):
    """The subject is a project reference ("pr12"): the headline names the project."""

    def get(self, key, default=None):
        return super().get(key, "")


def subject(project_id: int) -> str:
    return f"pr{project_id}"


def project_id(subject_: str) -> int | None:
    try:
        return int(subject_.removeprefix("pr"))
    except ValueError:
        return None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    import calendar

    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def months_between(first: dt.date, later: dt.date) -> int:
    """Whole months from `first` to `later`."""
    n = (later.year - first.year) * 12 + later.month - first.month
    return n - 1 if later.day < first.day else n


def _open_periods(code: str):
    def periods(as_of: dt.date) -> list[str]:
        from jianfu.signals.models import Signal, SignalStatus

        held = Signal.objects.filter(rule=code, status=SignalStatus.OPEN)
        return sorted(set(held.values_list("period", flat=True).distinct()) | {str(as_of.year)})

    return periods


def _wanted(unit_ids):
    return Q() if unit_ids is None else Q(unit_id__in=unit_ids)


def _f(value: Decimal | None) -> float:
    return float(value or 0)


def _base(p: Project, as_of: dt.date) -> list[dict]:
    return [
        figure("project", p.name, "text"),
        figure("project_category", p.category.name, "text"),
        figure("location", p.location, "text"),
    ]


def _evidence(p: Project, as_of: dt.date, conditions: list[str], figs: list, **extra) -> dict:
    return {
        "conditions": conditions,
        "as_of": as_of.isoformat(),
        "project": p.pk,
        "name": p.name,
        "figures": figs,
        "records": records("supervision.project", [p.pk]),
        **extra,
    }


def _figure(evidence: dict, key: str):
    return next((f["value"] for f in evidence.get("figures", []) if f["key"] == key), None)


# --- Signed, never started ------------------------------------------------------------------------


def evaluate_unstarted(as_of: dt.date, unit_ids, settings: dict) -> list[Finding]:
    months = int(settings[UNSTARTED_MONTHS])
    latest = add_months(as_of, -months)
    deals = (
        Deal.objects.filter(signed_on__lte=latest, project__actual_start__isnull=True)
        .filter(Q() if unit_ids is None else Q(project__unit_id__in=unit_ids))
        .select_related("project__category")
        .order_by("pk")
    )
    findings = []
    for d in deals:
        p = d.project
        since = months_between(d.signed_on, as_of)
        figs = [
            *_base(p, as_of),
            figure("signed_on", d.signed_on.isoformat(), "date"),
            figure("amount_signed", _f(d.amount_signed), "wan"),
            figure("amount_arrived", _f(d.amount_arrived), "wan"),
            figure("months_since_signing", since, "mon"),
        ]
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(d.signed_on.year),
                subject=subject(p.pk),
                severity=graded(since, months, base=2) if since >= 2 * months else 2,
                conditions=("unstarted",),
                evidence=_evidence(
                    p, as_of, ["unstarted"], figs, signed_on=d.signed_on.isoformat(), months_n=since
                ),
            )
        )
    return findings


def unstarted_headline(subject_: str, evidence: dict) -> str:
    return gettext("项目“%(p)s”于 %(d)s 签约，已满 %(m)s 个月仍未开工") % {
        "p": evidence.get("name", ""),
        "d": evidence.get("signed_on", ""),
        "m": evidence.get("months_n", ""),
    }


# --- Money stalled --------------------------------------------------------------------------------


def evaluate_stalled(as_of: dt.date, unit_ids, settings: dict) -> list[Finding]:
    months = int(settings[STALLED_MONTHS])
    this_month = as_of.replace(day=1)
    # Started at least `months` complete months before this month.
    latest_start = add_months(this_month, -months)
    candidates = list(
        Project.objects.filter(
            _wanted(unit_ids),
            status=ProjectStatus.STARTED,
            actual_start__lt=latest_start,
        )
        .select_related("category")
        .order_by("pk")
    )
    if not candidates:
        return []
    last = dict(
        MonthlyMoney.objects.filter(
            project_id__in=[p.pk for p in candidates], arrived__gt=0, month__lte=this_month
        )
        .values("project_id")
        .annotate(last=Max("month"))
        .values_list("project_id", "last")
    )
    totals = dict(
        MonthlyMoney.objects.filter(
            project_id__in=[p.pk for p in candidates], month__lte=this_month
        )
        .values("project_id")
        .annotate(total=Sum("arrived"))
        .values_list("project_id", "total")
    )
    findings = []
    for p in candidates:
        last_month = last.get(p.pk)
        if last_month is not None and last_month >= this_month:
            continue
        # Complete months without money: after the last arrival (or from the start's month).
        since = add_months(last_month, 1) if last_month else p.actual_start.replace(day=1)
        without = months_between(since, this_month)
        if without < months:
            continue
        figs = [
            *_base(p, as_of),
            figure("actual_start", p.actual_start.isoformat(), "date"),
            figure("last_arrival", last_month.strftime("%Y-%m") if last_month else "—", "text"),
            figure("months_without_money", without, "mon"),
            figure("arrived_total", _f(totals.get(p.pk)), "wan"),
            figure("total_investment", _f(p.total_investment), "wan"),
        ]
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(since.year),
                subject=subject(p.pk),
                severity=graded(without, months, base=1) if without >= 2 * months else 2,
                conditions=("stalled",),
                evidence=_evidence(
                    p,
                    as_of,
                    ["stalled"],
                    figs,
                    since=since.strftime("%Y-%m"),
                    months_n=without,
                ),
            )
        )
    return findings


def stalled_headline(subject_: str, evidence: dict) -> str:
    return gettext("在建项目“%(p)s”自 %(s)s 起连续 %(m)s 个月没有资金到位") % {
        "p": evidence.get("name", ""),
        "s": evidence.get("since", ""),
        "m": evidence.get("months_n", ""),
    }


# --- Low arrival after signing --------------------------------------------------------------------


def evaluate_low_arrival(as_of: dt.date, unit_ids, settings: dict) -> list[Finding]:
    months = int(settings[LOW_ARRIVAL_MONTHS])
    pct = float(settings[LOW_ARRIVAL_PCT])
    deals = (
        Deal.objects.filter(signed_on__lte=add_months(as_of, -months), amount_signed__gt=0)
        .filter(Q() if unit_ids is None else Q(project__unit_id__in=unit_ids))
        .select_related("project__category")
        .order_by("pk")
    )
    findings = []
    for d in deals:
        share = _f(d.amount_arrived) / _f(d.amount_signed) * 100
        if share >= pct:
            continue
        p = d.project
        since = months_between(d.signed_on, as_of)
        figs = [
            *_base(p, as_of),
            figure("signed_on", d.signed_on.isoformat(), "date"),
            figure("months_since_signing", since, "mon"),
            figure("amount_signed", _f(d.amount_signed), "wan"),
            figure("amount_arrived", _f(d.amount_arrived), "wan"),
            figure("arrived_pct", share, "pct"),
        ]
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(d.signed_on.year),
                subject=subject(p.pk),
                severity=3 if share < pct / 3 else 2,
                conditions=("low_arrival",),
                evidence=_evidence(
                    p,
                    as_of,
                    ["low_arrival"],
                    figs,
                    signed_on=d.signed_on.isoformat(),
                    months_n=since,
                    arrived_pct=round(share, 1),
                ),
            )
        )
    return findings


def low_arrival_headline(subject_: str, evidence: dict) -> str:
    return gettext("项目“%(p)s”签约 %(m)s 个月，资金到位率仅 %(s)s%%") % {
        "p": evidence.get("name", ""),
        "m": evidence.get("months_n", ""),
        "s": evidence.get("arrived_pct", ""),
    }


# --- Progress ahead of money ----------------------------------------------------------------------


def evaluate_progress_ahead(as_of: dt.date, unit_ids, settings: dict) -> list[Finding]:
    gap = float(settings[PROGRESS_GAP])
    counts = {
        row["project_id"]: row
        for row in Milestone.objects.filter(
            Q() if unit_ids is None else Q(project__unit_id__in=unit_ids),
            project__status__in=(ProjectStatus.STARTED, ProjectStatus.COMPLETED),
        )
        .values("project_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_on__lte=as_of)))
        .filter(done__gt=0, total__gte=2)
        .order_by()
    }
    if not counts:
        return []
    money = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in (
        MonthlyMoney.objects.filter(project_id__in=list(counts))
        .values("project_id")
        .annotate(planned=Sum("planned"), arrived=Sum("arrived", filter=Q(month__lte=as_of)))
        .order_by()
    ):
        money[row["project_id"]] = [row["planned"] or 0, row["arrived"] or 0]
    deal_arrived = dict(
        Deal.objects.filter(project_id__in=list(counts)).values_list("project_id", "amount_arrived")
    )
    findings = []
    for p in Project.objects.filter(pk__in=list(counts)).select_related("category").order_by("pk"):
        planned, arrived = money[p.pk]
        # Money counts as arrived whether reported by month or as a deal's total.
        arrived = max(_f(arrived), _f(deal_arrived.get(p.pk)))
        whole = _f(p.total_investment) or _f(planned)
        if whole <= 0:
            continue
        c = counts[p.pk]
        progress = c["done"] / c["total"] * 100
        money_pct = min(100.0, arrived / whole * 100)
        if progress - money_pct < gap:
            continue
        figs = [
            *_base(p, as_of),
            figure("milestones", c["total"], "count"),
            figure("milestones_done", c["done"], "count"),
            figure("progress_pct", progress, "pct"),
            figure("arrived_total", arrived, "wan"),
            figure("total_investment", whole, "wan"),
            figure("money_pct", money_pct, "pct"),
            figure("gap_pp", progress - money_pct, "pp"),
        ]
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str((p.actual_start or as_of).year),
                subject=subject(p.pk),
                severity=graded(progress - money_pct, gap, base=1)
                if progress - money_pct >= 2 * gap
                else 2,
                conditions=("progress_ahead",),
                evidence=_evidence(
                    p,
                    as_of,
                    ["progress_ahead"],
                    figs,
                    progress_pct=round(progress, 1),
                    money_pct=round(money_pct, 1),
                ),
            )
        )
    return findings


def progress_ahead_headline(subject_: str, evidence: dict) -> str:
    return gettext("项目“%(p)s”报告的节点完成 %(a)s%%，资金到位仅 %(b)s%%，进度可能虚报") % {
        "p": evidence.get("name", ""),
        "a": evidence.get("progress_pct", ""),
        "b": evidence.get("money_pct", ""),
    }


# --- Started again --------------------------------------------------------------------------------


def evaluate_restarted(as_of: dt.date, unit_ids, settings: dict) -> list[Finding]:
    unit_q = _wanted(unit_ids)
    repeated = set(
        StartEvent.objects.filter(repeated=True, started_on__lte=as_of)
        .filter(Q() if unit_ids is None else Q(project__unit_id__in=unit_ids))
        .values_list("project_id", flat=True)
    )
    # A project whose normalised name and location an older project already has.
    keys = (
        Project.objects.exclude(match_key="")
        .values("match_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("match_key", flat=True)
    )
    earlier: dict[int, Project] = {}
    by_key: dict[str, list[Project]] = defaultdict(list)
    for p in Project.objects.filter(match_key__in=list(keys)).select_related("unit").order_by("pk"):
        by_key[p.match_key].append(p)
    for same in by_key.values():
        for p in same[1:]:
            earlier[p.pk] = same[0]
    ids = repeated | set(earlier)
    if not ids:
        return []
    starts = defaultdict(list)
    for s in StartEvent.objects.filter(project_id__in=ids, started_on__lte=as_of).order_by(
        "started_on", "pk"
    ):
        starts[s.project_id].append(s)
    findings = []
    for p in Project.objects.filter(unit_q, pk__in=ids).select_related("category").order_by("pk"):
        figs = [*_base(p, as_of)]
        conditions = []
        events = []
        if p.pk in repeated:
            conditions.append("repeated_start")
            for i, s in enumerate(starts[p.pk], 1):
                figs.append(
                    {
                        "key": "start_n",
                        "value": {"date": s.started_on.isoformat(), "text": s.note},
                        "unit": "dated",
                        "args": {"n": i},
                    }
                )
                events.append(s.started_on.isoformat())
        old = earlier.get(p.pk)
        if old is not None:
            conditions.append("matches_earlier")
            figs += [
                figure("earlier_project", f"{old.name}（{old.location}）", "text"),
                figure("earlier_unit", old.unit.name, "text"),
                figure(
                    "earlier_start",
                    old.actual_start.isoformat() if old.actual_start else "—",
                    "text",
                ),
            ]
        first = starts[p.pk][0].started_on if starts[p.pk] else (p.actual_start or as_of)
        findings.append(
            Finding(
                unit_id=p.unit_id,
                period=str(first.year),
                subject=subject(p.pk),
                severity=3 if len(conditions) == 2 or len(events) > 2 else 2,
                conditions=tuple(conditions),
                evidence=_evidence(
                    p,
                    as_of,
                    conditions,
                    figs,
                    starts=events,
                    earlier=old.pk if old else None,
                    earlier_name=old.name if old else "",
                ),
            )
        )
    return findings


def restarted_headline(subject_: str, evidence: dict) -> str:
    if "matches_earlier" in evidence.get("conditions", []):
        return gettext("项目“%(p)s”与此前登记的项目“%(o)s”同名同址，疑似重复开工") % {
            "p": evidence.get("name", ""),
            "o": evidence.get("earlier_name", ""),
        }
    return gettext("已开工的项目“%(p)s”再次报告开工（共 %(n)s 次：%(d)s）") % {
        "p": evidence.get("name", ""),
        "n": len(evidence.get("starts", [])),
        "d": "、".join(evidence.get("starts", [])),
    }


def _rule(code, label, sentence, evaluate, settings, headline) -> Rule:
    return Rule(
        code=code,
        label=label,
        sentence=sentence,
        evaluate=evaluate,
        settings=settings,
        subjects=_NoSubjectLabel(),
        headline=headline,
        periods=_open_periods(code),
        group=GROUP,
    )


RULES = (
    _rule(
        "proj_unstarted",
        _("签约未开工"),
        _("招商引资项目签约满 %(unstarted_months)s 个月仍未开工即预警（满两倍为严重）。"),
        evaluate_unstarted,
        (UNSTARTED_MONTHS,),
        unstarted_headline,
    ),
    _rule(
        "proj_money_stalled",
        _("项目资金停滞"),
        _(
            "在建项目开工后（或最近一次资金到位后）连续 %(stalled_months)s 个整月没有资金到位即预警"
            "（满两倍为严重）。"
        ),
        evaluate_stalled,
        (STALLED_MONTHS,),
        stalled_headline,
    ),
    _rule(
        "proj_low_arrival",
        _("签约资金到位率低"),
        _(
            "招商引资项目签约满 %(low_arrival_months)s 个月，到位金额不足签约金额的 "
            "%(low_arrival_pct)s%% 即预警（不足三分之一为严重）。"
        ),
        evaluate_low_arrival,
        (LOW_ARRIVAL_MONTHS, LOW_ARRIVAL_PCT),
        low_arrival_headline,
    ),
    _rule(
        "proj_progress_ahead",
        _("进度快于资金"),
        _(
            "在建或竣工项目报告的节点完成占比高出资金到位占比 %(progress_gap_pp)s "
            "个百分点以上即预警，提示进度可能虚报。"
        ),
        evaluate_progress_ahead,
        (PROGRESS_GAP,),
        progress_ahead_headline,
    ),
    _rule(
        "proj_restarted",
        _("项目重复开工"),
        _(
            "已开工的项目再次报告开工，或新登记的项目与此前的项目名称、地点相同（忽略空格、标点和"
            "“项目”“一期”等字样）即预警。"
        ),
        evaluate_restarted,
        (),
        restarted_headline,
    ),
)
CODES = tuple(r.code for r in RULES)
