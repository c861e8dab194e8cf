"""The pages of supervision items: the office's board (colour counts by unit and by source, red
first), one item's page with its whole history and the actions of the office and of the units on
it, a unit's to-do list (due soon first, with how many requests the platform sent it this month),
the item as a leader reads it on a phone, and the form that creates an item.

Thin: every item is reached through queries (item_for / visible_items: 404 outside the account's
units, 403 without the code); every write goes through services, whose DomainErrors land on the
form field they name with what the person typed kept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianfu.core import clock, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.core.models import Unit

from . import queries, reminders, services, sources
from .forms import (
    CompletionForm,
    ExtensionForm,
    FeedbackForm,
    ItemForm,
    NoteForm,
    PlanForm,
    ReassignForm,
    SplitForm,
)
from .models import (
    Assignment,
    AssignmentRole,
    ExtensionStatus,
    Feedback,
    FeedbackStatus,
    ItemSource,
    ItemStatus,
    Reminder,
)
from .services import HANDLE, MANAGE, VIEW

ROWS_SHOWN = 200


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cells(counts: dict) -> list[tuple[str, int]]:
    return [(c, counts.get(c, 0)) for c in queries.COLOURS]


# --- The office's board -------------------------------------------------------------------------


def board_rows(user, *, colour="", unit_id=None, source="", as_of=None) -> list[dict]:
    """The open items the board lists (red first, then by deadline), filtered as its links ask;
    the unit filter reads each unit's own colour (its part), as the unit table counts it."""
    as_of = as_of or clock.today()
    items = queries.visible_items(user).filter(status__in=queries.OPEN_STATUSES)
    if source:
        items = items.filter(source=source)
    if unit_id:
        # The items are the account's visible ones.
        mine = Assignment.objects.filter(item__in=items, unit_id=unit_id)  # unscoped: see above
        mine = mine.filter(active=True)
        by_item = {}
        for pk, item_id in mine.values_list("pk", "item_id"):
            by_item[item_id] = pk
        a_colour = queries.assignment_colours(mine, as_of)
        colours = {item_id: a_colour[pk] for item_id, pk in by_item.items()}
        items = items.filter(pk__in=list(by_item))
    else:
        colours = queries.colours(items, as_of)
    if colour:
        keep = [pk for pk, c in colours.items() if c == colour]
        items = items.filter(pk__in=keep)
    order = {c: i for i, c in enumerate(queries.COLOURS)}
    found = list(items.select_related("issuer"))
    found.sort(key=lambda i: (order.get(colours.get(i.pk), 9), i.deadline, i.pk))
    found = found[:ROWS_SHOWN]
    leads = dict(
        Assignment.objects.filter(  # unscoped: the items above are visible ones
            item__in=[i.pk for i in found], role=AssignmentRole.LEAD, active=True
        ).values_list("item_id", "unit__name")
    )
    return [
        {"item": i, "colour": colours.get(i.pk), "lead_name": leads.get(i.pk, "")} for i in found
    ]


@login_required
def sup_board(request):
    user = request.user
    s = scope.require(user, VIEW)
    g = request.GET
    colour = g.get("colour", "") if g.get("colour", "") in queries.COLOURS else ""
    source = g.get("source", "") if g.get("source", "") in ItemSource.values else ""
    unit_id = _int(g.get("unit"))
    b = queries.board(user)
    unit = next((r for r in b.by_unit if r.key == unit_id), None)
    filtered = " · ".join(
        str(x)
        for x in (
            unit.label if unit else "",
            ItemSource(source).label if source else "",
            queries.COLOUR_LABELS[colour] if colour else "",
        )
        if x
    )
    context = {
        "totals": [
            {"code": c, "label": queries.COLOUR_LABELS[c], "n": b.totals.get(c, 0)}
            for c in queries.COLOURS
        ],
        "by_unit": [
            {"unit_id": r.key, "name": r.label, "cells": _cells(r.counts), "total": r.total}
            for r in b.by_unit
        ],
        "by_source": [
            {"code": r.key, "label": r.label, "cells": _cells(r.counts), "total": r.total}
            for r in b.by_source
        ],
        "rows": board_rows(user, colour=colour, unit_id=unit.key if unit else None, source=source),
        "filtered": filtered,
        "can_manage": s.can(MANAGE),
    }
    return render(request, "supervision/items/board.html", context)


