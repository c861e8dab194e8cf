"""Reads on the problem list and the rectification ledger. Each starts from a scoped queryset
(scope.visible / scope.get_for), so a page, an export or an API endpoint cannot reach problems
outside the principal's units; each list runs a fixed number of queries whatever its length.

"Overdue" is one definition everywhere: a measure still being worked on (draft, in progress,
returned) whose deadline is before today. A submitted measure waits on the verifier, not on the
unit, so it is not overdue.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404

from jianfu.core import clock, scope
from jianfu.core.models import Unit, User

from ..models import (
    UNFINISHED,
    Attachment,
    Measure,
    MeasureKind,
    MeasureStatus,
    NegativeListItem,
    Problem,
    ProblemStatus,
    Step,
)

VIEW = "rectification.problem:view"
VERIFY = "rectification.measure:verify"
REVIEW = "rectification.measure:review"
DUE_SOON_DAYS = 7
# How far ahead the office's list of reviews (回头看) looks: a month to plan the visits.
REVIEW_HORIZON_DAYS = 30


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": UNFINISHED, f"{prefix}deadline__lt": today})


def due_soon_q(today: dt.date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status__in": UNFINISHED,
            f"{prefix}deadline__gte": today,
            f"{prefix}deadline__lte": today + dt.timedelta(days=DUE_SOON_DAYS),
        }
    )


# --- Units --------------------------------------------------------------------------------------


def scope_units(user, *, perm: str = VIEW) -> QuerySet:
    """The open units in the user's scope, in tree order."""
    return scope.visible(
        Unit.objects.filter(valid_until__isnull=True), user, perm=perm, unit_field=None
    ).order_by("path")


def covers_several_units(user) -> bool:
    return scope.visible(Unit.objects.all(), user, perm=VIEW, unit_field=None)[:2].count() > 1


def counties(user) -> list[Unit]:
    """Counties (and the city's departments) in scope: the overview's "under" filter."""
    return list(
        scope.visible(Unit.objects.filter(kind="county"), user, perm=VIEW, unit_field=None)
        .order_by("path")
        .only("pk", "name", "short_name", "path")
    )


# --- The office's overview ----------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    name: str
    kind: str
    path: str
    open: int
    closed: int
    unfinished: int
    overdue: int
    due_soon: int
    submitted: int
    relapsed: int
    reviews_due: int = 0

    @property
    def problems(self) -> int:
        return self.open + self.closed


def overview(
    user, *, kind: str = "", under: Unit | None = None, overdue_only: bool = False
) -> list[UnitRow]:
    """Every unit in scope that has problems, with its counts: one grouped query.

    Counts are of the unit's own problems (the unit the problem was found in); the unit's ledger
    page also lists the problems of the units below it.
    """
    today = clock.today()
    qs = scope.visible(Problem.objects.all(), user, perm=VIEW)
    # Counted only for those who review; the same definition as the list of reviews_due.
    reviews = (
        Count("measures", filter=review_pending_q(user, today, measure="measures__", problem=""))
        if scope.can(user, REVIEW)
        else Value(0)
    )
    if kind:
        qs = qs.filter(unit__kind=kind)
    if under is not None:
        qs = qs.filter(unit__path__startswith=under.path)
    # Problem counts are distinct because the measures join repeats each problem once per
    # measure; measure counts need no distinct (each joined row is one measure).
    rows = (
        qs.values("unit", "unit__name", "unit__kind", "unit__path")
        .annotate(
            open=Count("pk", filter=Q(status=ProblemStatus.OPEN), distinct=True),
            closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED), distinct=True),
            relapsed=Count("pk", filter=Q(relapses__gt=0), distinct=True),
            unfinished=Count("measures", filter=Q(measures__status__in=UNFINISHED)),
            overdue=Count("measures", filter=overdue_q(today, "measures__")),
            due_soon=Count("measures", filter=due_soon_q(today, "measures__")),
            submitted=Count("measures", filter=Q(measures__status=MeasureStatus.SUBMITTED)),
            reviews_due=reviews,
        )
        .order_by()
    )
    out = [
        UnitRow(
            unit_id=r["unit"],
            name=r["unit__name"],
            kind=r["unit__kind"],
            path=r["unit__path"],
            **{
                k: r[k]
                for k in (
                    "open",
                    "closed",
                    "unfinished",
                    "overdue",
                    "due_soon",
                    "submitted",
                    "relapsed",
                    "reviews_due",
                )
            },
        )
        for r in rows
    ]
    if overdue_only:
        out = [r for r in out if r.overdue]
    out.sort(key=lambda r: (-r.overdue, -r.due_soon, -r.submitted, -r.unfinished, r.path))
    return out


