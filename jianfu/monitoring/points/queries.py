"""Reads of the monitoring app: sample points in an account's scope, completeness and timeliness
(DHIS2's reporting rates), a point's reports by period, and a reporter's unread reminders.

Completeness and timeliness, as DHIS2 counts them:
- expected: the points in monitoring in the period (on its first or last day, the rule a
  submission is held to), one report each;
- received: a report exists (submitted; corrections do not count twice);
- on time: first submitted on or before the due day (the report is not marked late);
- completeness = received ÷ expected, timeliness = on time ÷ expected (REPORTING_RATE and
  REPORTING_RATE_ON_TIME); alert lines 90% and 75% (the WHO data-quality tool's defaults), runtime
  settings.
Figures over any number of points and periods take two grouped queries plus one for the points.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, periods, runtime, scope
from jianfu.core.models import Unit, UnitKind, User
from jianfu.core.permissions import Role
from jianfu.core.queries import count_by
from jianfu.core.runtime import SettingDef

from ..models import PeriodClosure, Reminder, Report, ReportForm, SamplePoint

COMPLETENESS_ALERT = "monitoring.completeness_alert_pct"
TIMELINESS_ALERT = "monitoring.timeliness_alert_pct"
REMINDER_DAYS = "monitoring.reminder_days_before_due"

runtime.define(
    SettingDef(
        COMPLETENESS_ALERT,
        90,
        _("样本点填报完整率预警线（%）"),
        _("已报数 ÷ 应报数低于此比例的周期、县（市、区）或类型标红。"),
        "business",
        1,
        100,
    ),
    SettingDef(
        TIMELINESS_ALERT,
        75,
        _("样本点填报及时率预警线（%）"),
        _("截止日前报送数 ÷ 应报数低于此比例的标红。"),
        "business",
        1,
        100,
    ),
    SettingDef(
        REMINDER_DAYS,
        2,
        _("截止前几天提醒未报的样本点（天）"),
        _(
            "每天自动检查：截止日前此天数起提醒一次，逾期后再提醒一次"
            "（站内消息，以及已设置的邮件和群机器人；不发短信）。"
        ),
        "business",
        0,
        15,
    ),
)

POINT_KINDS = [
    (k.value, k.label)
    for k in (UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE)
]
KIND_LABELS = dict(UnitKind.choices)
REMINDER_LABELS = {
    "before_due": _("即将截止"),
    "overdue": _("已逾期"),
    "manual": _("市委办提醒"),
}


def alert_lines() -> tuple[int, int]:
    values = runtime.get_many([COMPLETENESS_ALERT, TIMELINESS_ALERT])
    return values[COMPLETENESS_ALERT], values[TIMELINESS_ALERT]


def reminder_days_before_due() -> int:
    return runtime.get(REMINDER_DAYS)


# --- Forms and periods ---------------------------------------------------------------------------


class Forms:
    """Every version of the forms, loaded once (a handful of rows), so the version in force for any
    period is found without a query per period (the rule of services.form_for)."""

    def __init__(self, codes=None):
        qs = ReportForm.objects.defer("questions").order_by("-valid_from", "-version")
        if codes is not None:
            qs = qs.filter(code__in=list(codes))
        self.rows = list(qs)

    def at(self, code: str, day: dt.date) -> ReportForm | None:
        return next((f for f in self.rows if f.code == code and f.valid_from <= day), None)

    def codes(self) -> list[str]:
        return sorted({f.code for f in self.rows})

    def period_type(self, code: str, day: dt.date) -> str:
        form = self.at(code, day)
        return form.period_type if form else "month"

    def due(self, code: str, period: str) -> dt.date | None:
        start, end = periods.bounds(period)
        form = self.at(code, start)
        return None if form is None else end + dt.timedelta(days=form.due_days)


def closures(form_code: str) -> dict[str, bool]:
    return dict(PeriodClosure.objects.filter(form_code=form_code).values_list("period", "closed"))


def period_state(
    forms: Forms, form_code: str, period: str, today: dt.date, closed: dict[str, bool]
) -> str:
    """services.period_state without its two queries (the forms and closures given)."""
    start, end = periods.bounds(period)
    form = forms.at(form_code, start)
    if closed.get(period):
        return "closed"
    if today <= end:
        return "open" if today >= end - dt.timedelta(days=6) else "future"
    if form is None:
        return "closed"
    if period not in closed and today > end + dt.timedelta(days=form.closes_days):
        return "closed"
    return "late" if today > end + dt.timedelta(days=form.due_days) else "open"


def last_ended(forms: Forms, form_code: str, today: dt.date) -> str:
    """The latest period that has ended: the one reporters are filling now, or just were."""
    return periods.shift(periods.key_of(today, forms.period_type(form_code, today)), -1)


def last_counted(forms: Forms, form_code: str, today: dt.date, closed: dict[str, bool]) -> str:
    """The latest period closed or past its due day: the last one completeness is judged on."""
    key = periods.key_of(today, forms.period_type(form_code, today))
    for _step in range(3):
        due = forms.due(form_code, key)
        if closed.get(key) or (due is not None and due < today):
            return key
        key = periods.shift(key, -1)
    return key


def active_q(period: str) -> Q:
    """Points in monitoring in the period: on its first or its last day."""
    start, end = periods.bounds(period)
    return (Q(since__lte=start) & (Q(until__isnull=True) | Q(until__gte=start))) | (
        Q(since__lte=end) & (Q(until__isnull=True) | Q(until__gte=end))
    )


def is_active(since: dt.date, until: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return (since <= start and (until is None or start <= until)) or (
        since <= end and (until is None or end <= until)
    )


# --- Sample points -------------------------------------------------------------------------------


def points_for(
    principal,
    *,
    county_id: int | None = None,
    kind: str = "",
    state: str = "active",
    q: str = "",
    today: dt.date | None = None,
) -> QuerySet:
    """The points the principal may see, filtered: state "active" (not closed, including those
    not started yet), "closed" or anything else for all."""
    today = today or clock.today()
    qs = scope.visible(SamplePoint.objects.all(), principal, perm="monitoring.point:view")
    if state == "active":
        qs = qs.filter(Q(until__isnull=True) | Q(until__gte=today))
    elif state == "closed":
        qs = qs.filter(until__lt=today)
    if county_id:
        qs = qs.filter(county_id=county_id)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(
            Q(unit__name__icontains=q) | Q(unit__short_name__icontains=q) | Q(unit__code=q)
        )
    return with_people(qs).order_by("county__path", "unit__path")


def with_people(qs: QuerySet) -> QuerySet:
    """Unit, county and reporters loaded with the list (two queries whatever its length)."""
    return qs.select_related("unit", "county").prefetch_related(
        Prefetch(
            "reporters",
            queryset=User.objects.only(
                "pk", "username", "full_name", "phone", "is_active"
            ).order_by("username"),
        )
    )


def point_counts(qs: QuerySet) -> dict:
    """How many points by kind and by county (two grouped queries)."""
    qs = qs.order_by()
    by_kind = count_by(qs, "kind")
    by_county = list(
        qs.values("county_id", "county__name", "county__path")
        .annotate(n=Count("pk"))
        .order_by("county__path")
    )
    return {
        "kinds": [(k, label, by_kind[k]) for k, label in POINT_KINDS if by_kind.get(k)],
        "counties": [(c["county_id"], c["county__name"], c["n"]) for c in by_county],
        "total": sum(by_kind.values()),
    }


def county_choices(principal) -> list[tuple[int, str]]:
    qs = scope.visible(SamplePoint.objects.all(), principal, perm="monitoring.point:view")
    return list(qs.order_by("county__path").values_list("county_id", "county__name").distinct())


def designation_candidates(principal, q: str, limit: int = 20) -> list[Unit]:
    """Grassroots units in the principal's scope, open and not yet points, by name or code."""
    s = scope.require(principal, "monitoring.point:manage")
    q = (q or "").strip()
    if not q:
        return []
    units = (
        Unit.objects.filter(s.units_q(), kind__in=[k for k, _label in POINT_KINDS])
        .filter(valid_until__isnull=True, sample_point__isnull=True)
        .filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__startswith=q))
        .annotate(
            # Villages share names across townships: the parent tells them apart.
            parent_name=Subquery(
                Unit.objects.filter(
                    path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)
                ).values("name")[:1]
            )
        )
        .order_by("path")
    )
    return list(units[:limit])


