"""Reads of proposals through the gate: the office's review queue, a unit's proposals by status,
the units under the gate, what backs each registry record of those units (for the rules), and the
period's figures the bulletin section and the figures page both read."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from jianfu.core import clock, scope
from jianfu.registry.models import Category, Document, Inspection, Meeting

from .models import Enrolment, Proposal, ProposalStatus
from .services import REVIEW, VIEW

MODELS = {Category.DOCUMENT: Document, Category.MEETING: Meeting, Category.INSPECTION: Inspection}
DATE_FIELDS = {
    Category.DOCUMENT: "issued_on",
    Category.MEETING: "held_on",
    Category.INSPECTION: "starts_on",
}
BACKED = (ProposalStatus.APPROVED, ProposalStatus.ISSUED)


def visible(principal) -> QuerySet:
    """The proposals of the principal's units (403 without the view code)."""
    return scope.visible(Proposal.objects.all(), principal, perm=VIEW).select_related("unit")


def proposal_for(principal, pk) -> Proposal:
    """One proposal: 404 outside the principal's units, 403 without the view code."""
    return scope.get_for(
        Proposal.objects.select_related("unit", "plan_item", "submitted_by", "reviewed_by"),
        principal,
        pk,
        perm=VIEW,
    )


def waiting_days(p: Proposal, today: dt.date | None = None) -> int:
    if p.submitted_at is None:
        return 0
    today = today or clock.today()
    return max(0, (today - timezone.localtime(p.submitted_at).date()).days)


def review_queue(principal) -> list[Proposal]:
    """Submitted proposals the principal may review, oldest first, each with `waiting` days.
    The reviewer's own unit's proposals are left out (they cannot review them)."""
    scope.require(principal, REVIEW)
    qs = (
        visible(principal)
        .filter(status=ProposalStatus.SUBMITTED)
        .exclude(unit_id=getattr(principal, "home_unit_id", None))
        .select_related("plan_item")
        .order_by("submitted_at", "pk")
    )
    today = clock.today()
    rows = list(qs)
    for p in rows:
        p.waiting = waiting_days(p, today)
    return rows


def unit_proposals(principal, *, status: str = "", unit_id: int | None = None) -> QuerySet:
    qs = visible(principal)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("plan_item").order_by("-updated_at", "-pk")


def status_counts(principal, *, unit_id: int | None = None) -> dict[str, int]:
    qs = visible(principal)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return dict(qs.order_by().values_list("status").annotate(n=Count("pk")))


def to_do(principal) -> dict[str, list[Proposal]]:
    """A contact's proposals that wait on the unit: returned (to change and resubmit) and approved
    (to mark issued once out)."""
    home = getattr(principal, "home_unit_id", None)
    qs = visible(principal).filter(
        unit_id=home, status__in=(ProposalStatus.RETURNED, ProposalStatus.APPROVED)
    )
    out: dict[str, list[Proposal]] = {ProposalStatus.RETURNED: [], ProposalStatus.APPROVED: []}
    for p in qs.order_by("reviewed_at", "pk"):
        out[p.status].append(p)
    return out


# --- Units under the gate -----------------------------------------------------------------------


def enrolled(unit_ids=None) -> dict[int, dt.date]:
    """{unit id: the day it came under the gate}."""
    qs = Enrolment.objects.all()
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    return dict(qs.values_list("unit_id", "since"))


def enrolments(principal) -> list[Enrolment]:
    scope.require(principal, REVIEW)
    s = scope.scope_of(principal)
    return list(
        Enrolment.objects.filter(s.units_q("unit__")).select_related("unit").order_by("unit__path")
    )


# --- What backs a registry record ---------------------------------------------------------------


@dataclass
class Checked:
    """A registry record of a unit under the gate, dated from its day on, and what backs it."""

    category: str
    record: object
    day: dt.date
    backing: Proposal | None  # the approved (or issued) proposal behind it
    pending: Proposal | None = None  # an out-of-plan proposal of the same title not approved
    imported: bool = False

    @property
    def subject(self) -> str:
        return f"{self.category[0]}{self.record.pk}"

    @property
    def out_of_plan(self) -> bool:
        """Issued outside the plan without an approved case-by-case request."""
        if self.backing is not None:
            return False
        if self.pending is not None:
            return True
        return self.category == Category.INSPECTION and not self.record.in_plan

    @property
    def unreviewed(self) -> bool:
        return self.backing is None and not self.out_of_plan


