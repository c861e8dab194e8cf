"""The one clock. Everything that asks "what is today" asks here, so the demo, the tests and the
benchmarks can pin the date (pacing, overdue and year-on-year stay deterministic on 1 January)."""

import datetime as dt
import functools
import os
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


@functools.lru_cache(maxsize=8)
def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    pinned = os.environ.get("JIANFU_AS_OF")
    if pinned:
        # A pinned day keeps its wall-clock time of day, so timeouts and ordering still move.
        # (Parsed once per value: a pinned server asks the time several times per request.)
        return dt.datetime.combine(_day(pinned), timezone.localtime().timetz())
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def frozen(at: dt.datetime | dt.date):
    """Pin the clock (tests): a date means noon of that day, local time."""
    global _frozen
    if not isinstance(at, dt.datetime):
        at = timezone.make_aware(dt.datetime.combine(at, dt.time(12)))
    previous, _frozen = _frozen, at
    try:
        yield at
    finally:
        _frozen = previous
