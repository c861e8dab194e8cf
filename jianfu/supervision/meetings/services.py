"""Writes of the coordination meeting. Each is one transaction ending with its audit entry; a
refusal is a DomainError with a Chinese sentence naming the field and the value, and nothing is
saved.

- `meeting_create`: title, date, attendees (units of the office's scope);
- `agenda_draft`: the platform drafts the agenda from the registered sources (queries.draft);
  drafting again refreshes the lines the office has not touched, keeps the ones it edited or
  removed (an edited line no longer found is kept and marked stale), and adds what is new;
- `line_edit`, `line_move`, `line_remove`, `line_restore`, `line_add`: the office's edits;
- `meeting_hold`, `minutes_save`: the meeting held, its minutes;
- `decision_create`: a decision turned into a supervision item in one step
  (items.services.item_create, source "meeting decision"), linked both ways; `decision_to_item`
  for a decision recorded without one.
"""

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .. import agenda
from ..items import services as item_services
from ..items.models import ItemSource
from . import queries
from .models import AgendaLine, Decision, Meeting, MeetingStatus, Minutes

VIEW = queries.VIEW
MANAGE = queries.MANAGE

audit.describe(
    {
        "jianfu.supervision.meeting.created": gettext_lazy("登记联席会议"),
        "jianfu.supervision.meeting.drafted": gettext_lazy("起草联席会议议程"),
        "jianfu.supervision.meeting.agenda_edited": gettext_lazy("修改联席会议议程"),
        "jianfu.supervision.meeting.held": gettext_lazy("联席会议已召开"),
        "jianfu.supervision.meeting.minutes": gettext_lazy("记录联席会议纪要"),
        "jianfu.supervision.meeting.decision": gettext_lazy("联席会议议定事项转为督办事项"),
    }
)

TITLE_LIMIT = 200
ITEM_TITLE_LIMIT = 60


def _text(value, field: str, label: str, *, limit: int | None = None, required: bool = True):
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if limit and len(value) > limit:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": limit, "m": len(value)},
            field=field,
        )
    return value