def eligible_reporters(unit: Unit) -> QuerySet:
    """Active accounts of the unit itself holding the reporter role."""
    return User.objects.filter(
        home_unit=unit, is_active=True, role_grants__role=Role.REPORTER
    ).order_by("username")


def report_status(point_ids, period: str) -> dict[int, bool]:
    """{point id: late} for the points that reported the period (one query)."""
    return dict(
        Report.objects.filter(point_id__in=list(point_ids), period=period).values_list(
            "point_id", "late"
        )
    )


@dataclass
class PeriodRow:
    period: str
    due: dt.date | None
    state: str  # period state: future, open, late, closed
    report: Report | None
    status: str  # on_time, late, missing, pending (not reported, not yet due), not_expected


def point_history(
    point: SamplePoint, *, today: dt.date | None = None, limit: int = 36
) -> list[PeriodRow]:
    """The point's periods, newest first: from its designation (at most `limit` back) to the
    latest that has ended, plus the current one once reported. Two queries."""
    today = today or clock.today()
    forms = Forms([point.form_code])
    closed = closures(point.form_code)
    ptype = forms.period_type(point.form_code, today)
    current = periods.key_of(today, ptype)
    last = periods.shift(current, -1)
    if point.until is not None:
        last = min(last, periods.key_of(point.until, ptype))
    first = max(periods.key_of(point.since, ptype), periods.shift(last, -(limit - 1)))
    keys = periods.between(first, last) if first <= last else []
    reports = {
        r.period: r
        for r in Report.objects.filter(point=point, period__gte=first).select_related("reporter")
    }
    if current in reports and current not in keys:
        keys.append(current)
    rows = []
    for key in reversed(keys):
        start, end = periods.bounds(key)
        due = forms.due(point.form_code, key)
        report = reports.get(key)
        if report is not None:
            status = "late" if report.late else "on_time"
        elif not is_active(point.since, point.until, start, end):
            status = "not_expected"
        elif due is not None and due >= today and not closed.get(key):
            status = "pending"
        else:
            status = "missing"
        rows.append(
            PeriodRow(
                key, due, period_state(forms, point.form_code, key, today, closed), report, status
            )
        )
    return rows