def overview_totals(rows: list[UnitRow]) -> dict[str, int]:
    keys = (
        "open",
        "closed",
        "unfinished",
        "overdue",
        "due_soon",
        "submitted",
        "relapsed",
        "reviews_due",
    )
    totals = {k: sum(getattr(r, k) for r in rows) for k in keys}
    totals["units"] = len(rows)
    return totals


# --- A unit's ledger ----------------------------------------------------------------------------

LEDGER_STATUSES = ("unfinished", "overdue", "due_soon", "submitted", "verified")


def ledger(user, unit: Unit, *, status: str = "", kind: str = "") -> QuerySet:
    """The measures of the problems of `unit` and the units below it: overdue first (the most
    overdue first), then by deadline (due soon first), verified last (latest closure first)."""
    today = clock.today()
    last_step = Step.objects.filter(measure=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
    qs = (
        scope.visible(Measure.objects.all(), user, perm=VIEW, unit_field="problem__unit")
        .filter(problem__unit__path__startswith=unit.path)
        .select_related("problem", "problem__unit", "responsible_unit", "verifier")
        .annotate(
            rank=Case(
                When(overdue_q(today), then=Value(0)),
                When(status=MeasureStatus.VERIFIED, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            last_at=Subquery(last_step),
        )
    )
    if status == "unfinished":
        qs = qs.filter(status__in=UNFINISHED)
    elif status == "overdue":
        qs = qs.filter(overdue_q(today))
    elif status == "due_soon":
        qs = qs.filter(due_soon_q(today))
    elif status in (MeasureStatus.SUBMITTED, MeasureStatus.VERIFIED):
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    # Within the verified: the latest closure first; elsewhere by deadline.
    return qs.order_by("rank", "deadline", "-verified_at", "pk")


def problems_without_measures(user, unit: Unit) -> QuerySet:
    """Open problems of the unit's subtree on which nobody has set a measure yet."""
    return (
        scope.visible(Problem.objects.all(), user, perm=VIEW)
        .filter(unit__path__startswith=unit.path, status=ProblemStatus.OPEN)
        .filter(~Exists(Measure.objects.filter(problem=OuterRef("pk"))))
        .select_related("unit")
        .order_by("found_on", "pk")
    )


# --- The problem list ---------------------------------------------------------------------------


@dataclass
class ProblemFilter:
    status: str = ""
    source: str = ""
    severity: int | None = None
    unit: Unit | None = None
    overdue: bool = False
    q: str = ""


def problems(user, f: ProblemFilter | None = None) -> QuerySet:
    """The problems the user may see, filtered, with their measure counts (one query)."""
    f = f or ProblemFilter()
    today = clock.today()
    qs = scope.visible(Problem.objects.all(), user, perm=VIEW)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.q:
        in_measures = Measure.objects.filter(problem=OuterRef("pk"), content__icontains=f.q)
        qs = qs.filter(Q(description__icontains=f.q) | Exists(in_measures))
    if f.overdue:
        # An IN over the overdue measures rather than a correlated EXISTS: SQLite ran the EXISTS
        # for every problem in scope (2.6 times slower at province scale); PostgreSQL plans both
        # as the same semi-join.
        overdue = Measure.objects.filter(overdue_q(today)).values("problem_id")
        qs = qs.filter(pk__in=overdue)
    return (
        qs.select_related("unit", "item")
        .annotate(
            measure_count=Count("measures"),
            verified_count=Count("measures", filter=Q(measures__status=MeasureStatus.VERIFIED)),
            overdue_count=Count("measures", filter=overdue_q(today, "measures__")),
        )
        .order_by("-found_on", "-pk")
    )


def units_with_problems(user, limit: int = 300) -> list[Unit]:
    ids = scope.visible(Problem.objects.all(), user, perm=VIEW).values("unit")
    return list(Unit.objects.filter(pk__in=ids).order_by("path")[:limit])


# --- One problem --------------------------------------------------------------------------------


def _assigned(user) -> Q:
    """Measures the office assigned `user` to verify, not verified yet: the verifier reads them
    (and their problem and files) even outside their own units, to verify them."""
    if not getattr(user, "pk", None):
        return Q(pk__in=[])
    return Q(verifier_id=user.pk) & ~Q(status=MeasureStatus.VERIFIED)


def _as_verifier(qs: QuerySet, user, pk, *, perm: str, field: str = "pk", measures: str):
    """`qs`'s record `pk` reached through an assignment to verify (404 when there is none)."""
    if perm != VIEW or not scope.can(user, VIEW):
        raise Http404
    assigned = Measure.objects.filter(_assigned(user)).values(measures)
    try:
        obj = qs.filter(pk=pk, **{f"{field}__in": assigned}).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def problem_for(user, pk, *, perm: str = VIEW) -> Problem:
    """One problem (404 outside scope, 403 without the code); a verifier the office assigned
    reads the problem of the measure assigned."""
    qs = Problem.objects.select_related("unit", "item", "item__negative_list", "created_by")
    try:
        return scope.get_for(qs, user, pk, perm=perm)
    except Http404:
        return _as_verifier(qs, user, pk, perm=perm, measures="problem_id")


def in_own_units(user, problem: Problem) -> bool:
    """Is the problem within the user's own units (or reached only as its assigned verifier)?"""
    return scope.scope_of(user).covers_path(problem.unit.path)


def measures_of(problem: Problem) -> list[Measure]:
    return list(
        problem.measures.select_related(
            "responsible_unit", "verifier", "submitted_by", "verified_by", "updated_by"
        )
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def history(problem: Problem) -> list[Step]:
    """The problem's steps, oldest first, with who and the files of each step."""
    return list(
        problem.steps.select_related("by", "measure")
        .prefetch_related("attachments")
        .order_by("at", "pk")
    )


def attachments_of(problem: Problem) -> list[Attachment]:
    return list(
        problem.attachments.select_related("measure", "uploaded_by").order_by("uploaded_at", "pk")
    )


def measure_for(user, pk, *, perm: str = VIEW) -> Measure:
    qs = Measure.objects.select_related(
        "problem", "problem__unit", "responsible_unit", "verifier", "updated_by"
    )
    try:
        return scope.get_for(qs, user, pk, perm=perm, unit_field="problem__unit")
    except Http404:
        return _as_verifier(qs, user, pk, perm=perm, measures="pk")


def attachment_for(user, pk) -> Attachment:
    try:
        return scope.get_for(Attachment, user, pk, perm=VIEW, unit_field="problem__unit")
    except Http404:
        return _as_verifier(
            Attachment.objects.all(), user, pk, perm=VIEW, field="problem_id", measures="problem_id"
        )


def published_items() -> list[NegativeListItem]:
    """The items of every published negative list, newest list first (the problem form)."""
    return list(
        NegativeListItem.objects.filter(negative_list__published_at__isnull=False)
        .select_related("negative_list")
        .order_by("-negative_list__year", "-negative_list__version", "position", "pk")
    )


# The roles whose holders may be asked to verify: business roles that read the ledger (a
# sample-point reporter does not; the three administrators hold no business role).
VERIFIER_ROLES = ("office", "leader", "discipline", "contact")


def verifier_candidates(user, problem: Problem, responsible_unit_id: int | None = None) -> list:
    """Accounts the office may assign to verify a measure of `problem`: active accounts holding a
    business role, at home in a unit of the office's scope, but neither of the problem's unit nor
    of the responsible unit (the rectifying unit never verifies itself). In tree order of their
    unit, so a page can group them by unit. A problem of the city unit itself thus still has
    verifiers: the discipline commission's or another county's people."""
    s = scope.require(user, VIEW)
    own = {problem.unit_id, responsible_unit_id} - {None}
    return list(
        User.objects.filter(
            s.units_q("home_unit__"),
            is_active=True,
            role_grants__role__in=VERIFIER_ROLES,
        )
        .exclude(home_unit__in=own)
        .select_related("home_unit")
        .distinct()
        .order_by("home_unit__path", "full_name", "username")
    )


# --- Verification -------------------------------------------------------------------------------


def verify_queue(user) -> QuerySet:
    """Submitted measures this user may verify, the longest waiting first: those assigned to the
    user, and (with the verify code) every other in scope except the user's own unit's and what
    the user submitted. The service checks again at the click."""
    s = scope.require(user, VIEW)
    qs = Measure.objects.filter(s.units_q("problem__unit__") | _assigned(user))
    if not scope.can(user, VERIFY):
        qs = qs.filter(verifier=user)
    own = user.home_unit_id
    return (
        qs.filter(status=MeasureStatus.SUBMITTED)
        .exclude(problem__unit=own)
        .exclude(responsible_unit=own)
        .exclude(submitted_by=user)
        .select_related("problem", "problem__unit", "responsible_unit", "submitted_by", "verifier")
        .order_by("submitted_at", "pk")
    )


# --- Reviews (回头看) ----------------------------------------------------------------------------


def review_pending_q(
    user,
    today: dt.date,
    horizon_days: int = REVIEW_HORIZON_DAYS,
    *,
    measure: str = "",
    problem: str = "problem__",
) -> Q:
    """Verified long-term measures whose review date falls by today + horizon and that nobody has
    looked at again since their last verification (a relapse re-verified needs a new review),
    less those `user` may not review (measures._verifier_allowed: not of the user's own unit,
    as the problem's unit or the responsible one, nor what the user submitted).

    `measure` and `problem` are the paths to the measure's and its problem's fields, so the
    overview can count the same thing from problems ("measures__", "")."""
    m = measure
    own = user.home_unit_id
    not_reviewed = Q(**{f"{m}reviewed_at__isnull": True}) | Q(
        **{f"{m}reviewed_at__lt": F(f"{m}verified_at")}
    )
    return (
        Q(
            **{
                f"{m}kind": MeasureKind.LONG_TERM,
                f"{m}status": MeasureStatus.VERIFIED,
                f"{m}review_on__lte": today + dt.timedelta(days=horizon_days),
            }
        )
        & not_reviewed
        & ~Q(**{f"{problem}unit": own})
        & ~Q(**{f"{m}responsible_unit": own})
        & ~Q(**{f"{m}submitted_by": user.pk})
    )


def reviews_due(user, today: dt.date, horizon_days: int = REVIEW_HORIZON_DAYS) -> QuerySet:
    """The reviews (回头看) the user is to hold: review_pending_q over the user's units, the
    earliest review date first (so the overdue ones lead). 403 without the review code."""
    return (
        scope.visible(Measure.objects.all(), user, perm=REVIEW, unit_field="problem__unit")
        .filter(review_pending_q(user, today, horizon_days))
        .select_related("problem", "problem__unit", "responsible_unit")
        .order_by("review_on", "pk")
    )


# --- The home page's figures --------------------------------------------------------------------
# Each is the count of one list page's filter, so the home page's link lands on exactly the
# items it counts.


def ledger_todo(user, unit: Unit, today: dt.date) -> dict[str, int]:
    """Overdue and due-soon measures of `unit`'s ledger (ledger(status="overdue"/"due_soon"))
    and its open problems without a measure: two queries."""
    measures = scope.visible(
        Measure.objects.all(), user, perm=VIEW, unit_field="problem__unit"
    ).filter(problem__unit__path__startswith=unit.path)
    counts = measures.aggregate(
        overdue=Count("pk", filter=overdue_q(today)),
        due_soon=Count("pk", filter=due_soon_q(today)),
    )
    counts["without_measures"] = problems_without_measures(user, unit).count()
    return counts


def verify_todo(user, today: dt.date) -> dict:
    """What waits on the user as verifier: the verify queue and the reviews due (the two lists of
    the verify page), with the longest wait and the overdue reviews. Two queries (one without
    the review code)."""
    out = verify_queue(user).aggregate(n=Count("pk"), first=Min("submitted_at"))
    if scope.can(user, REVIEW):
        out.update(
            reviews_due(user, today).aggregate(
                reviews=Count("pk"), reviews_overdue=Count("pk", filter=Q(review_on__lt=today))
            )
        )
    return out


def problem_figures(user, today: dt.date) -> dict[str, int]:
    """Problems open, closed and with overdue measures (the problem list's filters): two
    queries."""
    qs = scope.visible(Problem.objects.all(), user, perm=VIEW)
    out = qs.aggregate(
        open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
        closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED)),
    )
    out["overdue"] = qs.filter(
        pk__in=Measure.objects.filter(overdue_q(today)).values("problem_id")
    ).count()
    return out
