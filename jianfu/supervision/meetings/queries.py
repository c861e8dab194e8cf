"""Reads of the coordination meeting: the meetings an account sees, one meeting's agenda by
section, its decisions with their items' colours, and the four sources of the draft agenda.

The draft agenda reads what the other parts and apps already count, through their own queries and
from the drafting account's scope:
- red supervision items: `items.queries.colours` over the open items the account sees;
- units over their quotas or heading there: `registry.quotas.queries.quota_overview` (exceeded,
  used up, projected to run out within the year);
- overdue rectification measures, per unit: `rectification.problems.queries.overview` (one
  definition of overdue everywhere) and the longest overdue measure;
- key projects in trouble: the open signals of the projects' health checks (group "projects",
  `projects.queries.signals_by_project`).
Each line carries its figures and the link to the page that shows them.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import clock, scope, workdays
from jianfu.core.models import Unit

from .. import agenda
from ..items import queries as item_queries
from ..items.models import OPEN_STATUSES, Assignment, AssignmentRole, Item
from .models import AgendaLine, Decision, Meeting

VIEW = "supervision.meeting:view"
MANAGE = "supervision.meeting:manage"

# The most lines one source puts on a draft (the worst first); the rest in one summary line.
MAX_LINES = 20


# --- Meetings ---------------------------------------------------------------------------------


def meetings(user):
    return scope.visible(Meeting.objects.select_related("unit"), user, perm=VIEW)


def meeting_for(user, pk) -> Meeting:
    """One meeting, or 404 outside the account's units (403 without the view code)."""
    return scope.get_for(Meeting.objects.select_related("unit"), user, pk, perm=VIEW)


def attendee_choices(user):
    """The units a meeting may invite: the open counties and departments in scope, in tree
    order (the organising unit's own subtree)."""
    s = scope.require(user, MANAGE)
    return Unit.objects.filter(
        s.units_q(), valid_until__isnull=True, kind__in=("county", "department")
    ).order_by("path")


# --- The agenda -------------------------------------------------------------------------------


def sections(meeting: Meeting, *, with_removed: bool = False) -> list[dict]:
    """The agenda's lines by section, sections in their order, lines in theirs."""
    lines = AgendaLine.objects.filter(meeting=meeting).select_related("unit")  # unscoped: the
    # meeting was reached through meeting_for
    if not with_removed:
        lines = lines.filter(removed=False)
    attending = set(meeting.attendees.values_list("path", flat=True))
    grouped: dict[str, list[AgendaLine]] = defaultdict(list)
    for line in lines.order_by("order", "pk"):
        line.absent = bool(
            attending
            and line.unit is not None
            and not any(line.unit.path.startswith(p) for p in attending)
        )
        grouped[line.section].append(line)
    return [
        {
            "code": code,
            "label": agenda.section_label(code),
            "lines": grouped[code],
        }
        for code in sorted(grouped, key=lambda c: (agenda.section_order(c), c))
    ]


def removed_lines(meeting: Meeting) -> list[AgendaLine]:
    return list(
        AgendaLine.objects.filter(meeting=meeting, removed=True).order_by(
            "order", "pk"
        )  # unscoped:
        # the meeting was reached through meeting_for
    )


def decisions(meeting: Meeting, as_of: dt.date | None = None) -> list[Decision]:
    """The meeting's decisions, each with its item's colour (`colour`)."""
    rows = list(
        Decision.objects.filter(meeting=meeting)  # unscoped: the meeting was reached through
        # meeting_for
        .select_related("lead_unit", "item")
        .prefetch_related("co_units")
        .order_by("order", "pk")
    )
    ids = [d.item_id for d in rows if d.item_id]
    colour = item_queries.colours(Item.objects.filter(pk__in=ids), as_of) if ids else {}
    for d in rows:
        d.colour = colour.get(d.item_id, "")
    return rows


def meeting_of_item(item: Item) -> Meeting | None:
    decision = Decision.objects.filter(item=item).select_related("meeting__unit").first()
    return decision.meeting if decision else None


# --- The four sources of the draft ------------------------------------------------------------


def _more(code: str, n: int, label: str, link: str = "") -> agenda.Line:
    return agenda.Line(
        text=_("另有 %(n)s 项%(what)s，详见清单。") % {"n": n, "what": label},
        source_kind=f"{code}.more",
        source_id=0,
        link=link,
    )


