"""Reads on supervision items: the working-day clock, colours, the office's board, a unit's to-do
list, an item's history, scores and ranking, and the requests a unit received this month.

Colours for many items are computed in one pass (`colours`): the needed columns read once, the
working days of the whole date range counted once into a cumulative array (`DayClock`), then numpy
over the rows. Colour rules (settings in `config.py`):
- red: not done and the deadline has passed;
- yellow: behind pace — the share of the time gone exceeds the share done by more than the margin
  ("时间过半、任务过半");
- blue: the deadline is within N days (working days when the item counts those);
- green: none of these; an item submitted as done (待销号) or closed is green / closed.
An item carrying a leader's instruction skips a level: blue becomes yellow, yellow becomes red.
"""

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianfu.core import clock, runtime, scope, workdays
from jianfu.core.models import Unit

from . import config
from .models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Event,
    EventKind,
    Extension,
    ExtensionStatus,
    Feedback,
    FeedbackRule,
    FeedbackStatus,
    Item,
    ItemFile,
    ItemSource,
    ItemStatus,
    Reminder,
)

VIEW = "supervision.item:view"
MANAGE = "supervision.item:manage"

GREEN, BLUE, YELLOW, RED, CLOSED = "green", "blue", "yellow", "red", "closed"
COLOURS = (RED, YELLOW, BLUE, GREEN)
COLOUR_LABELS = {
    RED: _("红色（逾期）"),
    YELLOW: _("黄色（进度滞后）"),
    BLUE: _("蓝色（临期）"),
    GREEN: _("绿色（正常）"),
    CLOSED: _("已销号"),
}
_CODES = np.array([GREEN, BLUE, YELLOW, RED, CLOSED])


# --- The clock --------------------------------------------------------------------------------


class DayClock:
    """Working days over a date range, counted once: `cum[i]` is the number of working days in
    the days after `first` up to first + i. Differences of two ordinals give
    workdays.workdays_between for any pair in the range, for whole arrays at once."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first, self.last = first, last
        cal = workdays.load(first, last)
        n = (last - first).days + 1
        flags = np.fromiter(
            (cal.is_workday(first + dt.timedelta(days=i)) for i in range(n)), bool, n
        )
        flags[0] = False  # the first day itself is never counted
        self.cum = np.cumsum(flags, dtype=np.int32)

    def index(self, days: np.ndarray) -> np.ndarray:
        """Day numbers (date.toordinal()) → positions in the range."""
        return days - self.first.toordinal()

    def between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Working days after a up to b (negative when b is before a), elementwise."""
        return self.cum[self.index(b)] - self.cum[self.index(a)]

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        return int(self.cum[(b - self.first).days] - self.cum[(a - self.first).days])


def days_left(item: Item, as_of: dt.date, deadline: dt.date | None = None) -> int:
    """Days from as_of to the deadline on the item's clock (negative: days overdue)."""
    deadline = deadline or item.deadline
    if item.working_days:
        return workdays.workdays_between(as_of, deadline)
    return (deadline - as_of).days


@dataclass
class Thresholds:
    blue_days: int
    pace_margin: float

    @classmethod
    def current(cls) -> "Thresholds":
        values = runtime.get_many([config.BLUE_DAYS, config.PACE_MARGIN])
        return cls(int(values[config.BLUE_DAYS]), float(values[config.PACE_MARGIN]))


def colour_arrays(
    as_of: dt.date,
    created: np.ndarray,
    deadline: np.ndarray,
    percent: np.ndarray,
    working: np.ndarray,
    leader: np.ndarray,
    done: np.ndarray,
    closed: np.ndarray,
    thresholds: Thresholds | None = None,
    day_clock: DayClock | None = None,
) -> np.ndarray:
    """The colour of each row (arrays of equal length; dates as ordinals). Returns an array of
    colour codes."""
    t = thresholds or Thresholds.current()
    n = len(created)
    if n == 0:
        return np.array([], dtype=_CODES.dtype)
    today = as_of.toordinal()
    if day_clock is None:
        lo = dt.date.fromordinal(int(min(created.min(), deadline.min(), today)))
        hi = dt.date.fromordinal(int(max(created.max(), deadline.max(), today)))
        day_clock = DayClock(lo, hi)
    now = np.full(n, today)
    wd_total = day_clock.between(created, deadline)
    wd_gone = day_clock.between(created, now)
    wd_left = day_clock.between(now, deadline)
    total = np.where(working, wd_total, deadline - created)
    gone = np.where(working, wd_gone, today - created)
    left = np.where(working, wd_left, deadline - today)
    with np.errstate(divide="ignore", invalid="ignore"):
        time_share = np.where(total > 0, np.clip(gone / np.maximum(total, 1), 0, 1), 1.0) * 100
    overdue = today > deadline
    behind = time_share - percent > t.pace_margin
    near = (left <= t.blue_days) & ~overdue
    level = np.zeros(n, dtype=np.int8)  # 0 green, 1 blue, 2 yellow, 3 red
    level[near] = 1
    level[behind & ~overdue] = 2
    level[overdue] = 3
    skip = leader & (level > 0)
    level = np.where(skip, np.minimum(level + 1, 3), level)
    level = np.where(done, 0, level)
    level = np.where(closed, 4, level)
    return _CODES[level]


