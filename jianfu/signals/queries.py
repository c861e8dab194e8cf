"""Reads for the rules (the monthly rollup, record ids) and for the inbox (scoped signals)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from jianfu.core import scope
from jianfu.core.queries import count_by
from jianfu.registry.models import MonthlyUsage

from .models import Signal, SignalStatus

CHUNK = 2000

# --- For the rules ------------------------------------------------------------------------------


def _chunks(ids: list[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    ids = sorted(set(ids))
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def usage(
    *, category: str, years: Iterable[int], unit_ids: list[int] | None, fields: Iterable[str]
) -> dict[tuple[int, int], dict[str, list[int]]]:
    """{(unit_id, year): {field: twelve monthly values}} from the rollup, in one grouped read."""
    fields = list(fields)
    out: dict[tuple[int, int], dict[str, list[int]]] = defaultdict(
        lambda: {f: [0] * 12 for f in fields}
    )
    for chunk in _chunks(unit_ids):
        qs = MonthlyUsage.objects.filter(category=category, year__in=list(years))
        if chunk is not None:
            qs = qs.filter(unit_id__in=chunk)
        rows = qs.values_list("unit_id", "year", "month", *fields).iterator(chunk_size=20000)
        for unit_id, year, month, *values in rows:
            entry = out[(unit_id, year)]
            for f, v in zip(fields, values, strict=True):
                entry[f][month - 1] += v
    return dict(out)


def record_ids(
    model,
    date_field: str,
    *,
    unit_ids: Iterable[int],
    start: dt.date,
    end: dt.date,
    condition: Q | None = None,
    cap: int = 100,
) -> dict[int, tuple[list[int], int]]:
    """The ids (first `cap`, by date) and the count of a unit's records in a date range, for the
    units found, in one read."""
    out: dict[int, tuple[list[int], int]] = {}
    ids = sorted(set(unit_ids))
    if not ids:
        return out
    found: dict[int, list[int]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for chunk in _chunks(ids):
        qs = model.objects.filter(unit_id__in=chunk, **{f"{date_field}__range": (start, end)})
        if condition is not None:
            qs = qs.filter(condition)
        for unit_id, pk in qs.order_by("unit_id", date_field, "pk").values_list("unit_id", "pk"):
            counts[unit_id] += 1
            if len(found[unit_id]) < cap:
                found[unit_id].append(pk)
    return {u: (found[u], counts[u]) for u in counts}


# --- For the inbox ------------------------------------------------------------------------------


# What sample points report is the independent check on the units above them: signals built on
# the reports' contents are shown only to those who may read the reports (not to the county's
# own contact, who sees THAT its points report, not WHAT they say).
REPORT_GROUPS = ("truth", "felt")


def readable(user) -> QuerySet:
    """Signals of the kinds the user may read, before scope (scope.get_for adds it, with 404)."""
    from .rules import RULES

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
    period: str = "",
    order: str = "severity",
) -> QuerySet:
    qs = signals_for(user).select_related("unit")
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