def red_items(principal, as_of: dt.date, meeting=None) -> list[agenda.Line]:
    """The red (overdue) open items the account sees, the longest overdue first."""
    items = item_queries.visible_items(principal).filter(status__in=OPEN_STATUSES)
    colour = item_queries.colours(items, as_of)
    red = [pk for pk, c in colour.items() if c == item_queries.RED]
    if not red:
        return []
    found = list(Item.objects.filter(pk__in=red).order_by("deadline", "pk"))
    leads = {
        item_id: (unit_id, name)
        for item_id, unit_id, name in Assignment.objects.filter(
            item_id__in=red, role=AssignmentRole.LEAD, active=True
        ).values_list("item_id", "unit_id", "unit__name")
    }
    cal = workdays.load(min(i.deadline for i in found), max(as_of, min(i.deadline for i in found)))
    out = []
    for item in found[:MAX_LINES]:
        unit_id, lead = leads.get(item.pk, (None, ""))
        if item.working_days:
            late = cal.workdays_between(item.deadline, as_of)
            late_label = _("逾期工作日")
        else:
            late = (as_of - item.deadline).days
            late_label = _("逾期天数")
        out.append(
            agenda.Line(
                text=_("%(unit)s牵头的“%(title)s”已超过办理时限，进度 %(p)s%%。")
                % {"unit": lead, "title": item.title, "p": item.percent},
                source_kind="supervision.item",
                source_id=item.pk,
                figures=[
                    (_("督办单号"), item.number),
                    (_("主办单位"), lead),
                    (_("办理时限"), item.deadline.isoformat()),
                    (late_label, late),
                    (_("完成进度"), f"{item.percent}%"),
                ],
                link=reverse("sup_item_detail", args=[item.pk]),
                unit_id=unit_id,
            )
        )
    if len(found) > MAX_LINES:
        more = len(found) - MAX_LINES
        out.append(_more("supervision.item", more, _("红色督办事项"), reverse("sup_board")))
    return out


def quota_laggards(principal, as_of: dt.date, meeting=None) -> list[agenda.Line]:
    """Units over a quota (发文、会议、督查检查考核), at it, or projected to run out this year."""
    from jianfu.registry.models import Category, Quota
    from jianfu.registry.quotas.figures import State
    from jianfu.registry.quotas.queries import quota_overview

    lagging = (State.EXCEEDED, State.USED_UP, State.AT_RISK)
    rows = [
        s for s in quota_overview(principal, year=as_of.year, as_of=as_of) if s.state in lagging
    ]
    if not rows:
        return []
    ids = {
        (u, c): pk
        for pk, u, c in Quota.objects.filter(
            year=as_of.year, unit_id__in={s.unit_id for s in rows}
        ).values_list("pk", "unit_id", "category")
    }
    out = []
    for s in rows[:MAX_LINES]:
        category = str(Category(s.category).label)
        state = str(State(s.state).label)
        figures = [
            (_("类别"), category),
            (_("年度指标"), s.limit),
            (_("已使用"), s.used),
            (_("使用比例"), f"{(s.share_used or 0) * 100:.0f}%"),
            (_("预计全年"), round(s.projected)),
        ]
        if s.exhaustion and s.state == State.AT_RISK:
            figures.append((_("预计用尽日期"), s.exhaustion.isoformat()))
        out.append(
            agenda.Line(
                text=_("%(unit)s%(cat)s%(state)s：已使用 %(used)s，年度指标 %(limit)s。")
                % {
                    "unit": s.unit.name,
                    "cat": category,
                    "state": state,
                    "used": s.used,
                    "limit": s.limit,
                },
                source_kind="registry.quota",
                source_id=ids.get((s.unit_id, s.category), 0),
                figures=figures,
                link=reverse("quota_unit", args=[s.unit_id]),
                unit_id=s.unit_id,
            )
        )
    if len(rows) > MAX_LINES:
        out.append(
            _more("registry.quota", len(rows) - MAX_LINES, _("指标预警"), reverse("quota_overview"))
        )
    return out