def _ordinals(values) -> np.ndarray:
    return np.fromiter((d.toordinal() for d in values), np.int64, len(values))


def colours(items, as_of: dt.date | None = None) -> dict[int, str]:
    """{item id: colour} for a queryset of items, read in one query."""
    as_of = as_of or clock.today()
    rows = list(
        items.values_list(
            "pk",
            "created_on",
            "deadline",
            "percent",
            "working_days",
            "leader_instruction",
            "status",
        )
    )
    if not rows:
        return {}
    ids, created, deadline, percent, working, leader, status = zip(*rows, strict=True)
    status = np.array(status)
    codes = colour_arrays(
        as_of,
        _ordinals(created),
        _ordinals(deadline),
        np.array(percent, dtype=np.float64),
        np.array(working, dtype=bool),
        np.array(leader, dtype=bool),
        status == ItemStatus.SUBMITTED,
        ~np.isin(status, [str(s) for s in OPEN_STATUSES]),
    )
    return dict(zip(ids, codes.tolist(), strict=True))


def assignment_colours(assignments, as_of: dt.date | None = None) -> dict[int, str]:
    """{assignment id: colour}: the unit's own deadline (its sub-item's, else the item's) and its
    own percent."""
    as_of = as_of or clock.today()
    rows = list(
        assignments.values_list(
            "pk",
            "item__created_on",
            "deadline",
            "item__deadline",
            "percent",
            "item__working_days",
            "item__leader_instruction",
            "item__status",
        )
    )
    if not rows:
        return {}
    ids, created, own, item_deadline, percent, working, leader, status = zip(*rows, strict=True)
    deadline = [o or d for o, d in zip(own, item_deadline, strict=True)]
    status = np.array(status)
    codes = colour_arrays(
        as_of,
        _ordinals(created),
        _ordinals(deadline),
        np.array(percent, dtype=np.float64),
        np.array(working, dtype=bool),
        np.array(leader, dtype=bool),
        status == ItemStatus.SUBMITTED,
        ~np.isin(status, [str(s) for s in OPEN_STATUSES]),
    )
    return dict(zip(ids, codes.tolist(), strict=True))


def colour_of(item: Item, as_of: dt.date | None = None) -> str:
    return colours(Item.objects.filter(pk=item.pk), as_of)[item.pk]


# --- Scope ------------------------------------------------------------------------------------


def visible_items(user):
    """The items the account may see: those its units issued or carry (lead or co-unit)."""
    s = scope.require(user, VIEW)
    carried = Assignment.objects.filter(s.units_q("unit__"), active=True).values("item_id")
    return Item.objects.filter(Q(s.units_q("issuer__")) | Q(pk__in=carried))


