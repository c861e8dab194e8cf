"""Reads for the inbox: scoped signals, their counts and filters. (The rules' own reads are in
rules/reads.py.)"""

from django.db.models import QuerySet

from jianfu.core import scope
from jianfu.core.models import Unit
from jianfu.core.queries import count_by

from .models import Signal, SignalStatus
from .rules import RULES

# What sample points report is the independent check on the units above them: signals built on
# the reports' contents are shown only to those who may read the reports (not to the county's
# own contact, who sees THAT its points report, not WHAT they say).
REPORT_GROUPS = ("truth", "felt")


def readable(user) -> QuerySet:
    """Signals of the kinds the user may read, before scope (scope.get_for adds it, with 404)."""
    qs = Signal.objects.all()
    if not scope.can(user, "monitoring.report:view"):
        qs = qs.exclude(rule__in=[c for c, r in RULES.items() if r.group in REPORT_GROUPS])
    return qs


def signals_for(user) -> QuerySet:
    """The signals of the user's units."""
    return scope.visible(readable(user), user, perm="signals.signal:view")


def inbox(
    user,
    *,
    rule: str = "",
    status: str = "",
    severity: int | None = None,
    unit_id: int | None = None,
    under: int | None = None,
    period: str = "",
    order: str = "severity",
) -> QuerySet:
    qs = signals_for(user).select_related("unit")
    if under:
        # A unit and the units below it (a county's profile counts its points' signals too).
        path = Unit.objects.filter(pk=under).values_list("path", flat=True).first()
        qs = qs.filter(unit__path__startswith=path) if path else qs.none()
    if rule:
        qs = qs.filter(rule=rule)
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if period:
        qs = qs.filter(period=period)
    if order == "newest":
        return qs.order_by("-last_seen_at", "-severity", "-pk")
    return qs.order_by("-severity", "-last_seen_at", "-pk")


def status_counts(qs: QuerySet) -> dict[str, int]:
    counts = count_by(qs, "status")
    out = {s: counts.get(s, 0) for s in SignalStatus.values}
    out["all"] = sum(out.values())
    return out


def filter_choices(user) -> dict[str, list]:
    """The units and periods that have signals in the user's scope (for the filter selects)."""
    qs = signals_for(user).order_by()
    units = list(
        qs.values_list("unit_id", "unit__name", "unit__path").distinct().order_by("unit__path")
    )
    periods = sorted(set(qs.values_list("period", flat=True)), reverse=True)
    return {"units": [(u, name) for u, name, _path in units], "periods": periods}


def open_by_severity(user) -> dict[int, int]:
    """Open signals of the user's units by severity (one grouped query): the home page's figure,
    the same set as the inbox's "待研判" tab."""
    return count_by(signals_for(user).filter(status=SignalStatus.OPEN), "severity")
