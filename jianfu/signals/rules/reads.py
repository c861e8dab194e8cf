"""Reads the rules share: the monthly rollup and record ids. Kept inside the rules package so
that the rules import nothing of the inbox (signals.queries reads the rules' table, RULES)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from django.db.models import Q

from jianfu.registry.models import MonthlyUsage

CHUNK = 2000


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


# What the rules read of each category's rollup: one read per category and run serves them all.
CATEGORY_FIELDS = {
    "document": ("counted", "total", "red_header", "white_header", "pages", "characters"),
    "meeting": ("counted", "total", "video", "video_grassroots"),
    "inspection": ("counted", "total", "on_site", "remote", "out_of_plan"),
}

_run_reads: ContextVar[dict | None] = ContextVar("run_reads", default=None)
# The years one read of a category covers in a run: the registry rules compare the year of the run
# with up to two before it.
SPAN = 3


@contextmanager
def one_read_per_run(as_of: dt.date | None = None):
    """Within it, usage_array reads each category's rollup once for all rules: the rules run
    one after another and none writes the rollup, so the second rule's read would be the
    first's again (at province size, a second or more each). With as_of, each category is read
    once for the year of as_of and the SPAN − 1 before it, whichever of them a rule asks for."""
    span = [as_of.year - i for i in range(SPAN)] if as_of else []
    token = _run_reads.set({"span": span})
    try:
        yield
    finally:
        _run_reads.reset(token)


def usage_array(
    *, category: str, years: list[int], fields: Iterable[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's monthly figures in one read, as arrays for the statistical rules: the unit ids
    (sorted) and values[unit, year (in the order given), month, field]. Always the whole
    population: a rule controls its false alarms across every unit it tests. The units are those
    with a row in the years asked for."""
    fields = list(fields)
    memo = _run_reads.get()
    every = list(CATEGORY_FIELDS.get(category, ()))
    if memo is None or not set(fields) <= set(every):
        return _usage_array(category, years, fields)[:2]
    span = memo["span"] if set(years) <= set(memo["span"]) else list(years)
    key = (category, tuple(span))
    if key not in memo:
        memo[key] = _usage_array(category, span, every)
    ids, values, present = memo[key]
    # The years asked for out of those read, and the units with a row in them: what a read of
    # those years alone gives.
    at = [span.index(y) for y in years]
    keep = present[:, at].any(axis=1)
    return ids[keep], values[keep][:, at][..., [every.index(f) for f in fields]]


def _usage_array(category: str, years: list[int], fields: list[str]):
    """(unit ids, values, present[unit, year]: whether the unit has a row that year)."""
    qs = MonthlyUsage.objects.filter(category=category, year__in=years).values_list(
        "unit_id", "year", "month", *fields
    )
    rows = np.array(list(qs.iterator(chunk_size=20000)), dtype=np.int64)
    rows = rows.reshape(-1, 3 + len(fields))
    unit_ids, index = np.unique(rows[:, 0], return_inverse=True)
    values = np.zeros((len(unit_ids), len(years), 12, len(fields)), dtype=np.int64)
    present = np.zeros((len(unit_ids), len(years)), dtype=bool)
    if len(rows):
        first = min(years)
        position = np.zeros(max(years) - first + 1, dtype=np.int64)
        for i, y in enumerate(years):
            position[y - first] = i
        where = (index, position[rows[:, 1] - first], rows[:, 2] - 1)
        np.add.at(values, where, rows[:, 3:])
        present[where[:2]] = True
    return unit_ids, values, present