def item_for(user, pk) -> Item:
    """One item, or 404 outside the account's units (403 without the view code)."""
    s = scope.scope_of(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    carried = Assignment.objects.filter(s.units_q("unit__"), active=True, item_id=pk)
    item = (
        Item.objects.filter(pk=pk)
        .filter(Q(s.units_q("issuer__")) | Q(pk__in=carried.values("item_id")))
        .select_related("issuer")
        .first()
    )
    if item is None:
        raise Http404
    scope.require(user, VIEW)
    return item


# --- Where an item came from -----------------------------------------------------------------

# {item source: function(item, user) -> (label, url) or None}: the parts above that create items (a
# meeting's decisions) register how the item's page links back to the record it came from.
SOURCE_LINKS: dict = {}


def source_link(item: Item, user):
    """(label, url) of the record the item came from, if a part registered one for its source."""
    link = SOURCE_LINKS.get(item.source)
    return link(item, user) if link else None


# --- Feedback due dates -----------------------------------------------------------------------


def iter_feedback_dates(rule: str, created_on: dt.date, deadline: dt.date, milestones=()):
    """The due dates of an item's feedback in order, the deadline last: weekly (every 7 days from
    the day it was issued), monthly (each month's last day), at its milestones, or once."""
    if rule == FeedbackRule.WEEKLY:
        day = created_on + dt.timedelta(days=7)
        while day < deadline:
            yield day
            day += dt.timedelta(days=7)
    elif rule == FeedbackRule.MONTHLY:
        y, m = created_on.year, created_on.month
        while True:
            day = dt.date(y, m, calendar.monthrange(y, m)[1])
            if day >= deadline:
                break
            if day > created_on:
                yield day
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    elif rule == FeedbackRule.MILESTONES:
        yield from sorted(
            d for d in (dt.date.fromisoformat(str(x)) for x in milestones) if d < deadline
        )
    yield deadline


def feedback_dates(
    rule: str, created_on: dt.date, deadline: dt.date, milestones=()
) -> list[dt.date]:
    """The due dates of an item's feedback as a list (see iter_feedback_dates)."""
    return list(iter_feedback_dates(rule, created_on, deadline, milestones))


def assignment_deadline(item: Item, assignment: Assignment) -> dt.date:
    return assignment.deadline or item.deadline


def next_feedback_due(item: Item, assignment: Assignment, today: dt.date) -> dt.date | None:
    """The earliest due date this unit has not answered with feedback (returned feedback does
    not answer)."""
    answered = set(
        Feedback.objects.filter(assignment=assignment)
        .exclude(status=FeedbackStatus.RETURNED)
        .values_list("due_on", flat=True)
    )
    for day in feedback_dates(
        item.feedback_rule, item.created_on, assignment_deadline(item, assignment), item.milestones
    ):
        if day not in answered:
            return day
    return None


# --- The office's board -----------------------------------------------------------------------


@dataclass
class BoardRow:
    key: object
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.get(c, 0) for c in COLOURS)

    def sort_key(self):
        return tuple(-self.counts.get(c, 0) for c in COLOURS) + (str(self.label),)


@dataclass
class Board:
    totals: dict[str, int]
    by_unit: list[BoardRow]
    by_source: list[BoardRow]


def board(user, as_of: dt.date | None = None) -> Board:
    """Open items' colours: in all, by unit (each unit's assignments) and by source; red first."""
    as_of = as_of or clock.today()
    items = visible_items(user).filter(status__in=OPEN_STATUSES)
    item_colour = colours(items, as_of)
    sources = dict(items.values_list("pk", "source"))
    totals = Counter(item_colour.values())
    by_source: dict[str, BoardRow] = {}
    for pk, colour in item_colour.items():
        src = sources[pk]
        row = by_source.setdefault(src, BoardRow(src, str(ItemSource(src).label)))
        row.counts[colour] = row.counts.get(colour, 0) + 1
    s = scope.scope_of(user)
    mine = Assignment.objects.filter(
        s.units_q("unit__"), active=True, item__status__in=OPEN_STATUSES
    )
    a_colour = assignment_colours(mine, as_of)
    a_unit = dict(mine.values_list("pk", "unit_id"))
    names = dict(Unit.objects.filter(pk__in=set(a_unit.values())).values_list("pk", "name"))
    by_unit: dict[int, BoardRow] = {}
    for pk, colour in a_colour.items():
        unit = a_unit[pk]
        row = by_unit.setdefault(unit, BoardRow(unit, names.get(unit, "")))
        row.counts[colour] = row.counts.get(colour, 0) + 1
    return Board(
        dict(totals),
        sorted(by_unit.values(), key=BoardRow.sort_key),
        sorted(by_source.values(), key=BoardRow.sort_key),
    )


# --- A unit's to-do list ----------------------------------------------------------------------


@dataclass
class Todo:
    kind: str  # "sign" | "feedback" | "extension" | "feedback_review" | "close"
    label: str
    item: Item
    due: dt.date
    assignment: Assignment | None = None
    extension: Extension | None = None
    feedback: Feedback | None = None


TO_DO_LABELS = {
    "sign": _("待签收"),
    "feedback": _("待反馈"),
    "extension": _("待审批延期"),
    "feedback_review": _("待审核反馈"),
    "close": _("待销号"),
}


