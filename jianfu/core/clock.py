"""The one clock. Everything that asks "what is today" asks here, so the demo, the tests and the
benchmarks can pin the date (pacing, overdue and year-on-year stay deterministic on 1 January)."""

import datetime as dt
import os
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def _env_as_of() -> dt.datetime | None:
    value = os.environ.get("JIANFU_AS_OF")
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    pinned = _env_as_of()
    if pinned is not None:
        # A pinned day keeps its wall-clock time of day, so timeouts and ordering still move.
        real = timezone.localtime()
        return pinned.replace(
            hour=real.hour, minute=real.minute, second=real.second, microsecond=real.microsecond
        )
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