def checked_records(as_of: dt.date, unit_ids=None, categories=None) -> list[Checked]:
    """Every registry record of the units under the gate dated from their day up to `as_of`, with
    the proposal behind it: one whose `record_id` is the record, or — for a record imported from
    the OA system (an external id or an import batch) — an approved proposal of the same unit,
    category and title. A few queries whatever the number of records."""
    since = enrolled(unit_ids)
    if not since:
        return []
    first = min(since.values())
    out: list[Checked] = []
    proposals = list(
        Proposal.objects.filter(unit_id__in=list(since)).only(
            "pk",
            "unit_id",
            "category",
            "title",
            "status",
            "record_id",
            "plan_item_id",
            "special_task",
        )
    )
    by_record = {
        (p.category, p.record_id): p
        for p in proposals
        if p.record_id and p.status == ProposalStatus.ISSUED
    }
    by_title: dict[tuple, Proposal] = {}
    pending: dict[tuple, Proposal] = {}
    for p in proposals:
        key = (p.unit_id, p.category, p.title.strip())
        if p.status in BACKED:
            by_title.setdefault(key, p)
        elif p.plan_item_id is None and p.status != ProposalStatus.DRAFT:
            pending.setdefault(key, p)
    for category, model in MODELS.items():
        if categories and category not in categories:
            continue
        date_field = DATE_FIELDS[category]
        qs = model.objects.filter(
            unit_id__in=list(since),
            **{f"{date_field}__gte": first, f"{date_field}__lte": as_of},
        ).order_by(date_field, "pk")
        for record in qs:
            day = getattr(record, date_field)
            if day < since[record.unit_id]:
                continue
            key = (record.unit_id, category, record.title.strip())
            imported = bool(record.external_id or record.import_record_id)
            backing = by_record.get((category, record.pk))
            if backing is None and imported:
                backing = by_title.get(key)
            out.append(
                Checked(
                    category=category,
                    record=record,
                    day=day,
                    backing=backing,
                    pending=pending.get(key) if backing is None else None,
                    imported=imported,
                )
            )
    return out


# --- Figures for the bulletin and the figures page ----------------------------------------------


@dataclass
class Figures:
    reviewed: int = 0
    approved: int = 0
    returned: int = 0
    submitted: int = 0
    case_by_case: list[Proposal] = field(default_factory=list)  # out-of-plan approved
    returns: list[Proposal] = field(default_factory=list)  # returned, with reasons
    unapproved: list[Checked] = field(default_factory=list)  # issued out of plan, unapproved


def figures(principal, start: dt.date, end: dt.date) -> Figures:
    """The period's reviews in the principal's units: how many reviewed, approved and returned
    (each return with its reasons), the case-by-case requests approved, and the registry records
    issued out of plan without approval."""
    qs = visible(principal)
    s = scope.scope_of(principal)
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    in_period = qs.filter(reviewed_at__gte=lo, reviewed_at__lt=hi)
    f = Figures()
    f.submitted = qs.filter(submitted_at__gte=lo, submitted_at__lt=hi).count()
    # A proposal's last review decides its status; those later withdrawn still count as reviewed.
    rows = list(in_period.order_by("reviewed_at", "pk"))
    f.reviewed = len(rows)
    f.returns = [p for p in rows if p.status == ProposalStatus.RETURNED]
    f.returned = len(f.returns)
    approved = [p for p in rows if p.status in BACKED]
    f.approved = len(approved)
    f.case_by_case = [p for p in approved if p.plan_item_id is None]
    # The units under the gate in the principal's scope (few), not every unit of the scope.
    units = list(Enrolment.objects.filter(s.units_q("unit__")).values_list("unit_id", flat=True))
    f.unapproved = [
        c for c in checked_records(end, units) if c.out_of_plan and start <= c.day <= end
    ]
    return f


def merge_candidates(p: Proposal, principal) -> dict:
    """Meetings of the same ISO week as the proposed one with overlapping attend levels, among the
    principal's units: other proposals (submitted, approved, issued) and registered meetings."""
    if p.category != Category.MEETING or not p.planned_on:
        return {"proposals": [], "meetings": []}
    year, week, _day = p.planned_on.isocalendar()
    monday = p.planned_on - dt.timedelta(days=p.planned_on.isoweekday() - 1)
    sunday = monday + dt.timedelta(days=6)
    levels = set(p.attend_levels or [])
    s = scope.scope_of(principal)
    others = (
        Proposal.objects.filter(s.units_q("unit__"))
        .filter(
            category=Category.MEETING,
            planned_on__range=(monday, sunday),
            status__in=(ProposalStatus.SUBMITTED, *BACKED),
        )
        .exclude(pk=p.pk)
        .select_related("unit")
        .order_by("planned_on", "pk")
    )
    meetings = (
        Meeting.objects.filter(s.units_q("unit__"))
        .filter(held_on__range=(monday, sunday))
        .exclude(pk__in=[x for x in [p.record_id] if x])
        .select_related("unit")
        .order_by("held_on", "pk")
    )
    return {
        "proposals": [x for x in others if levels & set(x.attend_levels or [])],
        "meetings": [m for m in meetings if levels & set(m.attend_levels or [])],
        "monday": monday,
        "sunday": sunday,
        "week": week,
        "year": year,
    }