# --- A report's answers and versions ------------------------------------------------------------


def answers(form: ReportForm, values: dict) -> list[tuple[str, list[dict]]]:
    """The answers by section, in the form's order: [(section key, [{label, value, unit}])].
    Labels stay msgids (the template translates them); keys the form does not know come last."""
    sections: dict[str, list[dict]] = {}
    known = set()
    for q in form.questions:
        known.add(q["key"])
        sections.setdefault(q.get("section", ""), []).append(
            {
                "key": q["key"],
                "label": q["label"],
                "value": values.get(q["key"]),
                "unit": q.get("unit", ""),
                "type": q["type"],
            }
        )
    extra = [
        {"key": k, "label": k, "value": v, "unit": "", "type": "text"}
        for k, v in values.items()
        if k not in known
    ]
    if extra:
        sections.setdefault("", []).extend(extra)
    return list(sections.items())


def version_history(report: Report) -> list[dict]:
    """Every version, newest first, with what changed from the one before (question labels as
    msgids)."""
    labels = {q["key"]: q["label"] for q in report.form.questions}
    versions = list(report.versions.select_related("submitted_by").order_by("version"))
    history, previous = [], None
    for v in versions:
        changes = []
        if previous is not None:
            for key in [q["key"] for q in report.form.questions] + sorted(
                (set(v.values) | set(previous.values)) - set(labels)
            ):
                before, after = previous.values.get(key), v.values.get(key)
                if before != after:
                    changes.append(
                        {"label": labels.get(key, key), "before": before, "after": after}
                    )
        history.append({"version": v, "changes": changes})
        previous = v
    return list(reversed(history))