def _date(value, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    return value


def _units(by, ids, field: str) -> list[Unit]:
    s = scope.require(by, MANAGE)
    ids = [i for i in dict.fromkeys(ids or ()) if i]
    found = {u.pk: u for u in Unit.objects.filter(s.units_q(), pk__in=ids)}
    for pk in ids:
        if pk not in found:
            raise DomainError(
                "unit_out_of_scope",
                _("单位（编号 %(id)s）不存在或不在您的范围内。") % {"id": pk},
                field=field,
            )
    return [found[pk] for pk in ids]


def _lock(by, meeting_id: int) -> Meeting:
    """The meeting, locked, if it is in the principal's units (else 404), for the office."""
    s = scope.scope_of(by)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or not s.covers_path(meeting.unit.path):
        raise DomainError("not_found", _("该会议不存在或不在您的范围内。"), status=404)
    scope.require(by, MANAGE)
    return meeting


def _editable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.MINUTED:
        raise DomainError(
            "minuted", _("会议已形成纪要，议程不能再修改。"), field="agenda", status=409
        )


def _line(by, line_id: int) -> tuple[AgendaLine, Meeting]:
    line = AgendaLine.objects.filter(pk=line_id).first()
    if line is None:
        raise DomainError("not_found", _("该议题不存在。"), status=404)
    meeting = _lock(by, line.meeting_id)
    _editable(meeting)
    line = AgendaLine.objects.select_for_update().get(pk=line.pk)
    return line, meeting


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# --- The meeting ------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, by, title: str, date: dt.date, attendee_ids=(), place: str = "") -> Meeting:
    s = scope.require(by, MANAGE)
    title = _text(title, "title", _("会议名称"), limit=TITLE_LIMIT)
    date = _date(date, "date", _("会议日期"))
    place = _text(place, "place", _("会议地点"), limit=100, required=False)
    attendees = _units(by, attendee_ids, "attendees")
    meeting = Meeting.objects.create(
        unit_id=s.unit_id,
        title=title,
        date=date,
        place=place,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=clock.now(),
    )
    meeting.attendees.set(attendees)
    audit.record(
        "jianfu.supervision.meeting.created",
        actor=by,
        obj=meeting,
        extra={"date": date.isoformat(), "attendees": [u.pk for u in attendees]},
    )
    return meeting


@transaction.atomic
def meeting_hold(*, by, meeting_id: int) -> Meeting:
    meeting = _lock(by, meeting_id)
    if meeting.date > clock.today():
        raise DomainError(
            "not_yet",
            _("会议日期 %(d)s 还未到，不能标记为已召开。") % {"d": meeting.date.isoformat()},
            status=409,
        )
    if meeting.status == MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status"])
        audit.record("jianfu.supervision.meeting.held", actor=by, obj=meeting)
    return meeting


@transaction.atomic
def minutes_save(*, by, meeting_id: int, text: str) -> Minutes:
    meeting = _lock(by, meeting_id)
    text = _text(text, "text", _("会议纪要"))
    if meeting.date > clock.today():
        raise DomainError(
            "not_yet",
            _("会议日期 %(d)s 还未到，不能记录纪要。") % {"d": meeting.date.isoformat()},
            field="text",
            status=409,
        )
    minutes, created = Minutes.objects.update_or_create(
        meeting=meeting,
        defaults={
            "text": text,
            "updated_by": by if getattr(by, "pk", None) else None,
            "updated_at": clock.now(),
        },
    )
    meeting.status = MeetingStatus.MINUTED
    meeting.save(update_fields=["status"])
    audit.record(
        "jianfu.supervision.meeting.minutes",
        actor=by,
        obj=meeting,
        extra={"created": created, "chars": len(text)},
    )
    return minutes


# --- The agenda -------------------------------------------------------------------------------


@transaction.atomic
def agenda_draft(*, by, meeting_id: int, as_of: dt.date | None = None) -> dict[str, int]:
    """Draft (or draft again) the meeting's agenda. Returns the counts: added, refreshed, kept
    (edited or removed by the office), stale (kept though no longer found), dropped."""
    meeting = _lock(by, meeting_id)
    _editable(meeting)
    as_of = as_of or clock.today()
    drafted = queries.draft(by, as_of, meeting)
    existing = {
        (row.source_kind, row.source_id): row
        for row in AgendaLine.objects.filter(meeting=meeting, source_id__isnull=False)
    }
    counts = Counter(added=0, refreshed=0, kept=0, stale=0, dropped=0)
    rank: Counter = Counter()
    seen = set()
    new = []
    for section, line in drafted:
        key = (line.source_kind, line.source_id)
        if key in seen:
            continue
        seen.add(key)
        rank[section] += 1
        figures = [{"label": str(label), "value": _jsonable(v)} for label, v in line.figures]
        row = existing.get(key)
        if row is None:
            new.append(
                AgendaLine(
                    meeting=meeting,
                    section=section,
                    order=rank[section] * 10,
                    text=str(line.text),
                    figures=figures,
                    source_kind=line.source_kind,
                    source_id=line.source_id,
                    link=line.link[:300],
                    unit_id=line.unit_id,
                )
            )
            counts["added"] += 1
            continue
        row.figures, row.link, row.unit_id, row.stale = (
            figures,
            line.link[:300],
            line.unit_id,
            False,
        )
        if row.edited or row.removed:
            counts["kept"] += 1
        else:
            row.text, row.section, row.order = str(line.text), section, rank[section] * 10
            counts["refreshed"] += 1
        row.save()
    AgendaLine.objects.bulk_create(new)
    for key, row in existing.items():
        if key in seen:
            continue
        if row.edited or row.removed:
            if not row.stale:
                row.stale = True
                row.save(update_fields=["stale"])
            counts["stale"] += 1
        else:
            row.delete()
            counts["dropped"] += 1
    meeting.drafted_at = clock.now()
    meeting.save(update_fields=["drafted_at"])
    audit.record(
        "jianfu.supervision.meeting.drafted",
        actor=by,
        obj=meeting,
        extra={"as_of": as_of.isoformat(), **counts},
    )
    return dict(counts)


def _edited(by, line: AgendaLine, what: str, **extra) -> None:
    audit.record(
        "jianfu.supervision.meeting.agenda_edited",
        actor=by,
        obj=line.meeting,
        extra={"line": line.pk, "what": what, **extra},
    )


@transaction.atomic
def line_edit(*, by, line_id: int, text: str) -> AgendaLine:
    line, _meeting = _line(by, line_id)
    before = line.text
    line.text = _text(text, "text", _("议题内容"), limit=2000)
    line.edited = True
    line.save(update_fields=["text", "edited"])
    _edited(by, line, "text", before=before)
    return line


@transaction.atomic
def line_move(*, by, line_id: int, direction: str) -> AgendaLine:
    """Move a line up or down within its section (the office's order: both lines it swaps keep
    their places when the agenda is drafted again)."""
    if direction not in ("up", "down"):
        raise DomainError("direction", _("移动方向“%(v)s”无效。") % {"v": direction})
    line, meeting = _line(by, line_id)
    rows = list(
        AgendaLine.objects.select_for_update()
        .filter(meeting=meeting, section=line.section, removed=False)
        .order_by("order", "pk")
    )
    i = next(n for n, r in enumerate(rows) if r.pk == line.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
        rows[i].edited = rows[j].edited = True
        for n, r in enumerate(rows, 1):
            r.order = n * 10
        AgendaLine.objects.bulk_update(rows, ["order", "edited"])
        _edited(by, line, direction)
    return next(r for r in rows if r.pk == line.pk)


@transaction.atomic
def line_remove(*, by, line_id: int) -> AgendaLine:
    line, _meeting = _line(by, line_id)
    if line.source_id is None:
        line.delete()  # a free line is the office's own: gone for good
        _edited(by, line, "delete")
        return line
    line.removed = line.edited = True
    line.save(update_fields=["removed", "edited"])
    _edited(by, line, "remove")
    return line


@transaction.atomic
def line_restore(*, by, line_id: int) -> AgendaLine:
    line, _meeting = _line(by, line_id)
    line.removed = False
    line.save(update_fields=["removed"])
    _edited(by, line, "restore")
    return line


@transaction.atomic
def line_add(*, by, meeting_id: int, text: str, section: str = agenda.FREE) -> AgendaLine:
    """A free line, added by the office (in "other matters" unless a drafted section is named)."""
    meeting = _lock(by, meeting_id)
    _editable(meeting)
    text = _text(text, "text", _("议题内容"), limit=2000)
    if section != agenda.FREE and section not in agenda.SOURCES:
        section = agenda.FREE
    last = AgendaLine.objects.filter(meeting=meeting, section=section).aggregate(m=Max("order"))
    line = AgendaLine.objects.create(
        meeting=meeting,
        section=section,
        order=(last["m"] or 0) + 10,
        text=text,
        edited=True,
    )
    _edited(by, line, "add")
    return line


# --- Decisions --------------------------------------------------------------------------------


def _item_title(text: str, title: str) -> str:
    title = (title or "").strip()
    if title:
        return title
    first = text.splitlines()[0].strip().rstrip("。；;")
    if len(first) > ITEM_TITLE_LIMIT:
        first = first[: ITEM_TITLE_LIMIT - 1] + "…"
    return first


def _check_decision(meeting: Meeting, deadline) -> dt.date:
    if meeting.date > clock.today():
        raise DomainError(
            "not_yet",
            _("会议日期 %(d)s 还未到，不能登记议定事项。") % {"d": meeting.date.isoformat()},
            status=409,
        )
    deadline = _date(deadline, "deadline", _("完成时限"))
    if deadline < meeting.date:
        raise DomainError(
            "deadline_before_meeting",
            _("完成时限 %(d)s 早于会议日期 %(m)s，请核对。")
            % {"d": deadline.isoformat(), "m": meeting.date.isoformat()},
            field="deadline",
        )
    return deadline


def _to_item(by, meeting: Meeting, decision: Decision, title: str = ""):
    item = item_services.item_create(
        by=by,
        source=ItemSource.MEETING,
        source_ref=_("%(t)s（%(d)s）议定事项第 %(n)s 项")
        % {"t": meeting.title, "d": meeting.date.isoformat(), "n": decision.order},
        title=_item_title(decision.text, title),
        instruction=decision.text,
        leader=decision.leader,
        deadline=decision.deadline,
        created_on=meeting.date,
        lead_unit_id=decision.lead_unit_id,
        co_unit_ids=list(decision.co_units.values_list("pk", flat=True)),
        issue=True,
    )
    decision.item = item
    decision.save(update_fields=["item"])
    audit.record(
        "jianfu.supervision.meeting.decision",
        actor=by,
        obj=meeting,
        extra={"decision": decision.pk, "item": item.pk},
    )
    return item


@transaction.atomic
def decision_create(
    *,
    by,
    meeting_id: int,
    text: str,
    lead_unit_id: int,
    deadline: dt.date,
    co_unit_ids=(),
    leader: str = "",
    title: str = "",
    to_item: bool = True,
) -> Decision:
    """A decision of the meeting, turned at once into a supervision item (source: meeting
    decision; the decision text is the item's instruction; lead and co-units and the deadline are
    the decision's). The meeting is marked held if it was not."""
    meeting = _lock(by, meeting_id)
    text = _text(text, "text", _("议定事项"), limit=2000)
    deadline = _check_decision(meeting, deadline)
    leader = _text(leader, "leader", _("责任领导"), required=False, limit=50)
    title = _text(title, "title", _("事项名称"), required=False, limit=200)
    if not lead_unit_id:
        raise DomainError("required", _("请选择牵头单位。"), field="lead_unit")
    lead = _units(by, [lead_unit_id], "lead_unit")[0]
    cos = [u for u in _units(by, co_unit_ids, "co_units") if u.pk != lead.pk]
    last = Decision.objects.filter(meeting=meeting).aggregate(m=Max("order"))["m"] or 0
    decision = Decision.objects.create(
        meeting=meeting,
        order=last + 1,
        text=text,
        lead_unit=lead,
        deadline=deadline,
        leader=leader,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=clock.now(),
    )
    decision.co_units.set(cos)
    if meeting.status == MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status"])
    if to_item:
        _to_item(by, meeting, decision, title)
    else:
        audit.record(
            "jianfu.supervision.meeting.decision",
            actor=by,
            obj=meeting,
            extra={"decision": decision.pk, "item": None},
        )
    return decision


@transaction.atomic
def decision_to_item(*, by, decision_id: int, title: str = "") -> Decision:
    decision = Decision.objects.filter(pk=decision_id).first()
    if decision is None:
        raise DomainError("not_found", _("该议定事项不存在。"), status=404)
    meeting = _lock(by, decision.meeting_id)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.item_id:
        raise DomainError("has_item", _("该议定事项已转为督办事项。"), status=409)
    _check_decision(meeting, decision.deadline)
    _to_item(by, meeting, decision, title)
    return decision
