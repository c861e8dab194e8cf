"""Reads of the burden meter: whom a request reaches, what it asks again (the flags), what it will
cost the grassroots (the estimate, calibrated by measured completion times) and what it did cost
(the measured minutes); a unit's monthly load from every source; the senders ranked by the load
they impose. Each read starts from the principal's scope or from a record already reached
through it."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jianfu.core import periods, scope
from jianfu.core.models import GRASSROOTS_KINDS, Unit, UnitKind
from jianfu.gate import held
from jianfu.registry.models import Document, Inspection, Meeting

from .models import DataRequest, Form, FormField, FormStatus, RequestStatus, Return

# A field's seconds are the median measured once this many submitted returns contain it.
MIN_MEASURED = 5
# A return left open longer than this measures a lunch break, not the form: kept on the
# request's page, left out of the calibration.
MAX_CALIBRATION_SECONDS = 3600
DEPARTMENT_KINDS = (UnitKind.DEPARTMENT, UnitKind.COUNTY_DEPARTMENT)
GRASSROOTS_LEVELS = (UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE)
STEP = Unit.steplen


# --- Whom a request reaches -----------------------------------------------------------------------


def area_of(unit: Unit) -> Unit:
    """The units a sender may ask: a department's are those of the city or county above it."""
    if unit.kind in DEPARTMENT_KINDS and unit.depth > 1:
        return unit.get_parent()
    return unit


def recipients_for(sender: Unit, levels, unit_ids=None):
    """The open grassroots units of `levels` in the sender's area (optionally only `unit_ids`)."""
    area = area_of(sender)
    qs = Unit.objects.filter(
        path__startswith=area.path, kind__in=list(levels), valid_until__isnull=True
    ).exclude(pk=area.pk)
    if unit_ids is not None:
        qs = qs.filter(pk__in=list(unit_ids))
    return qs.order_by("path")


# --- The flags ------------------------------------------------------------------------------------


@dataclass
class Flag:
    field_id: int
    field: str
    kind: str  # "held" (the platform holds it) or "returned" (an earlier return has it)
    where: str
    url_name: str = ""
    request_id: int | None = None
    period: str = ""

    def as_json(self) -> dict:
        return self.__dict__.copy()


def flags(request: DataRequest, fields=None, unit_ids=None) -> list[Flag]:
    """The fields of a draft the platform already holds, with where: a field held in a registry
    or report (FormField.held_in), and a field the same recipients already returned in an earlier
    return of any request (the latest such request and period)."""
    fields = ordered_fields(request) if fields is None else list(fields)
    if unit_ids is None:
        unit_ids = list(request.recipients.values_list("pk", flat=True))
    found: list[Flag] = []
    for f in fields:
        if f.held_in and (e := held.entry(f.held_in)):
            found.append(Flag(f.pk, f.name, "held", str(e.where), e.url_name))
    codes = {f.code: f for f in fields}
    earlier = (
        Return.objects.filter(unit_id__in=unit_ids, submitted_at__isnull=False)
        .exclude(request=request)
        .filter(request__fields__in=fields)
        .values_list("request_id", "request__title", "period", "values", "submitted_at")
        .order_by("-submitted_at")
        .distinct()
    )
    seen: set[str] = set()
    for request_id, title, period, values, _at in earlier:
        for code, f in codes.items():
            if code in seen or code not in (values or {}):
                continue
            seen.add(code)
            where = _("“%(t)s”%(p)s的填报") % {"t": title, "p": period_label(period)}
            found.append(
                Flag(f.pk, f.name, "returned", where, "burden_request_detail", request_id, period)
            )
        if len(seen) == len(codes):
            break
    order = {f.pk: i for i, f in enumerate(fields)}
    return sorted(found, key=lambda x: (order[x.field_id], x.kind))


def period_label(key: str) -> str:
    try:
        kind, year, n = periods.parse(key)
    except ValueError:
        return key
    if kind == "quarter":
        return _("%(y)s年第%(n)s季度") % {"y": year, "n": n}
    return _("%(y)s年%(n)s月") % {"y": year, "n": n}