# --- Completeness and timeliness ----------------------------------------------------------------


@dataclass
class Figures:
    expected: int = 0
    received: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def completeness(self) -> float | None:
        return 100 * self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return 100 * self.on_time / self.expected if self.expected else None

    def add(self, other: "Figures") -> None:
        self.expected += other.expected
        self.received += other.received
        self.on_time += other.on_time


@dataclass
class Row:
    key: object
    label: str
    cells: list[Figures]
    total: Figures = field(default_factory=Figures)


@dataclass
class PointFigures:
    point_id: int
    expected: int = 0
    received: int = 0
    on_time: int = 0
    last: str | None = None  # the last period reported within the range
    missing_streak: int = 0  # consecutive expected periods missing up to the range's end

    @property
    def consistent(self) -> bool:
        return self.expected > 0 and self.received == self.expected


@dataclass
class Completeness:
    form_code: str
    periods: list[str]
    by_period: list[Figures]
    by_county: list[Row]
    by_kind: list[Row]
    total: Figures
    points: dict[int, PointFigures]

    @property
    def consistently_reporting(self) -> tuple[int, int]:
        """DHIS2's "consistently reporting": points that reported every expected period, of the
        points that reported at least once."""
        reporting = [p for p in self.points.values() if p.received]
        return sum(1 for p in reporting if p.consistent), len(reporting)


def completeness(principal, *, form_code: str, period_keys: list[str]) -> Completeness:
    points = scope.visible(
        SamplePoint.objects.filter(form_code=form_code), principal, perm="monitoring.point:view"
    )
    return figures(points, form_code, period_keys)


