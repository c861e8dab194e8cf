"""Reads on inspection tours: the tours an account sees, a tour's rectification unit by unit (each
finding, the problem it became and that problem's state), the units that fix nothing, and a
contact's own findings.

A problem's state is read from the problem list through rectification's own query
(`problems.queries.problems`, which counts measures, verified and overdue ones) plus the time of
the problem's last step; the rule reads the same annotations without an account (`annotate`).
A few queries per page, whatever the number of findings.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, runtime, scope
from jianfu.core.runtime import SettingDef
from jianfu.rectification.models import Problem, ProblemStatus, Step
from jianfu.rectification.problems import queries as rect
from jianfu.rectification.problems.queries import overdue_q

from .models import Finding, Tour, TourStatus
from .services import FINDING_VIEW, VIEW

STALL_DAYS = "accountability.tours.stall_days"

runtime.define(
    SettingDef(
        STALL_DAYS,
        30,
        _("巡察整改：未整改判定天数"),
        _(
            "巡察发现问题列入问题清单超过此天数，仍未制定整改措施，或此天数内没有任何整改进展，"
            "即视为“未整改”，被巡察单位列为整改不力并预警。"
        ),
        "business",
        7,
        365,
    )
)

# A problem's state on the tour's page, worst first.
STATES = {
    "relapsed": _("反弹"),
    "overdue": _("整改逾期"),
    "open": _("未制定措施"),
    "measures": _("整改中"),
    "closed": _("已销号"),
}


def stall_days() -> int:
    return int(runtime.get(STALL_DAYS))


def _last_step():
    # A subquery, not a join: rectification's counts of measures would be multiplied by steps.
    return Subquery(
        Step.objects.filter(problem=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
    )


def annotate(qs: QuerySet) -> QuerySet:
    """Problems with what their state needs: measure counts and the last step (one query)."""
    today = clock.today()
    return qs.annotate(
        n_measures=Count("measures", distinct=True),
        n_overdue=Count("measures", filter=overdue_q(today, "measures__"), distinct=True),
        last_at=_last_step(),
    )


def state_of(p: Problem) -> str:
    if p.status == ProblemStatus.CLOSED:
        return "closed"
    if p.relapses:
        return "relapsed"
    if p.n_overdue:
        return "overdue"
    return "measures" if p.n_measures else "open"


def stalled(p: Problem, now: dt.datetime, days: int) -> bool:
    """On the list for `days` or more, open, and without a measure or without any step since."""
    if p.status == ProblemStatus.CLOSED:
        return False
    since = now - dt.timedelta(days=days)
    if p.created_at > since:
        return False
    return not p.n_measures or p.last_at is None or p.last_at <= since


@dataclass
class Row:
    """One finding on a tour's page: the problem it became and that problem's state."""

    finding: Finding
    problem: Problem | None = None
    state: str = ""
    stalled: bool = False

    @property
    def state_label(self) -> str:
        return str(STATES.get(self.state, ""))


@dataclass
class UnitRows:
    unit: object
    rows: list[Row] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def listed(self) -> int:
        return sum(1 for r in self.rows if r.problem is not None)

    @property
    def pending(self) -> int:
        """Findings not yet on the problem list."""
        return sum(1 for r in self.rows if r.finding.problem_id is None)

    @property
    def closed(self) -> int:
        return self.count("closed")

    @property
    def stalled(self) -> int:
        return sum(1 for r in self.rows if r.stalled)

    @property
    def fixes_nothing(self) -> bool:
        return self.stalled > 0


def _problems(user, ids: list[int]) -> dict[int, Problem]:
    if not ids:
        return {}
    qs = rect.problems(user).filter(pk__in=ids)
    return {p.pk: p for p in qs.annotate(last_at=_last_step())}


def _rows(findings: list[Finding], problems: dict[int, Problem], now, days) -> list[Row]:
    out = []
    for f in findings:
        p = problems.get(f.problem_id) if f.problem_id else None
        row = Row(f, p)
        if p is not None:
            p.n_measures, p.n_overdue = p.measure_count, p.overdue_count
            row.state, row.stalled = state_of(p), stalled(p, now, days)
        out.append(row)
    return out


def visible_tours(user) -> QuerySet:
    return scope.visible(Tour.objects.all(), user, perm=VIEW, unit_field="organiser")


def tour_for(user, pk, perm: str = VIEW) -> Tour:
    return scope.get_for(
        Tour.objects.select_related("organiser"), user, pk, perm=perm, unit_field="organiser"
    )


def rectification(user, tour: Tour) -> list[UnitRows]:
    """Per target unit (tree order): its findings, the problems they became and their state."""
    targets = list(tour.targets.order_by("path"))
    findings = list(
        scope.visible(Finding.objects.filter(tour=tour), user, perm=VIEW)
        .select_related("clue")
        .order_by("found_on", "pk")
    )
    problems = _problems(user, [f.problem_id for f in findings if f.problem_id])
    rows = _rows(findings, problems, clock.now(), stall_days())
    by_unit = {u.pk: UnitRows(u) for u in targets}
    for r in rows:
        if r.finding.unit_id not in by_unit:  # a former target: still shown with its findings
            by_unit[r.finding.unit_id] = UnitRows(r.finding.unit)
        by_unit[r.finding.unit_id].rows.append(r)
    return list(by_unit.values())


def list_rows(user) -> list[dict]:
    """The tours list: each tour with its targets, findings, problems listed and stalled units
    (three queries whatever the number of tours)."""
    tours = list(
        visible_tours(user)
        .annotate(
            n_targets=Count("targets", distinct=True),
            n_findings=Count("findings", distinct=True),
            n_listed=Count("findings", filter=Q(findings__problem_id__isnull=False), distinct=True),
            n_referred=Count("findings", filter=Q(findings__clue__isnull=False), distinct=True),
        )
        .order_by("-starts_on", "-pk")
    )
    unfixed = units_fixing_nothing(user, [t.pk for t in tours])
    return [{"tour": t, "unfixed": unfixed.get(t.pk, [])} for t in tours]


def units_fixing_nothing(user, tour_ids: list[int] | None = None) -> dict[int, list[int]]:
    """{tour id: [unit ids]} of the target units with a stalled tour problem, in the account's
    scope (two queries)."""
    findings = scope.visible(
        Finding.objects.filter(problem_id__isnull=False), user, perm=VIEW
    ).exclude(tour__status=TourStatus.PLANNED)
    if tour_ids is not None:
        findings = findings.filter(tour_id__in=tour_ids)
    pairs = list(findings.values_list("tour_id", "unit_id", "problem_id"))
    return _stalled_pairs(pairs, Problem.objects.filter(pk__in=[p for _t, _u, p in pairs]))


def _stalled_pairs(pairs, problems_qs) -> dict[int, list[int]]:
    now, days = clock.now(), stall_days()
    by_pk = {p.pk: p for p in annotate(problems_qs)} if pairs else {}
    out: dict[int, list[int]] = {}
    for tour_id, unit_id, problem_id in pairs:
        p = by_pk.get(problem_id)
        if p is not None and stalled(p, now, days) and unit_id not in out.get(tour_id, []):
            out.setdefault(tour_id, []).append(unit_id)
    return out


def pending_count(user) -> int:
    """Findings of the account's tours not yet on a problem list."""
    return home_figures(user)[0]