# --- The estimate and the measure -----------------------------------------------------------------


@dataclass
class FieldSeconds:
    seconds: int
    measured: bool
    n: int  # submitted returns that measured it


def field_seconds(fields) -> dict[int, FieldSeconds]:
    """Each field's seconds: the median of (a return's seconds ÷ its fields) over the submitted
    returns of requests asking it, once MIN_MEASURED returns measured it; the dictionary's
    seconds until then."""
    fields = list(fields)
    ids = [f.pk for f in fields]
    per_field: dict[int, list[float]] = defaultdict(list)
    if ids:
        through = DataRequest.fields.through
        asked: dict[int, list[int]] = defaultdict(list)
        request_ids = set(
            through.objects.filter(formfield_id__in=ids).values_list("datarequest_id", flat=True)
        )
        for rid, fid in through.objects.filter(datarequest_id__in=request_ids).values_list(
            "datarequest_id", "formfield_id"
        ):
            asked[rid].append(fid)
        rows = Return.objects.filter(
            request_id__in=request_ids, submitted_at__isnull=False, started_at__isnull=False
        ).values_list("request_id", "started_at", "submitted_at")
        for rid, started, submitted in rows:
            secs = (submitted - started).total_seconds()
            if secs <= 0 or secs > MAX_CALIBRATION_SECONDS or not asked[rid]:
                continue
            share = secs / len(asked[rid])
            for fid in asked[rid]:
                per_field[fid].append(share)
    out = {}
    for f in fields:
        measured = per_field.get(f.pk, [])
        if len(measured) >= MIN_MEASURED:
            out[f.pk] = FieldSeconds(round(statistics.median(measured)), True, len(measured))
        else:
            out[f.pk] = FieldSeconds(f.seconds, False, len(measured))
    return out


@dataclass
class Estimate:
    rows: list  # (field, FieldSeconds)
    units: int
    periods: int
    field_seconds: int  # one return
    seconds: int  # all returns

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def minutes_per_return(self) -> float:
        return round(self.field_seconds / 60, 1)


def estimate(fields, units: int, n_periods: int) -> Estimate:
    """Estimated grassroots time: Σ fields' seconds × recipient units × periods."""
    fields = list(fields)
    secs = field_seconds(fields)
    one = sum(secs[f.pk].seconds for f in fields)
    return Estimate(
        [(f, secs[f.pk]) for f in fields], units, n_periods, one, one * units * n_periods
    )


def request_estimate(request: DataRequest) -> Estimate:
    return estimate(ordered_fields(request), request.recipients.count(), len(request.periods or []))


def ordered_fields(request: DataRequest) -> list[FormField]:
    """The request's fields in the form's order."""
    order = dict(request.form.items.values_list("field_id", "order"))
    return sorted(request.fields.all(), key=lambda f: (order.get(f.pk, 0), f.pk))


@dataclass
class Measured:
    expected: int
    submitted: int
    minutes_sum: float
    minutes_median: float | None
    rows: list = field(default_factory=list)  # returns with unit, period, minutes


def measured(request: DataRequest) -> Measured:
    rows = list(
        Return.objects.filter(request=request)  # the request was reached through the scope
        .select_related("unit", "submitted_by")
        .order_by("period", "unit__path")
    )
    minutes = [r.seconds / 60 for r in rows if r.submitted_at and r.seconds is not None]
    return Measured(
        len(rows),
        sum(1 for r in rows if r.submitted_at),
        round(sum(minutes), 1),
        round(statistics.median(minutes), 1) if minutes else None,
        rows,
    )


# --- The pre-filled return ------------------------------------------------------------------------