def overdue_rectification(principal, as_of: dt.date, meeting=None) -> list[agenda.Line]:
    """Per unit, its overdue rectification measures (still worked on, past their deadline), the
    unit with the most first."""
    from jianfu.rectification.models import Measure
    from jianfu.rectification.problems import queries as rect

    rows = rect.overview(principal, overdue_only=True)
    if not rows:
        return []
    today = clock.today()
    oldest = dict(
        scope.visible(Measure.objects.all(), principal, perm=rect.VIEW, unit_field="problem__unit")
        .filter(rect.overdue_q(today), problem__unit_id__in=[r.unit_id for r in rows])
        .values("problem__unit_id")
        .annotate(first=Min("deadline"))
        .order_by()
        .values_list("problem__unit_id", "first")
    )
    out = []
    for r in rows[:MAX_LINES]:
        first = oldest.get(r.unit_id)
        late = workdays.workdays_between(first, today) if first else 0
        out.append(
            agenda.Line(
                text=_("%(unit)s有 %(n)s 项整改措施逾期未完成，最长已逾期 %(d)s 个工作日。")
                % {"unit": r.name, "n": r.overdue, "d": late},
                source_kind="rectification.unit",
                source_id=r.unit_id,
                figures=[
                    (_("逾期措施"), r.overdue),
                    (_("未完成措施"), r.unfinished),
                    (_("7日内到期"), r.due_soon),
                    (_("最早时限"), first.isoformat() if first else "—"),
                    (_("最长逾期工作日"), late),
                ],
                link=reverse("rect_ledger", args=[r.unit_id]) + "?status=overdue",
                unit_id=r.unit_id,
            )
        )
    if len(rows) > MAX_LINES:
        out.append(
            _more(
                "rectification.unit",
                len(rows) - MAX_LINES,
                _("逾期整改单位"),
                reverse("rect_overview"),
            )
        )
    return out


def troubled_projects(principal, as_of: dt.date, meeting=None) -> list[agenda.Line]:
    """Key projects with open signals of their health checks, the most severe first."""
    from jianfu.signals import display

    from ..projects import queries as project_queries

    found = list(project_queries.filtered(principal, health_filter=project_queries.HEALTH_TROUBLED))
    if not found:
        return []
    signals = project_queries.signals_by_project([p.pk for p in found])
    figures = project_queries.figures(found)
    found.sort(key=lambda p: (-max((s.severity for s in signals.get(p.pk, [])), default=0), p.pk))
    out = []
    for p in found[:MAX_LINES]:
        rows = display.decorate(signals.get(p.pk, []))
        f = figures[p.pk]
        headline = rows[0].headline if rows else ""
        lines = [
            (_("责任单位"), p.unit.name),
            (_("预警"), "、".join(s.rule_label for s in rows)),
            (_("计划总投资（万元）"), str(p.total_investment or "—")),
            (_("资金到位（万元）"), str(f["arrived"])),
        ]
        if f["deal"] is not None:
            lines.append((_("签约额（万元）"), str(f["deal"].amount_signed)))
            lines.append(
                (_("签约资金到位率"), f"{f['deal_pct']}%" if f["deal_pct"] is not None else "—")
            )
        out.append(
            agenda.Line(
                text=_("%(unit)s的重点项目“%(name)s”：%(finding)s")
                % {"unit": p.unit.name, "name": p.name, "finding": headline},
                source_kind="supervision.project",
                source_id=p.pk,
                figures=lines,
                link=reverse("project_detail", args=[p.pk]),
                unit_id=p.unit_id,
            )
        )
    if len(found) > MAX_LINES:
        out.append(
            _more(
                "supervision.project",
                len(found) - MAX_LINES,
                _("预警项目"),
                reverse("project_list") + "?health=troubled",
            )
        )
    return out


BUILTIN = (
    agenda.Source("red_items", gettext_lazy("红色督办事项"), 10, red_items, perm=item_queries.VIEW),
    agenda.Source(
        "quotas",
        gettext_lazy("发文会议督查检查超指标单位"),
        20,
        quota_laggards,
        perm="registry.quota:view",
    ),
    agenda.Source(
        "rectification",
        gettext_lazy("整改逾期单位"),
        30,
        overdue_rectification,
        perm="rectification.problem:view",
    ),
    agenda.Source(
        "projects",
        gettext_lazy("重点项目预警"),
        40,
        troubled_projects,
        perm="supervision.project:view",
    ),
)


def draft(principal, as_of: dt.date, meeting=None) -> list[tuple[str, agenda.Line]]:
    """Every registered source's lines for the account drafting: (section code, line), sections
    in order. A source the account may not read is skipped."""
    out = []
    for source in agenda.sources():
        if source.perm and not scope.can(principal, source.perm):
            continue
        out.extend((source.code, line) for line in source.build(principal, as_of, meeting))
    return out
