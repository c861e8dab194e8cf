"""Reads of information reporting, each from the reader's scope: the lists, one submission, the
figures per unit and period (submitted, on time, adopted by tier, instructions, false, points),
the ranking (the quarterly table and the bulletin read the same function), and a unit's to-do.

Points of a unit in a period: for each piece it submitted in the period, the points of its
adoptions (each tier's points when adopted) and of its leaders' instructions; a piece marked false
scores nothing of those and costs the false-report penalty (a runtime setting) instead.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from jianfu.core import clock, periods, runtime, scope
from jianfu.core.models import Unit

from .models import (
    Adoption,
    AdoptionTier,
    Instruction,
    ReportingContact,
    ReportingRequirement,
    RequirementKind,
    Submission,
    SubmissionStatus,
)
from .services import FALSE_PENALTY, MANAGE, SUBMIT, VIEW


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def in_days(start: dt.date, end: dt.date) -> Q:
    return Q(submitted_at__gte=aware(start), submitted_at__lt=aware(end + dt.timedelta(days=1)))


def tiers() -> list[AdoptionTier]:
    return list(AdoptionTier.objects.all())


# --- Lists -----------------------------------------------------------------------------------


def submissions(user, *, status="", unit_id=None, start=None, end=None):
    qs = scope.visible(Submission.objects.all(), user, perm=VIEW).select_related("unit", "contact")
    if status in SubmissionStatus.values:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if start and end:
        qs = qs.filter(in_days(start, end))
    return qs.prefetch_related("adoptions__tier").order_by("-submitted_at", "-pk")


def submission(user, pk) -> Submission:
    qs = Submission.objects.select_related("unit", "contact", "requirement")
    return scope.get_for(qs, user, pk, perm=VIEW)


def pending_count(user) -> int:
    return (
        scope.visible(Submission.objects.all(), user, perm=MANAGE)
        .filter(status=SubmissionStatus.PENDING)
        .count()
    )


def requirements(user):
    """The office sees what its units published; a unit the requirements addressed to it."""
    scope.require(user, VIEW)
    return _within(user)


def _within(user):
    """The requirements the account's units published or were addressed, whatever its rights."""
    s = scope.scope_of(user)
    return (
        ReportingRequirement.objects.filter(Q(s.units_q("unit__")) | Q(pk__in=_addressed_ids(user)))
        .distinct()
        .order_by("-published_at", "-pk")
    )


def _addressed_ids(user):
    s = scope.scope_of(user)
    return ReportingRequirement.targets.through.objects.filter(s.units_q("unit__")).values(
        "reportingrequirement_id"
    )