def prefill(ret: Return, fields) -> dict:
    """What the platform holds for this unit: registry counts for the return's period where a
    field is held in a registry; the unit's latest earlier value of the field otherwise."""
    out: dict = {}
    start, end = periods.bounds(ret.period)
    counters = {
        "registry.documents": lambda: documents_reaching(ret.unit, start, end).count(),
        "registry.meetings": lambda: meetings_reaching(ret.unit, start, end).count(),
        "registry.inspections": lambda: inspections_targeting(ret.unit, start, end).count(),
    }
    for f in fields:
        if f.held_in in counters:
            out[f.code] = counters[f.held_in]()
    wanted = [f.code for f in fields if f.code not in out]
    if wanted:
        earlier = (
            Return.objects.filter(unit=ret.unit, submitted_at__isnull=False)
            .exclude(pk=ret.pk)
            .order_by("-submitted_at")
            .values_list("values", flat=True)[:50]
        )
        for values in earlier:
            for code in wanted:
                if code not in out and code in (values or {}):
                    out[code] = values[code]
            if all(c in out for c in wanted):
                break
    return out


# --- A unit's load --------------------------------------------------------------------------------


def _issuers_above(unit: Unit) -> Q:
    """The units whose records reach `unit`: its ancestors and the departments directly under
    them (a city department's document reaches the villages of the city)."""
    q = Q(pk__in=[])
    for depth in range(1, unit.depth):
        path = unit.path[: depth * STEP]
        q |= Q(unit__path=path)
        q |= Q(unit__path__startswith=path, unit__depth=depth + 1, unit__kind__in=DEPARTMENT_KINDS)
    return q


def documents_reaching(unit: Unit, start: dt.date, end: dt.date):
    return Document.objects.filter(  # the unit was reached through the scope
        _issuers_above(unit), reaches_grassroots=True, issued_on__range=(start, end)
    )


def meetings_reaching(unit: Unit, start: dt.date, end: dt.date):
    return Meeting.objects.filter(  # the unit was reached through the scope
        _issuers_above(unit), grassroots_required=True, held_on__range=(start, end)
    )


def inspections_targeting(unit: Unit, start: dt.date, end: dt.date):
    return Inspection.objects.filter(  # the unit was reached through the scope
        targets=unit, starts_on__range=(start, end)
    )


@dataclass
class Month:
    key: str
    requests: int = 0
    returns: int = 0
    minutes: float = 0
    documents: int = 0
    meetings: int = 0
    inspections: int = 0

    @property
    def total(self) -> int:
        return self.requests + self.documents + self.meetings + self.inspections


def load(unit: Unit, year: int) -> list[Month]:
    """A unit's load month by month: requests received and returns filed with their minutes
    (the platform), documents reaching it, meetings it must attend, inspections of it."""
    months = {f"{year}-{m:02d}": Month(f"{year}-{m:02d}") for m in range(1, 13)}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    returns = Return.objects.filter(  # the unit was reached through the scope
        unit=unit, request__status__in=[RequestStatus.SENT, RequestStatus.CLOSED]
    ).values_list("request_id", "request__sent_at", "started_at", "submitted_at")
    received: dict[str, set] = defaultdict(set)
    for rid, sent_at, started, submitted in returns:
        sent_on = timezone.localdate(sent_at) if sent_at else None
        submitted_on = timezone.localdate(submitted) if submitted else None
        if sent_on and sent_on.year == year:
            received[periods.key_of(sent_on)].add(rid)
        if submitted_on and submitted_on.year == year:
            m = months[periods.key_of(submitted_on)]
            m.returns += 1
            if started:
                m.minutes += max(0, (submitted - started).total_seconds()) / 60
    for key, ids in received.items():
        months[key].requests = len(ids)
    for qs, attr, date_field in (
        (documents_reaching(unit, start, end), "documents", "issued_on"),
        (meetings_reaching(unit, start, end), "meetings", "held_on"),
        (inspections_targeting(unit, start, end), "inspections", "starts_on"),
    ):
        for day in qs.values_list(date_field, flat=True):
            setattr(
                months[periods.key_of(day)], attr, getattr(months[periods.key_of(day)], attr) + 1
            )
    for m in months.values():
        m.minutes = round(m.minutes, 1)
    return list(months.values())


# --- The senders ranked ---------------------------------------------------------------------------