# --- One item -----------------------------------------------------------------------------------

# The unit's actions on an item: (form class, service, label).
UNIT_ACTIONS = ("sign", "plan", "feedback", "extension", "complete")
OFFICE_ACTIONS = (
    "split",
    "reassign",
    "accept",
    "return_feedback",
    "approve",
    "reject",
    "close",
    "return",
    "remind",
    "problem",
)
ACTION_LABELS = {
    "sign": gettext_lazy("签收"),
    "plan": gettext_lazy("报送办理方案"),
    "feedback": gettext_lazy("报送进展"),
    "extension": gettext_lazy("申请延期"),
    "complete": gettext_lazy("申请办结"),
    "split": gettext_lazy("分解到单位"),
    "reassign": gettext_lazy("改交其他单位"),
    "accept": gettext_lazy("采纳反馈"),
    "return_feedback": gettext_lazy("退回反馈"),
    "approve": gettext_lazy("批准延期"),
    "reject": gettext_lazy("不批准延期"),
    "close": gettext_lazy("销号"),
    "return": gettext_lazy("退回重办"),
    "remind": gettext_lazy("催办"),
    "problem": gettext_lazy("列入问题清单"),
}


def _own_assignment(user, item) -> Assignment | None:
    """The assignment of the account's own unit on the item (the unit acting), if any."""
    if not scope.can(user, HANDLE) or not user.home_unit_id:
        return None
    return (
        Assignment.objects.filter(  # unscoped: the item was reached through item_for
            item=item, unit_id=user.home_unit_id, active=True
        )
        .select_related("unit")
        .first()
    )