def figures(points: QuerySet, form_code: str, period_keys: list[str]) -> Completeness:
    """Expected, received and on time by period × county × kind, and per point, for the points
    of `points` (a queryset) over the periods. Three queries: the points, the reports grouped by
    period, county and kind, and the reports grouped by point."""
    keys = list(period_keys)
    index = {p: i for i, p in enumerate(keys)}
    spans = [periods.bounds(p) for p in keys]
    expected: dict[tuple, int] = defaultdict(int)  # (period index, county, kind) → n
    per_point: dict[int, PointFigures] = {}
    expected_at: dict[int, tuple[int, ...]] = {}
    # Points share their days in monitoring (designated together, rarely closed): the periods
    # each pair of days is active in are found once, and the points counted by county, kind and
    # days before they are spread over those periods.
    active_in: dict[tuple, tuple[int, ...]] = {}
    same: dict[tuple, int] = defaultdict(int)  # (county, kind, since, until) → points
    for pk, county, kind, since, until in points.values_list(
        "pk", "county_id", "kind", "since", "until"
    ):
        active = active_in.get((since, until))
        if active is None:
            active = active_in[(since, until)] = tuple(
                i for i, (s, e) in enumerate(spans) if is_active(since, until, s, e)
            )
        same[(county, kind, since, until)] += 1
        per_point[pk] = PointFigures(pk, expected=len(active))
        expected_at[pk] = active
    for (county, kind, since, until), n in same.items():
        for i in active_in[(since, until)]:
            expected[(i, county, kind)] += n

    reports = Report.objects.filter(point__in=points.values("pk"), period__in=keys).order_by()
    received: dict[tuple, tuple[int, int]] = {}
    on_time_q = Count("pk", filter=Q(late=False))
    for period, county, kind, n, on_time in reports.values_list(
        "period", "point__county_id", "point__kind"
    ).annotate(n=Count("pk"), on_time=on_time_q):
        received[(index[period], county, kind)] = (n, on_time)
    for pk, n, on_time, last in reports.values_list("point_id").annotate(
        n=Count("pk"), on_time=on_time_q, last=Max("period")
    ):
        pf = per_point.get(pk)
        if pf is not None:
            pf.received, pf.on_time, pf.last = n, on_time, last
    for pk, pf in per_point.items():
        last = index.get(pf.last, -1) if pf.last else -1
        pf.missing_streak = sum(1 for i in expected_at[pk] if i > last)

    cells: dict[tuple, Figures] = {}
    for cell in set(expected) | set(received):
        n, on_time = received.get(cell, (0, 0))
        exp = expected.get(cell, 0)
        # A report is counted only where the point was expected (services keep it so; a report
        # left outside by a direct edit must not push a rate over 100%).
        cells[cell] = Figures(exp, min(n, exp), min(on_time, exp))

    by_period = [Figures() for _p in keys]
    county_rows: dict[int, list[Figures]] = defaultdict(lambda: [Figures() for _p in keys])
    kind_rows: dict[str, list[Figures]] = defaultdict(lambda: [Figures() for _p in keys])
    for (i, county, kind), f in cells.items():
        by_period[i].add(f)
        county_rows[county][i].add(f)
        kind_rows[kind][i].add(f)
    total = Figures()
    for f in by_period:
        total.add(f)

    counties = {
        u.pk: u for u in Unit.objects.filter(pk__in=list(county_rows)).only("pk", "name", "path")
    }

    def row(key, label, row_cells):
        r = Row(key, label, row_cells)
        for f in row_cells:
            r.total.add(f)
        return r

    by_county = [
        row(pk, counties[pk].name, county_rows[pk])
        for pk in sorted(county_rows, key=lambda pk: counties[pk].path)
    ]
    kind_order = [k for k, _label in POINT_KINDS]
    by_kind = [
        row(k, KIND_LABELS.get(k, k), kind_rows[k])
        for k in sorted(
            kind_rows,
            key=lambda k: (k not in kind_order, kind_order.index(k) if k in kind_order else 0, k),
        )
    ]
    return Completeness(form_code, keys, by_period, by_county, by_kind, total, per_point)


def missing_points(points: QuerySet, period: str) -> QuerySet:
    """The points of `points` in monitoring in the period whose report is missing."""
    reported = Report.objects.filter(point=OuterRef("pk"), period=period)
    return points.filter(active_q(period)).filter(~Exists(reported))


def missing_streaks(points: list[SamplePoint], up_to: str, limit: int = 12) -> dict[int, int]:
    """{point id: consecutive periods missing up to and including `up_to`} over the last `limit`
    periods (one grouped query)."""
    first = periods.shift(up_to, -(limit - 1))
    keys = periods.between(first, up_to)
    last = dict(
        Report.objects.filter(
            point__in=[p.pk for p in points], period__gte=first, period__lte=up_to
        )
        .order_by()
        .values("point_id")
        .annotate(last=Max("period"))
        .values_list("point_id", "last")
    )
    streaks = {}
    for p in points:
        after = last.get(p.pk) or ""
        streaks[p.pk] = sum(
            1 for k in keys if k > after and is_active(p.since, p.until, *periods.bounds(k))
        )
    return streaks


# --- Reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    id: int
    ids: tuple[int, ...]  # every unread reminder of this point and period (marked read together)
    point_id: int
    point_name: str
    period: str
    kind: str
    kind_label: str
    due: dt.date | None
    sent_at: dt.datetime
    overdue: bool


