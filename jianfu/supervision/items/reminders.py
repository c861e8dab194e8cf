"""Reminders (催办) of supervision items, through the notifications: before and after each due
date (the feedback due dates and the deadline), every night; and by hand from the office.

Each reminder is a Reminder row, unique per (assignment, kind, due date), and a notice whose key is
the same triple: a second run of the night, or two at once, sends nothing twice. A manual
reminder's due date is the day it is sent: once a day per assignment.
"""

import datetime as dt

import numpy as np
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from jianfu import notify
from jianfu.core import audit, clock, runtime
from jianfu.core.errors import DomainError

from . import config
from .models import (
    OPEN_STATUSES,
    Assignment,
    EventKind,
    Feedback,
    FeedbackStatus,
    Item,
    ItemStatus,
    Reminder,
    ReminderKind,
)
from .queries import DayClock, iter_feedback_dates

KIND = "supervision.reminder"
ISSUED_KIND = "supervision.item_issued"


def key(assignment_id: int, kind: str, due_on: dt.date) -> str:
    return f"{KIND}:{assignment_id}:{kind}:{due_on.isoformat()}"


def item_link(item_id: int) -> str:
    try:
        return reverse("sup_item_detail", args=[item_id])
    except NoReverseMatch:  # the pages are another part's; until they exist, no link
        return ""


def _links():
    """item id → its page's link, reversed once per run (a night may send thousands)."""
    sample = item_link(987654321)
    if not sample:
        return lambda item_id: ""
    head, tail = sample.split("987654321", 1)
    return lambda item_id: f"{head}{item_id}{tail}"


def tell_issued(item: Item) -> None:
    """Tell each unit of a newly issued item (inside the issuing transaction)."""
    assignments = list(Assignment.objects.filter(item=item, active=True).select_related("unit"))
    notify.send_many(
        ISSUED_KIND,
        [
            notify.item(
                key=f"{ISSUED_KIND}:{item.pk}:{a.pk}",
                recipients=[a.unit],
                subject=_("新交办督办事项：%(t)s") % {"t": _short(item.title)},
                body=_("%(u)s：督办事项“%(t)s”（%(n)s）已交办，请签收；办理时限 %(d)s。")
                % {
                    "u": a.unit.name,
                    "t": item.title,
                    "n": item.number,
                    "d": (a.deadline or item.deadline).isoformat(),
                },
                link=item_link(item.pk),
            )
            for a in assignments
        ],
    )


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def due(today: dt.date) -> list[tuple]:
    """What to remind of today: (assignment id, unit id, item id, kind, due date, what), for every
    active assignment of an open item (not waiting to be closed): its next unanswered feedback due
    date and its deadline, before (within the setting's working days) or after."""
    before = int(runtime.get(config.REMIND_BEFORE))
    rows = list(
        Assignment.objects.filter(active=True, item__status__in=OPEN_STATUSES)
        .exclude(item__status=ItemStatus.SUBMITTED)
        .values_list(
            "pk",
            "unit_id",
            "item_id",
            "deadline",
            "item__deadline",
            "item__created_on",
            "item__feedback_rule",
            "item__milestones",
            "item__title",
            "item__number",
        )
    )
    if not rows:
        return []
    answered: set[tuple[int, dt.date]] = set(
        Feedback.objects.filter(assignment__active=True, assignment__item__status__in=OPEN_STATUSES)
        .exclude(status=FeedbackStatus.RETURNED)
        .values_list("assignment_id", "due_on")
    )
    # The next unanswered due date of each assignment (the deadline when all feedback is in).
    candidates = []
    for a_id, unit_id, item_id, own, deadline, created, rule, stones, title, number in rows:
        end = own or deadline
        nxt = next(
            (
                d
                for d in iter_feedback_dates(rule, created, end, stones)
                if (a_id, d) not in answered
            ),
            None,
        )
        for day, what in ((nxt, "feedback"), (end, "deadline")):
            if day is not None and (what == "deadline" or day != end):
                candidates.append((a_id, unit_id, item_id, day, what, title, number))
    if not candidates:
        return []
    days = np.fromiter((c[3].toordinal() for c in candidates), np.int64, len(candidates))
    lo = dt.date.fromordinal(int(min(days.min(), today.toordinal())))
    hi = dt.date.fromordinal(int(max(days.max(), today.toordinal())))
    left = DayClock(lo, hi).between(np.full(len(days), today.toordinal()), days)
    t = today.toordinal()
    out = []
    for c, d, wd in zip(candidates, days.tolist(), left.tolist(), strict=True):
        if d < t:
            out.append((*c[:3], ReminderKind.AFTER_DUE, c[3], c[4], c[5], c[6]))
        elif wd <= before:
            out.append((*c[:3], ReminderKind.BEFORE_DUE, c[3], c[4], c[5], c[6]))
    return out