def _last_feedback(assignment) -> Feedback | None:
    return (
        Feedback.objects.filter(assignment=assignment)  # unscoped: the unit's own assignment
        .exclude(false_report=True)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def _unit_forms(item, own, failed=None) -> dict:
    """The forms the unit acting may use on the item, pre-filled from what the platform holds:
    the feedback form from the unit's last feedback (text and percent), the plan from the plan
    filed."""
    if own is None or item.status == ItemStatus.CLOSED:
        return {}
    last = _last_feedback(own)
    forms = {
        "plan": PlanForm(initial={"plan": own.plan}),
        "feedback": FeedbackForm(
            initial={
                "text": last.text if last else "",
                "percent": last.percent if last else own.percent,
                "evidence_note": last.evidence_note if last else "",
            },
            reason=item.evidence_reason,
            auto_id="fb-%s",
        ),
        "extension": ExtensionForm(),
    }
    if own.role == AssignmentRole.LEAD and item.status != ItemStatus.SUBMITTED:
        forms["complete"] = CompletionForm(
            initial={"text": last.text if last else ""},
            reason=item.evidence_reason,
            auto_id="done-%s",
        )
    if item.status == ItemStatus.SUBMITTED:
        forms.pop("feedback")
    if failed and failed[0] in forms:
        forms[failed[0]] = failed[1]
    return forms


def _office_forms(user, item, assignments, failed=None) -> list[tuple[str, object]]:
    """The office's split and reassign forms while the item is not closed (the one refused comes
    back bound, with its errors)."""
    if item.status == ItemStatus.CLOSED:
        return []
    active = [a for a in assignments if a.active]
    forms = {
        "split": SplitForm(principal=user, auto_id="split-%s"),
        "reassign": ReassignForm(principal=user, assignments=active, auto_id="re-%s"),
    }
    if failed and failed[0] in forms:
        forms[failed[0]] = failed[1]
    return list(forms.items())


def _detail(request, item, *, failed=None, status=200):
    """The item's page. `failed` is (action, bound form, target id) when an action was refused:
    that form comes back open with the error and what the person typed."""
    user = request.user
    today = clock.today()
    office = services._is_office(user, item)
    own = _own_assignment(user, item)
    assignments = list(
        Assignment.objects.filter(item=item)  # unscoped: the item was reached through item_for
        .select_related("unit", "signed_by")
        .order_by("-active", "-role", "pk")
    )
    a_colour = queries.assignment_colours(
        Assignment.objects.filter(item=item, active=True),  # unscoped: as above
        today,
    )
    feedback = list(
        Feedback.objects.filter(assignment__item=item)  # unscoped: as above
        .select_related("assignment__unit", "submitted_by", "reviewed_by")
        .prefetch_related("files")
        .order_by("-submitted_at", "-pk")
    )
    extensions = queries.extensions_of(item)
    reminders = list(
        Reminder.objects.filter(item=item)  # unscoped: as above
        .select_related("assignment__unit", "sent_by")
        .order_by("-sent_at")
    )
    note_failed = failed if failed and isinstance(failed[1], NoteForm) else None

    def note_form(action, target=None):
        if note_failed and note_failed[0] == action and note_failed[2] == target:
            return note_failed[1]
        return NoteForm()

    if office:
        for fb in feedback:
            if fb.status == FeedbackStatus.SUBMITTED:
                fb.forms = [
                    ("accept", note_form("accept", fb.pk)),
                    ("return_feedback", note_form("return_feedback", fb.pk)),
                ]
        for ext in extensions:
            if ext.status == ExtensionStatus.PENDING:
                ext.forms = [
                    ("approve", note_form("approve", ext.pk)),
                    ("reject", note_form("reject", ext.pk)),
                ]
    office_actions = _office_forms(user, item, assignments, failed) if office else []
    if office and item.status == ItemStatus.SUBMITTED:
        office_actions += [("close", note_form("close")), ("return", note_form("return"))]
    problem = sources.problem_of(item.pk)
    if office and problem is None and sources.can_open(item, today):
        office_actions.append(("problem", note_form("problem")))
    if office and item.is_open:
        for a in assignments:
            if a.active:
                a.remind_form = note_form("remind", a.pk)
    forms = _unit_forms(item, own, failed)
    context = {
        "item": item,
        "source_link": queries.source_link(item, user),
        "colour": queries.colour_of(item, today),
        "assignments": [(a, a_colour.get(a.pk, "")) for a in assignments],
        "feedback": feedback,
        "extensions": extensions,
        "approved": sum(1 for e in extensions if e.status == ExtensionStatus.APPROVED),
        "reminders": reminders,
        "files": queries.files_of(item),
        "history": queries.history(item),
        "problem": problem if problem and scope.can(user, "rectification.problem:view") else None,
        "office": office,
        "office_actions": [(a, ACTION_LABELS[a], f) for a, f in office_actions],
        "own": own,
        "can_sign": own is not None and own.signed_at is None and item.is_open,
        "unit_forms": [(a, ACTION_LABELS[a], f) for a, f in forms.items()],
        "opened": failed[0] if failed else request.GET.get("act", ""),
        "days_left": queries.days_left(item, today) if item.is_open else None,
    }
    return render(request, "supervision/items/detail.html", context, status=status)


@login_required
def sup_item_detail(request, pk):
    return _detail(request, queries.item_for(request.user, pk))


def _put(form, error: DomainError) -> None:
    field = {
        "lead_unit_id": "lead_unit",
        "co_unit_ids": "co_units",
        "file": "files",
        "assignment_id": "assignment",
    }.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def _note(request):
    form = NoteForm(request.POST)
    form.is_valid()
    return form, (form.cleaned_data.get("note") or "")


@login_required
@require_POST
def sup_item_act(request, pk, action):
    """One action on the item (the unit's or the office's); `target` names the feedback or
    extension the office decides on."""
    if action not in UNIT_ACTIONS and action not in OFFICE_ACTIONS:
        raise Http404
    user = request.user
    item = queries.item_for(user, pk)
    target = _int(request.POST.get("target"))
    form = None
    try:
        if action == "sign":
            services.sign(by=user, item_id=item.pk)
        elif action == "plan":
            form = PlanForm(request.POST)
            if form.is_valid():
                services.plan_file(by=user, item_id=item.pk, plan=form.cleaned_data["plan"])
        elif action == "feedback":
            # The files are read from request.FILES by the view; the form only renders the input.
            form = FeedbackForm(request.POST, reason=item.evidence_reason, auto_id="fb-%s")
            if form.is_valid():
                d = form.cleaned_data
                services.feedback_submit(
                    by=user,
                    item_id=item.pk,
                    text=d["text"],
                    percent=d["percent"],
                    evidence_note=d["evidence_note"],
                    uploads=files.read_uploads(request),
                )
        elif action == "extension":
            form = ExtensionForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                services.extension_request(
                    by=user, item_id=item.pk, new_deadline=d["new_deadline"], reason=d["reason"]
                )
        elif action == "complete":
            form = CompletionForm(request.POST, reason=item.evidence_reason, auto_id="done-%s")
            if form.is_valid():
                d = form.cleaned_data
                services.completion_submit(
                    by=user,
                    item_id=item.pk,
                    text=d["text"],
                    evidence_note=d["evidence_note"],
                    uploads=files.read_uploads(request),
                )
        elif action == "split":
            form = SplitForm(request.POST, principal=user, auto_id="split-%s")
            if form.is_valid():
                d = form.cleaned_data
                services.item_split(
                    by=user,
                    item_id=item.pk,
                    unit_id=d["unit"].pk,
                    task=d["task"],
                    deadline=d["deadline"],
                )
        elif action == "reassign":
            active = list(
                Assignment.objects.filter(  # unscoped: the item was reached through item_for
                    item=item, active=True
                ).select_related("unit")
            )
            form = ReassignForm(request.POST, principal=user, assignments=active, auto_id="re-%s")
            if form.is_valid():
                d = form.cleaned_data
                services.assignment_reassign(
                    by=user,
                    assignment_id=int(d["assignment"]),
                    unit_id=d["unit"].pk,
                    note=d["note"],
                )
        else:
            form, note = _note(request)
            if action in ("accept", "return_feedback"):
                fb = Feedback.objects.filter(  # unscoped: checked to be of this item
                    pk=target, assignment__item=item
                ).first()
                if fb is None:
                    raise Http404
                if action == "accept":
                    services.feedback_accept(by=user, feedback_id=fb.pk, note=note)
                else:
                    services.feedback_return(by=user, feedback_id=fb.pk, note=note)
            elif action in ("approve", "reject"):
                if not item.extensions.filter(pk=target).exists():
                    raise Http404
                if action == "approve":
                    services.extension_approve(by=user, extension_id=target, note=note)
                else:
                    services.extension_reject(by=user, extension_id=target, note=note)
            elif action == "close":
                services.item_close(by=user, item_id=item.pk, note=note)
            elif action == "return":
                services.item_return(by=user, item_id=item.pk, note=note)
            elif action == "problem":
                problem = sources.put_on_list(by=user, item_id=item.pk, note=note)
                messages.success(request, _("已列入%(u)s的问题清单。") % {"u": problem.unit.name})
                return redirect("problem_detail", pk=problem.pk)
            elif action == "remind":
                if not item.assignments.filter(pk=target, active=True).exists():
                    raise Http404
                reminders.remind(by=user, assignment_id=target, note=note)
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        # A refusal of the action itself (not of what was typed) is said on top of the page.
        if form is None or (isinstance(form, NoteForm) and e.field != "note"):
            messages.error(request, str(e.message))
            return redirect("sup_item_detail", pk=item.pk)
        _put(form, e)
    if form is not None and form.errors:
        item = queries.item_for(user, pk)
        return _detail(request, item, failed=(action, form, target), status=400)
    messages.success(request, _("已%(a)s。") % {"a": ACTION_LABELS[action]})
    return redirect(reverse("sup_item_detail", args=[item.pk]))


@login_required
def sup_file_download(request, pk):
    """An evidence file, to whoever may see its item (404 otherwise)."""
    found = queries.item_file_for(request.user, pk)
    try:
        return files.download_response(found.relpath, found.name, found.kind)
    except FileNotFoundError:
        raise Http404(_("文件已不在存储中，请联系管理员。")) from None


# --- The leader's phone page --------------------------------------------------------------------


@login_required
def sup_item_phone(request, pk):
    item = queries.item_for(request.user, pk)
    today = clock.today()
    assignments = list(
        Assignment.objects.filter(item=item, active=True)  # unscoped: reached through item_for
        .select_related("unit")
        .order_by("-role", "pk")
    )
    colours = queries.assignment_colours(
        Assignment.objects.filter(item=item, active=True),  # unscoped: as above
        today,
    )
    last = (
        Feedback.objects.filter(assignment__item=item)  # unscoped: as above
        .select_related("assignment__unit")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    context = {
        "item": item,
        "colour": queries.colour_of(item, today),
        "assignments": [(a, colours.get(a.pk, "")) for a in assignments],
        "last": last,
        "days_left": queries.days_left(item, today) if item.is_open else None,
        "extensions": sum(
            1 for e in queries.extensions_of(item) if e.status == ExtensionStatus.APPROVED
        ),
    }
    return render(request, "supervision/items/phone.html", context)


# --- A unit's to-do list ------------------------------------------------------------------------


@login_required
def sup_todo(request):
    """The account's own to-do list: its unit's (a contact), or the office's."""
    unit_id = request.user.home_unit_id
    if unit_id is None:
        raise Http404
    return sup_unit_todo(request, unit_id)


@login_required
def sup_unit_todo(request, unit_id):
    user = request.user
    unit = scope.get_for(Unit, user, unit_id, perm=VIEW, unit_field=None)
    today = clock.today()
    own = unit.pk == user.home_unit_id
    rows = [
        t
        for t in queries.todo(user, today)
        if (
            t.assignment is not None
            and t.assignment.unit_id == unit.pk
            and t.kind in ("sign", "feedback")
        )
        or (own and t.kind in ("extension", "feedback_review", "close"))
    ]
    for t in rows:
        t.days = (t.due - today).days
        t.overdue = t.days < 0
    context = {
        "unit": unit,
        "rows": rows,
        "own": own,
        "can_handle": own and scope.can(user, HANDLE),
        "requests": queries.requests_received(unit.pk, today),
        "month": today,
    }
    return render(request, "supervision/items/todo.html", context)


# --- Creating an item ---------------------------------------------------------------------------


@login_required
def sup_item_create(request):
    user = request.user
    scope.require(user, MANAGE)
    form = ItemForm(request.POST or None, principal=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                item = services.item_create(
                    by=user,
                    source=d["source"],
                    source_ref=d["source_ref"],
                    title=d["title"],
                    instruction=d["instruction"],
                    leader=d["leader"],
                    deadline=d["deadline"],
                    lead_unit_id=d["lead_unit"].pk,
                    co_unit_ids=[int(x) for x in d["co_units"]],
                    feedback_rule=d["feedback_rule"],
                    milestones=d["milestones"],
                    working_days=d["working_days"],
                    leader_instruction=d["leader_instruction"],
                    evidence_reason=d["evidence_reason"],
                    issue=True,
                )
            except DomainError as e:
                _put(form, e)
            else:
                messages.success(request, _("督办事项已交办。"))
                return redirect("sup_item_detail", pk=item.pk)
    context = {"form": form, "title": _("新建督办事项")}
    return render(request, "supervision/items/form.html", context, status=status)


@login_required
def _template(request):
    from jianfu.core import excel

    from .importers import items_template

    scope.require(request.user, MANAGE)
    return excel.xlsx_response(items_template(), _("督办事项导入模板") + ".xlsx")


urlpatterns = [
    path("", sup_board, name="sup_board"),
    path("items/new/", sup_item_create, name="sup_item_create"),
    path(
        "items/import/",
        import_views.upload,
        {"kind": "supervision.items"},
        name="sup_item_import",
    ),
    path("items/template.xlsx", _template, name="sup_item_template"),
    path("items/<int:pk>/", sup_item_detail, name="sup_item_detail"),
    path("items/<int:pk>/m/", sup_item_phone, name="sup_item_phone"),
    path("files/<int:pk>/", sup_file_download, name="sup_file_download"),
    path("items/<int:pk>/<str:action>/", sup_item_act, name="sup_item_act"),
    path("todo/", sup_todo, name="sup_todo"),
    path("units/<int:unit_id>/", sup_unit_todo, name="sup_unit_todo"),
]