def home_figures(user) -> tuple[int, int]:
    """(findings not yet on a problem list, target units fixing nothing) of the account's tours:
    one query, a second only when some findings are on problem lists."""
    tours = visible_tours(user).exclude(status=TourStatus.PLANNED).values("pk")
    rows = list(
        Finding.objects.filter(tour__in=tours).values_list("tour_id", "unit_id", "problem_id")
    )
    pending = sum(1 for _t, _u, p in rows if p is None)
    pairs = [r for r in rows if r[2] is not None]
    stalled = _stalled_pairs(pairs, Problem.objects.filter(pk__in=[p for _t, _u, p in pairs]))
    return pending, len({u for units in stalled.values() for u in units})


def own_findings(user) -> list[Row]:
    """A unit's contact: the findings of the account's units, with their problems' state."""
    findings = list(
        scope.visible(Finding.objects.all(), user, perm=FINDING_VIEW)
        .select_related("tour", "unit")
        .order_by("-found_on", "pk")
    )
    problems = _problems(user, [f.problem_id for f in findings if f.problem_id])
    return _rows(findings, problems, clock.now(), stall_days())


def finding_for(user, pk, perm: str = VIEW) -> Finding:
    return scope.get_for(Finding.objects.select_related("tour", "unit"), user, pk, perm=perm)


def period_tours(user, start: dt.date, end: dt.date) -> QuerySet:
    """Tours of a period: begun by its end, and not closed before its start (rectification goes
    on after the tour leaves)."""
    return (
        visible_tours(user)
        .exclude(status=TourStatus.PLANNED)
        .filter(starts_on__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        .order_by("starts_on", "pk")
    )