def todo(user, as_of: dt.date | None = None, horizon_days: int = 14) -> list[Todo]:
    """What the account's units have to do, due soon first: items to sign, feedback due (within
    `horizon_days` or overdue); for the office also extensions awaiting approval, feedback to
    review and items waiting to be closed."""
    as_of = as_of or clock.today()
    s = scope.require(user, VIEW)
    out: list[Todo] = []
    mine = (
        Assignment.objects.filter(s.units_q("unit__"), active=True, item__status__in=OPEN_STATUSES)
        .exclude(item__status=ItemStatus.SUBMITTED)
        .select_related("item", "unit")
    )
    mine = list(mine)
    answered: dict[int, set] = defaultdict(set)
    for a_id, due in (
        Feedback.objects.filter(assignment__in=[a.pk for a in mine])
        .exclude(status=FeedbackStatus.RETURNED)
        .values_list("assignment_id", "due_on")
    ):
        answered[a_id].add(due)
    horizon = as_of + dt.timedelta(days=horizon_days)
    for a in mine:
        item = a.item
        if a.signed_at is None:
            out.append(Todo("sign", str(TO_DO_LABELS["sign"]), item, item.created_on, a))
        for day in feedback_dates(
            item.feedback_rule, item.created_on, assignment_deadline(item, a), item.milestones
        ):
            if day not in answered[a.pk]:
                if day <= horizon:
                    out.append(Todo("feedback", str(TO_DO_LABELS["feedback"]), item, day, a))
                break
    if s.can(MANAGE):
        issued = Item.objects.filter(s.units_q("issuer__"))
        for ext in Extension.objects.filter(
            item__in=issued, status=ExtensionStatus.PENDING
        ).select_related("item", "unit"):
            out.append(
                Todo(
                    "extension",
                    str(TO_DO_LABELS["extension"]),
                    ext.item,
                    ext.old_deadline,
                    extension=ext,
                )
            )
        for fb in Feedback.objects.filter(
            assignment__item__in=issued,
            status=FeedbackStatus.SUBMITTED,
            assignment__item__status__in=OPEN_STATUSES,
        ).select_related("assignment__item", "assignment__unit"):
            out.append(
                Todo(
                    "feedback_review",
                    str(TO_DO_LABELS["feedback_review"]),
                    fb.assignment.item,
                    fb.due_on,
                    fb.assignment,
                    feedback=fb,
                )
            )
        for item in issued.filter(status=ItemStatus.SUBMITTED):
            out.append(Todo("close", str(TO_DO_LABELS["close"]), item, item.deadline))
    out.sort(key=lambda t: (t.due, t.item.pk, t.kind))
    return out


def todo_counts(user, as_of: dt.date | None = None) -> dict[str, int]:
    """The to-do list's counts by kind (the home page's cards)."""
    return dict(Counter(t.kind for t in todo(user, as_of)))


# --- History ----------------------------------------------------------------------------------


def history(item: Item) -> list[Event]:
    """Every event on the item in order (the caller checked the item is in scope: item_for)."""
    return list(
        Event.objects.filter(item=item)
        .select_related("by", "assignment__unit", "from_unit")
        .prefetch_related("files")
        .order_by("at", "pk")
    )