def _message(kind: str, what: str, unit: str, title: str, number: str, day: dt.date, today):
    late = kind == ReminderKind.AFTER_DUE
    thing = _("进展反馈") if what == "feedback" else _("办理时限")
    if late:
        subject = _("督办事项已逾期：%(t)s") % {"t": _short(title)}
        body = _("%(u)s：督办事项“%(t)s”（%(n)s）的%(w)s为 %(d)s，已逾期 %(k)s 天，请尽快办理。")
    else:
        subject = _("督办事项即将到期：%(t)s") % {"t": _short(title)}
        body = _("%(u)s：督办事项“%(t)s”（%(n)s）的%(w)s为 %(d)s，请按时办理。")
    return subject, body % {
        "u": unit,
        "t": title,
        "n": number,
        "w": thing,
        "d": day.isoformat(),
        "k": (today - day).days,
    }


@transaction.atomic
def nightly(today: dt.date | None = None) -> int:
    """Send today's reminders; returns how many were new (0 on a second run)."""
    today = today or clock.today()
    rows = due(today)
    if not rows:
        return 0
    sent = set(
        Reminder.objects.filter(
            assignment_id__in={r[0] for r in rows},
            kind__in=[ReminderKind.BEFORE_DUE, ReminderKind.AFTER_DUE],
        ).values_list("assignment_id", "kind", "due_on")
    )
    fresh, seen = [], set()
    for r in rows:
        triple = (r[0], str(r[3]), r[4])
        if triple in sent or triple in seen:
            continue
        seen.add(triple)
        fresh.append(r)
    if not fresh:
        return 0
    from jianfu.core.models import Unit

    units = Unit.objects.in_bulk({r[1] for r in fresh})
    items, link = [], _links()
    for a_id, unit_id, item_id, kind, day, what, title, number in fresh:
        unit = units[unit_id]
        subject, body = _message(kind, what, unit.name, title, number, day, today)
        items.append(
            notify.item(
                key=key(a_id, kind, day),
                recipients=[unit],
                subject=subject,
                body=body,
                link=link(item_id),
            )
        )
    notices = notify.send_many(KIND, items)
    new_keys = {n.key for n in notices}
    now = clock.now()
    reminders = [
        Reminder(
            item_id=r[2],
            assignment_id=r[0],
            kind=r[3],
            due_on=r[4],
            what=r[5],
            notice_key=key(r[0], r[3], r[4]),
            sent_at=now,
        )
        for r in fresh
        if key(r[0], r[3], r[4]) in new_keys
    ]
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=2000)
    return len(reminders)


@transaction.atomic
def remind(*, by, assignment_id: int, note: str = "") -> Reminder:
    """The office reminds one unit of one item by hand (催办): once a day per assignment."""
    from .services import MANAGE, _event, _lock_item, _require_office

    assignment = (
        Assignment.objects.select_related("unit").filter(pk=assignment_id, active=True).first()
    )
    if assignment is None:
        raise DomainError("not_found", _("该承办记录不存在或不在您的范围内。"), status=404)
    item = _lock_item(by, assignment.item_id, MANAGE)
    _require_office(by, item)
    if item.status not in OPEN_STATUSES:
        raise DomainError(
            "item_closed",
            _("事项当前为“%(s)s”，无需催办。") % {"s": item.get_status_display()},
            status=409,
        )
    today = clock.today()
    if Reminder.objects.filter(
        assignment=assignment, kind=ReminderKind.MANUAL, due_on=today
    ).exists():
        raise DomainError(
            "reminded_today",
            _("今天已催办过“%(u)s”，同一单位每天只催办一次。") % {"u": assignment.unit.name},
            status=409,
        )
    note = (note or "").strip()
    notice_key = key(assignment.pk, ReminderKind.MANUAL, today)
    notify.send(
        KIND,
        key=notice_key,
        recipients=[assignment.unit],
        subject=_("督办催办：%(t)s") % {"t": _short(item.title)},
        body=_("%(u)s：请抓紧办理督办事项“%(t)s”（%(n)s），办理时限 %(d)s。%(note)s")
        % {
            "u": assignment.unit.name,
            "t": item.title,
            "n": item.number,
            "d": (assignment.deadline or item.deadline).isoformat(),
            "note": note,
        },
        link=item_link(item.pk),
        by=by if getattr(by, "pk", None) else None,
    )
    reminder = Reminder.objects.create(
        item=item,
        assignment=assignment,
        kind=ReminderKind.MANUAL,
        due_on=today,
        what="manual",
        notice_key=notice_key,
        sent_at=clock.now(),
        sent_by=by if getattr(by, "pk", None) else None,
    )
    _event(item, by, EventKind.REMINDED, assignment=assignment, note=note)
    audit.record(
        "jianfu.supervision.item.reminded",
        actor=by,
        obj=item,
        extra={"unit": assignment.unit_id},
    )
    return reminder