@dataclass
class Sender:
    unit_id: int
    name: str
    requests: int = 0
    estimated_hours: float = 0
    measured_hours: float = 0
    returns: int = 0
    documents: int = 0
    meetings: int = 0
    inspections: int = 0
    rank: int = 0

    @property
    def records(self) -> int:
        return self.documents + self.meetings + self.inspections


def senders(principal, start: dt.date, end: dt.date, *, perm: str) -> list[Sender]:
    """The units in the principal's scope ranked by the grassroots load they imposed between
    start and end: hours asked by their data requests (estimated when sent, measured as
    returned), then their documents, meetings and inspections reaching the grassroots. Units
    that imposed nothing are left out. Only senders are ranked, never the platform's users."""
    s = scope.require(principal, perm)
    span = (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end, dt.time.max)),
    )
    rows: dict[int, Sender] = {}

    def row(unit_id: int, name: str) -> Sender:
        if unit_id not in rows:
            rows[unit_id] = Sender(unit_id, name)
        return rows[unit_id]

    requests = DataRequest.objects.filter(  # filtered by the scope's units below
        s.units_q("sender__"), sent_at__range=span
    ).values_list("sender_id", "sender__name", "estimated_seconds")
    for uid, name, secs in requests:
        r = row(uid, name)
        r.requests += 1
        r.estimated_hours += secs / 3600
    returned = Return.objects.filter(  # filtered by the senders' scope below
        s.units_q("request__sender__"),
        submitted_at__range=span,
        started_at__isnull=False,
    ).values_list("request__sender_id", "request__sender__name", "started_at", "submitted_at")
    for uid, name, started, submitted in returned:
        r = row(uid, name)
        r.returns += 1
        r.measured_hours += max(0, (submitted - started).total_seconds()) / 3600
    # Distinct only where the join to the targets repeats a record (counting distinct costs a
    # sort of every record counted).
    for model, attr, cond, distinct in (
        (Document, "documents", Q(reaches_grassroots=True, issued_on__range=(start, end)), False),
        (Meeting, "meetings", Q(grassroots_required=True, held_on__range=(start, end)), False),
        (
            Inspection,
            "inspections",
            Q(starts_on__range=(start, end), targets__kind__in=list(GRASSROOTS_KINDS)),
            True,
        ),
    ):
        counts = (
            model.objects.filter(s.units_q("unit__"))  # filtered by the scope's units
            .filter(cond)
            .values("unit_id", "unit__name")
            .annotate(n=Count("pk", distinct=distinct))
        )
        for c in counts:
            setattr(row(c["unit_id"], c["unit__name"]), attr, c["n"])
    ranked = sorted(
        rows.values(),
        key=lambda r: (-r.estimated_hours, -r.measured_hours, -r.records, r.name),
    )
    for i, r in enumerate(ranked, 1):
        r.rank = i
        r.estimated_hours = round(r.estimated_hours, 1)
        r.measured_hours = round(r.measured_hours, 1)
    return ranked


# --- Lists ----------------------------------------------------------------------------------------


def forms_visible(principal, perm: str):
    """The catalogue as the principal sees it: every admitted form, and the proposed or withdrawn
    forms of its own units."""
    s = scope.require(principal, perm)
    return (
        Form.objects.filter(Q(status=FormStatus.ADMITTED) | s.units_q("sender__"))
        .select_related("sender")
        .annotate(n_fields=Count("items", distinct=True))
        .order_by("status", "sender__path", "name")
    )


def returns_to_fill(principal, perm: str):
    """The open returns of the principal's units: sent, not yet submitted."""
    return (
        scope.visible(Return.objects.all(), principal, perm=perm)
        .filter(request__status=RequestStatus.SENT, submitted_at__isnull=True)
        .select_related("request", "request__sender", "unit")
        .order_by("request__due_on", "unit__path", "period")
    )


def returned_fields():
    """Data held once returned: each admitted form's fields that a submitted return holds."""
    return (
        Form.objects.filter(  # the catalogue is city-wide
            status=FormStatus.ADMITTED, requests__returns__submitted_at__isnull=False
        )
        .distinct()
        .select_related("sender")
        .prefetch_related("items__field")
    )