def reminders_for(user, *, today: dt.date | None = None, limit: int = 20) -> list[ReminderItem]:
    """A reporter's unread reminders (newest first, one per point and period) for reports still
    missing at points still in monitoring: point name, period, kind, due day. Two queries."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or getattr(user, "is_token", False)
    ):
        return []
    today = today or clock.today()
    reported = Report.objects.filter(point=OuterRef("point_id"), period=OuterRef("period"))
    rows = list(
        Reminder.objects.filter(read_at__isnull=True, point__reporters=user)
        .filter(Q(point__until__isnull=True) | Q(point__until__gte=today))
        .filter(~Exists(reported))
        .select_related("point__unit")
        .order_by("-sent_at", "-pk")[: limit * 3]
    )
    if not rows:
        return []
    forms = Forms({r.point.form_code for r in rows})
    group: dict[tuple[int, str], list[int]] = defaultdict(list)
    for r in rows:
        group[(r.point_id, r.period)].append(r.pk)
    items, seen = [], set()
    for r in rows:
        if (r.point_id, r.period) in seen:
            continue
        seen.add((r.point_id, r.period))
        due = forms.due(r.point.form_code, r.period)
        items.append(
            ReminderItem(
                id=r.pk,
                ids=tuple(group[(r.point_id, r.period)]),
                point_id=r.point_id,
                point_name=r.point.unit.name,
                period=r.period,
                kind=r.kind,
                kind_label=str(REMINDER_LABELS.get(r.kind, r.kind)),
                due=due,
                sent_at=r.sent_at,
                overdue=due is not None and today > due,
            )
        )
    return items[:limit]


def point_reminders(point: SamplePoint, limit: int = 10) -> list[Reminder]:
    return list(Reminder.objects.filter(point=point).order_by("-sent_at", "-pk")[:limit])


# --- The home page's figures --------------------------------------------------------------------


def default_form_code(forms: Forms) -> str:
    """The form the completeness page shows when none is asked for."""
    codes = forms.codes() or ["burden"]
    return "burden" if "burden" in codes else codes[0]


@dataclass(frozen=True)
class MissingNow:
    form_code: str
    period: str
    due: dt.date | None
    missing: int


def missing_now(user, today: dt.date) -> MissingNow:
    """The points in the user's scope missing their report for the latest period that has ended
    (the completeness page's default missing list): two queries."""
    forms = Forms()
    code = default_form_code(forms)
    period = last_ended(forms, code, today)
    points = scope.visible(
        SamplePoint.objects.filter(form_code=code), user, perm="monitoring.point:view"
    )
    return MissingNow(code, period, forms.due(code, period), missing_points(points, period).count())


def rate_now(user, today: dt.date) -> tuple[str, str, Figures]:
    """(form code, period, figures): completeness and timeliness of the latest period judged
    (closed or past its due day) in the user's scope, as the completeness page shows it."""
    forms = Forms()
    code = default_form_code(forms)
    period = last_counted(forms, code, today, closures(code))
    return code, period, completeness(user, form_code=code, period_keys=[period]).by_period[0]


def reminders_seen(point_ids: list[int], period: str) -> dict[int, Reminder]:
    """The latest reminder of each point for the period (when it was sent, whether and when the
    reporter saw it): one query, for the office's list of missing points."""
    latest: dict[int, Reminder] = {}
    for r in Reminder.objects.filter(point_id__in=point_ids, period=period).order_by(
        "sent_at", "pk"
    ):
        latest[r.point_id] = r
    return latest


def reports_for(
    principal,
    *,
    point_ids: list[int] | None = None,
    county_id: int | None = None,
    period_from: str = "",
    period_to: str = "",
) -> QuerySet:
    """The reports the principal may read, of the points or the county's points, in a range of
    months (keys of one type sort as their periods do)."""
    qs = scope.visible(
        Report.objects.select_related("point__unit", "point__county"),
        principal,
        perm="monitoring.report:view",
        unit_field="point__unit",
    )
    if point_ids:
        qs = qs.filter(point_id__in=point_ids)
    if county_id:
        qs = qs.filter(point__county_id=county_id)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    return qs.order_by("point__unit__path", "period", "pk")