def requirement(user, pk) -> ReportingRequirement:
    """One requirement the reader published (within its units) or was addressed; else 404. Found
    before the permission is asked, so a requirement outside the account's units is a 404 for
    every role and only one inside them is refused (403) to a role that may not see it."""
    try:
        found = _within(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    scope.require(user, VIEW)
    return found


def requirement_progress(user, req: ReportingRequirement, today: dt.date) -> list[dict]:
    """Each target unit in the reader's scope: pieces submitted for it (this period for a
    schedule), late ones, and whether a reminder went out."""
    s = scope.scope_of(user)
    targets = list(req.targets.filter(s.units_q()).order_by("path"))
    subs = Submission.objects.filter(requirement=req, unit__in=targets)
    period = ""
    if not req.is_commission:
        period = periods.key_of(today, req.period_type)
        subs = subs.filter(in_days(*periods.bounds(period)))
    counts = Counter(subs.values_list("unit_id", flat=True))
    late = Counter(subs.filter(on_time=False).values_list("unit_id", flat=True))
    reminded = set(
        req.reminders.filter(unit__in=targets, period=period or "once").values_list(
            "unit_id", flat=True
        )
    )
    return [
        {
            "unit": u,
            "submitted": counts[u.pk],
            "late": late[u.pk],
            "quota": req.quota,
            "done": counts[u.pk] >= req.quota,
            "reminded": u.pk in reminded,
        }
        for u in targets
    ]


def contacts(user):
    return (
        scope.visible(ReportingContact.objects.all(), user, perm=VIEW)
        .filter(until__isnull=True)
        .select_related("unit", "user")
        .order_by("unit__path", "since")
    )


def designatable_units(user):
    """The units a contact may be designated for, or a requirement addressed to: the open
    counties, departments and townships in the reader's scope."""
    kinds = ("county", "department", "county_department", "township")
    return (
        scope.visible(Unit.objects.all(), user, perm=MANAGE, unit_field=None)
        .filter(valid_until__isnull=True, kind__in=kinds)
        .order_by("path")
    )


# --- Figures and ranking ---------------------------------------------------------------------


@dataclass
class Row:
    unit_id: int
    name: str
    path: str
    submitted: int = 0
    on_time: int = 0
    adopted: dict = field(default_factory=dict)  # tier id → count
    adopted_total: int = 0
    instructions: int = 0
    false: int = 0
    points: int = 0
    rank: int = 0

    @property
    def on_time_pct(self) -> int | None:
        return round(self.on_time * 100 / self.submitted) if self.submitted else None


def figures(user, start: dt.date, end: dt.date, *, unit_ids=None) -> list[Row]:
    """Per unit in the reader's scope, the pieces submitted from start to end (inclusive) and
    what became of them, ranked by points (ties share a rank), then adoptions, then submissions.
    Units listed: those with a contact designated in the period, and any that submitted."""
    s = scope.require(user, VIEW)
    subs = list(
        Submission.objects.filter(s.units_q("unit__"))
        .filter(in_days(start, end))
        .values("pk", "unit_id", "on_time", "status")
    )
    unit_pks = {r["unit_id"] for r in subs}
    contact_units = (
        ReportingContact.objects.filter(s.units_q("unit__"), since__lte=end)
        .filter(Q(until__isnull=True) | Q(until__gte=start))
        .values_list("unit_id", flat=True)
    )
    unit_pks |= set(contact_units)
    if unit_ids is not None:
        unit_pks &= set(unit_ids)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_pks)}
    rows = {pk: Row(pk, u.name, u.path) for pk, u in units.items()}
    penalty = int(runtime.get(FALSE_PENALTY))
    of_sub = {}
    for r in subs:
        row = rows.get(r["unit_id"])
        if row is None:
            continue
        row.submitted += 1
        row.on_time += 1 if r["on_time"] else 0
        if r["status"] == SubmissionStatus.FALSE:
            row.false += 1
            row.points -= penalty
        else:
            of_sub[r["pk"]] = row
    ids = list(of_sub)
    for a in Adoption.objects.filter(submission_id__in=ids).values(
        "submission_id", "tier_id", "points"
    ):
        row = of_sub[a["submission_id"]]
        row.adopted[a["tier_id"]] = row.adopted.get(a["tier_id"], 0) + 1
        row.adopted_total += 1
        row.points += a["points"]
    for i in Instruction.objects.filter(submission_id__in=ids).values("submission_id", "points"):
        row = of_sub[i["submission_id"]]
        row.instructions += 1
        row.points += i["points"]
    ranked = sorted(
        rows.values(), key=lambda r: (-r.points, -r.adopted_total, -r.submitted, r.path)
    )
    previous = None
    for n, row in enumerate(ranked, start=1):
        row.rank = previous.rank if previous and previous.points == row.points else n
        previous = row
    return ranked


def period_bounds(key: str | None, today: dt.date) -> tuple[str, dt.date, dt.date]:
    """A period key ("2026-Q3", "2026-07", or a year "2026") and its first and last day; the
    current quarter when the key is missing or wrong."""
    key = (key or "").strip()
    if key.isdigit() and len(key) == 4:
        year = int(key)
        return key, dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        start, end = periods.bounds(key)
    except ValueError:
        key = periods.key_of(today, "quarter")
        start, end = periods.bounds(key)
    return key, start, end


def points_of(sub: Submission) -> int:
    if sub.status == SubmissionStatus.FALSE:
        return -int(runtime.get(FALSE_PENALTY))
    return sum(a.points for a in sub.adoptions.all()) + sum(
        i.points for i in sub.instructions.all()
    )


# --- A unit's to-do --------------------------------------------------------------------------


@dataclass
class Due:
    requirement: ReportingRequirement
    deadline: dt.date
    submitted: int
    quota: int
    period: str = ""

    @property
    def owed(self) -> int:
        return max(0, self.quota - self.submitted)


def todo(unit: Unit, today: dt.date | None = None) -> dict:
    """What a unit owes: commissions addressed to it not yet answered (due first; late ones too,
    until answered), and each running schedule's quota this period against what it sent."""
    today = today or clock.today()
    reqs = list(
        ReportingRequirement.objects.filter(
            targets=unit, closed=False, starts_on__lte=today
        ).order_by("deadline", "pk")
    )
    answered = Counter(
        Submission.objects.filter(unit=unit, requirement__in=[r.pk for r in reqs])
        .filter(Q(requirement__kind=RequirementKind.COMMISSION))
        .values_list("requirement_id", flat=True)
    )
    commissions, schedules = [], []
    for r in reqs:
        if r.is_commission:
            if not answered[r.pk]:
                commissions.append(Due(r, r.deadline, 0, 1))
        else:
            key = periods.key_of(today, r.period_type)
            start, end = periods.bounds(key)
            n = Submission.objects.filter(unit=unit, requirement=r).filter(in_days(start, end))
            schedules.append(Due(r, end, n.count(), r.quota, key))
    return {
        "commissions": commissions,
        "late": [d for d in commissions if d.deadline < today],
        "schedules": schedules,
    }


def commissions_due(user, today: dt.date | None = None) -> list[Due]:
    unit = user.home_unit
    if unit is None or not scope.can(user, SUBMIT):
        return []
    return todo(unit, today)["commissions"]
