"""Working days: what "within 10 working days" means on the rectification ledger.

A day's standing is decided in this order:
1. an office override (HolidayOverride: a holiday or a make-up working day), which always wins;
2. chinese-calendar, for the years whose State Council schedule it ships (holidays and 调休);
3. beyond both, Monday to Friday — and pages must say so (`coverage()` tells them which applies).

Each public function reads the overrides it needs in one query. The table holds a few dozen rows a
year, so nothing is cached across calls (a change is seen at once, by every process, and a test's
rolled-back rows cannot linger). A page asking many questions (a ledger's rows) calls `load()` once
and asks the WorkCalendar it returns.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.utils.translation import gettext as _

from .models import HolidayKind, HolidayOverride

ONE_DAY = dt.timedelta(days=1)

# What decides a year's working days (see coverage()).
CALENDAR = "calendar"  # the State Council schedule that chinese-calendar ships
OVERRIDES = "overrides"  # beyond the library, but the office has entered days for the year
WEEKENDS_ONLY = "weekends_only"  # nothing known: Saturdays and Sundays are the only days off

# The library's range, for telling people how far it reaches ("2004–2026").
FIRST_KNOWN_YEAR = min(chinese_calendar.holidays).year
LAST_KNOWN_YEAR = max(chinese_calendar.holidays).year


@cache
def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _library_is_workday(day: dt.date) -> bool | None:
    """chinese-calendar's answer, or None for a year it has no schedule for."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _standard_is_workday(day: dt.date) -> bool:
    """Without any override: the library where it knows the year, else Monday to Friday."""
    known = _library_is_workday(day)
    return day.weekday() < 5 if known is None else known


class WorkCalendar:
    """Working days between `first` and `last` (None: no end), with the overrides of those whole
    years loaded. Asking about a day outside that range is a programming error (ValueError)."""

    def __init__(self, overrides: dict[dt.date, str], first: dt.date, last: dt.date | None):
        self.overrides = overrides
        self.first, self.last = first, last
        self._override_years = {d.year for d in overrides}

    def _check(self, day: dt.date) -> None:
        if day < self.first or (self.last is not None and day > self.last):
            raise ValueError(f"{day} is outside the loaded range {self.first} – {self.last}")

    def is_workday(self, day: dt.date) -> bool:
        self._check(day)
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == HolidayKind.WORKDAY
        return _standard_is_workday(day)

    def coverage(self, year: int) -> str:
        if year < self.first.year or (self.last is not None and year > self.last.year):
            raise ValueError(f"{year} is outside the loaded years {self.first} – {self.last}")
        if library_knows(year):
            return CALENDAR
        return OVERRIDES if year in self._override_years else WEEKENDS_ONLY

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        if n < 1:
            raise ValueError("n must be at least 1")
        day = start
        while n:
            day += ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        if a == b:
            return 0
        lo, hi, sign = (a, b, 1) if a < b else (b, a, -1)
        days = (hi - lo).days
        return sign * sum(1 for i in range(1, days + 1) if self.is_workday(lo + i * ONE_DAY))

    def weekends_only_years(self, a: dt.date, b: dt.date) -> tuple[int, ...]:
        """The years touched by the days after a up to b that are counted by weekends only."""
        lo, hi = min(a, b) + ONE_DAY, max(a, b)
        years = range(lo.year, hi.year + 1)
        return tuple(y for y in years if self.coverage(y) == WEEKENDS_ONLY)


def load(first: dt.date, last: dt.date | None = None) -> WorkCalendar:
    """One query: the overrides of the whole years from `first`'s to `last`'s (or onwards).

    Whole years, so that `coverage()` sees an override entered earlier in the year than `first`.
    """
    since = dt.date(first.year, 1, 1)
    rows = HolidayOverride.objects.filter(day__gte=since)
    until = None
    if last is not None:
        until = dt.date(last.year, 12, 31)
        rows = rows.filter(day__lte=until)
    return WorkCalendar(dict(rows.values_list("day", "kind")), since, until)


def is_workday(day: dt.date) -> bool:
    """Whether people work on `day`: an override, else the State Council schedule, else Mon–Fri."""
    return load(day, day).is_workday(day)