def files_of(item: Item) -> list[ItemFile]:
    """The item's evidence files, newest first (the caller reached the item through item_for)."""
    return list(
        ItemFile.objects.filter(item=item)
        .select_related("assignment__unit", "uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


def item_file_for(user, pk) -> ItemFile:
    """One evidence file, or 404 unless its item is the account's to see (item_for)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = ItemFile.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    item_for(user, found.item_id)
    return found


def extensions_of(item: Item) -> list[Extension]:
    return list(Extension.objects.filter(item=item).select_related("unit").order_by("pk"))


# --- Scoring ----------------------------------------------------------------------------------


@dataclass
class Score:
    unit_id: int
    name: str
    lead: float = 0.0
    co: float = 0.0
    lead_items: int = 0
    co_items: int = 0
    detail: Counter = field(default_factory=Counter)
    lead_rank: int | None = None
    co_rank: int | None = None

    @property
    def total(self) -> float:
        return self.lead + self.co

    def detail_has(self, kind: str) -> bool:
        return any(k.startswith(kind + ".") for k in self.detail)


def scores(start: dt.date, end: dt.date, unit_ids=None) -> list[Score]:
    """Points per unit for the period (both days included), lead and co-units separately:
    - each item closed in the period: on time (submitted by its deadline) or late;
    - each return (feedback or completion sent back) in the period;
    - each false feedback marked in the period.
    Ranked by lead points and by co points separately (1 = best); sorted by total."""
    pts = config.points()
    span = Q(at__date__gte=start, at__date__lte=end)
    out: dict[int, Score] = {}

    def row(unit_id: int) -> Score:
        return out.setdefault(unit_id, Score(unit_id, ""))

    closed = Item.objects.filter(
        status=ItemStatus.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end
    )
    submitted_on = {}
    for item_id, at in Event.objects.filter(item__in=closed, kind=EventKind.SUBMITTED).values_list(
        "item_id", "at"
    ):
        submitted_on[item_id] = max(submitted_on.get(item_id, at), at)
    for unit_id, role, item_id, own, deadline, closed_at in Assignment.objects.filter(
        item__in=closed, active=True
    ).values_list("unit_id", "role", "item_id", "deadline", "item__deadline", "item__closed_at"):
        when = submitted_on.get(item_id, closed_at)
        day = timezone.localdate(when)
        outcome = "on_time" if day <= (own or deadline) else "late"
        r = row(unit_id)
        kind = "lead" if role == AssignmentRole.LEAD else "co"
        setattr(r, kind, getattr(r, kind) + pts[(kind, outcome)])
        setattr(r, f"{kind}_items", getattr(r, f"{kind}_items") + 1)
        r.detail[f"{kind}.{outcome}"] += 1
    for unit_id, role, ev_kind in Event.objects.filter(
        span,
        kind__in=[EventKind.FEEDBACK_RETURNED, EventKind.RETURNED, EventKind.FALSE_FEEDBACK],
        assignment__isnull=False,
    ).values_list("assignment__unit_id", "assignment__role", "kind"):
        outcome = "false" if ev_kind == EventKind.FALSE_FEEDBACK else "returned"
        kind = "lead" if role == AssignmentRole.LEAD else "co"
        r = row(unit_id)
        setattr(r, kind, getattr(r, kind) + pts[(kind, outcome)])
        r.detail[f"{kind}.{outcome}"] += 1
    if unit_ids is not None:
        wanted = set(unit_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    names = dict(Unit.objects.filter(pk__in=list(out)).values_list("pk", "name"))
    for r in out.values():
        r.name = names.get(r.unit_id, "")
    for kind in ("lead", "co"):
        ranked = sorted(
            (r for r in out.values() if getattr(r, f"{kind}_items") or r.detail_has(kind)),
            key=lambda r, k=kind: -getattr(r, k),
        )
        rank, prev = 0, None
        for i, r in enumerate(ranked, 1):
            value = getattr(r, kind)
            if value != prev:
                rank, prev = i, value
            setattr(r, f"{kind}_rank", rank)
    return sorted(out.values(), key=lambda r: (-r.total, r.name))


# --- Requests a unit received -----------------------------------------------------------------


def requests_received(unit_id: int, month: dt.date | None = None) -> dict[str, int]:
    """How many requests the unit received from the platform in the month: items assigned to it
    (issued that month), feedback due dates that fell in the month, reminders sent to it ("no new
    burden": the page shows the unit its own count)."""
    month = month or clock.today()
    first = month.replace(day=1)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    mine = Assignment.objects.filter(unit_id=unit_id, active=True)
    issued = mine.filter(item__issued_at__date__gte=first, item__issued_at__date__lte=last).count()
    due = 0
    for a in mine.filter(item__status__in=OPEN_STATUSES).select_related("item"):
        item = a.item
        due += sum(
            first <= d <= last
            for d in feedback_dates(
                item.feedback_rule, item.created_on, assignment_deadline(item, a), item.milestones
            )
        )
    reminders = Reminder.objects.filter(
        assignment__unit_id=unit_id, sent_at__date__gte=first, sent_at__date__lte=last
    ).count()
    reporting = _reporting_requests(unit_id, first, last)
    reminders += reporting["reminders"]
    return {
        "items": issued,
        "feedback_due": due,
        "reporting": reporting["asked"],
        "reminders": reminders,
        "total": issued + due + reporting["asked"] + reminders,
    }


def _reporting_requests(unit_id: int, first: dt.date, last: dt.date) -> dict[str, int]:
    """Information reporting's asks of the unit in the month: each commission (约稿) due in it,
    each running schedule whose period closes in it (a monthly one every month, a quarterly one
    in the quarter's last month), and the reporting reminders it received."""
    from ..reporting.models import ReportingReminder, ReportingRequirement, RequirementKind

    mine = ReportingRequirement.objects.filter(targets=unit_id)
    commissions = mine.filter(
        kind=RequirementKind.COMMISSION, deadline__gte=first, deadline__lte=last
    ).count()
    schedules = mine.filter(
        kind=RequirementKind.SCHEDULE, closed=False, starts_on__lte=last
    ).values_list("period_type", flat=True)
    periods_closing = sum(1 for p in schedules if p == "month" or last.month % 3 == 0)
    reminded = ReportingReminder.objects.filter(
        unit_id=unit_id, sent_on__gte=first, sent_on__lte=last
    ).count()
    return {"asked": commissions + periods_closing, "reminders": reminded}