def coverage(day: dt.date) -> str:
    """What decides the working days of `day`'s year: CALENDAR, OVERRIDES or WEEKENDS_ONLY."""
    if library_knows(day.year):
        return CALENDAR
    return load(day, day).coverage(day.year)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (`start` itself not counted; n ≥ 1, else ValueError)."""
    # Open-ended: the span's end is not known before counting, and the table is small.
    return load(start).add_workdays(start, n)


def workdays_between(a: dt.date, b: dt.date) -> int:
    """The working days after `a` up to and including `b` ("due in N working days" on `a`).

    0 when a == b. When b is before a, minus the working days after b up to and including a (a
    deadline b missed on a: how many working days late). The inverse of add_workdays:
    workdays_between(a, add_workdays(a, n)) == n. Note that 0 does not mean "not overdue" (a
    Friday deadline seen on Saturday gives 0): compare the dates for that.
    """
    return load(min(a, b), max(a, b)).workdays_between(a, b)


@dataclass(frozen=True)
class DeadlineNote:
    due: dt.date
    # Years inside the span whose holidays nobody knows yet: the due date may move once the
    # State Council publishes the schedule and the office enters it.
    weekends_only_years: tuple[int, ...]

    @property
    def approximate(self) -> bool:
        return bool(self.weekends_only_years)

    @property
    def warning(self) -> str:
        if not self.weekends_only_years:
            return ""
        years = "、".join(str(y) for y in self.weekends_only_years)
        text = _("%(years)s年的节假日安排尚未录入，期限只按周末推算，安排公布后可能需要调整。")
        return text % {"years": years}


def deadline_note(start: dt.date, n: int) -> DeadlineNote:
    """The due date n working days after `start`, and whether it rests on weekends only."""
    cal = load(start)
    due = cal.add_workdays(start, n)
    return DeadlineNote(due, cal.weekends_only_years(start, due))


def coverage_sentence(year: int, kind: str) -> str:
    """The sentence a page shows for a year's coverage (the kind coverage() returned)."""
    if kind == CALENDAR:
        text = _(
            "%(year)s年的节假日和调休上班日按国务院办公厅公布的安排计算"
            "（系统内置%(first)s–%(last)s年的安排）；办公室录入的调整优先。"
        )
    elif kind == OVERRIDES:
        text = _(
            "系统内置的国务院办公厅安排只到%(last)s年；%(year)s年按办公室录入的节假日和调休上班日"
            "计算，未录入的日期只按周末计算。"
        )
    else:
        text = _(
            "%(year)s年超出所有已知的节假日安排（系统内置安排只到%(last)s年，办公室也未录入）："
            "只按周末计算工作日，法定节假日和调休均未计入。国务院办公厅公布安排后，请在本页录入。"
        )
    return text % {"first": FIRST_KNOWN_YEAR, "last": LAST_KNOWN_YEAR, "year": year}


# --- The year's days that differ from the plain week (the calendar page) ------------------------


@dataclass(frozen=True)
class SpecialDay:
    day: dt.date
    kind: str  # HolidayKind: what the day is in effect
    name: str
    override: HolidayOverride | None  # None: from the State Council schedule
    # For an override: whether the day would be a working day without it.
    standard_workday: bool | None = None

    @property
    def kind_label(self) -> str:
        return str(HolidayKind(self.kind).label)


def _holiday_name(value: str) -> str:
    """The library keeps English names ("National Day"); its Holiday enum knows the Chinese."""
    try:
        return Holiday(value).chinese
    except ValueError:
        return value


def special_days(year: int) -> list[SpecialDay]:
    """The year's holidays on weekdays and working days on weekends from the library, and every
    override the office entered (which replace the library's word for their day). One query."""
    overrides = {
        o.day: o
        for o in HolidayOverride.objects.filter(
            day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31)
        ).select_related("created_by")
    }
    days = [
        SpecialDay(o.day, o.kind, o.name, o, _standard_is_workday(o.day))
        for o in overrides.values()
    ]
    if library_knows(year):
        for table, kind, on_weekend in (
            (chinese_calendar.holidays, HolidayKind.HOLIDAY, False),
            (chinese_calendar.workdays, HolidayKind.WORKDAY, True),
        ):
            for day, holiday in table.items():
                if day.year == year and (day.weekday() >= 5) == on_weekend and day not in overrides:
                    days.append(SpecialDay(day, kind, _holiday_name(holiday), None))
    return sorted(days, key=lambda d: d.day)
