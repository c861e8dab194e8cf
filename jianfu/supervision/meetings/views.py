"""The coordination meeting's pages: the list of meetings, creation (date, attendees), one
meeting's page (the agenda by section with its figures and links and the office's edit controls,
the minutes, the decisions with their items' colours and the form that turns a decision into a
supervision item), and the agenda as a Word file.

Thin: every meeting is reached through queries.meeting_for (404 outside the account's units, 403
without the code); every write goes through services, whose DomainErrors land on the form field
they name with what the person typed kept.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, scope
from jianfu.core.errors import DomainError

from .. import agenda
from ..items import queries as item_queries
from . import queries, services
from .forms import DecisionForm, LineForm, MeetingForm, MinutesForm
from .models import AgendaLine, Meeting, MeetingStatus, Minutes
from .queries import MANAGE, VIEW

ACTIONS = (
    "draft",
    "hold",
    "line_edit",
    "line_up",
    "line_down",
    "line_remove",
    "line_restore",
    "line_add",
    "minutes",
    "decision",
    "decision_item",
)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _put(form, error: DomainError) -> None:
    field = {"lead_unit_id": "lead_unit", "co_unit_ids": "co_units"}.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


@login_required
def sup_meeting_list(request):
    user = request.user
    s = scope.require(user, VIEW)
    rows = list(
        queries.meetings(user)
        .annotate(
            n_lines=Count("lines", filter=Q(lines__removed=False), distinct=True),
            n_decisions=Count("decisions", distinct=True),
            n_attendees=Count("attendees", distinct=True),
        )
        .order_by("-date", "-pk")[:200]
    )
    return render(
        request,
        "supervision/meetings/list.html",
        {"rows": rows, "can_manage": s.can(MANAGE)},
    )


@login_required
def sup_meeting_create(request):
    user = request.user
    scope.require(user, MANAGE)
    form = MeetingForm(request.POST or None, principal=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_create(
                by=user,
                title=d["title"],
                date=d["date"],
                place=d["place"],
                attendee_ids=d["attendees"],
            )
        except DomainError as e:
            _put(form, e)
        else:
            messages.success(request, _("会议已登记，可以起草议程。"))
            return redirect("sup_meeting_detail", meeting.pk)
    if request.method == "GET":
        form = MeetingForm(
            initial={"title": _("秘书长联席会议"), "date": clock.today()}, principal=user
        )
    return render(
        request,
        "supervision/meetings/form.html",
        {"form": form, "title": _("登记联席会议"), "back": reverse("sup_meeting_list")},
        status=400 if form.errors else 200,
    )


def _detail(request, meeting: Meeting, *, failed=None, status=200):
    """The meeting's page. `failed` is (action, bound form, line id) when an action was refused:
    that form comes back with the error and what the person typed."""
    user = request.user
    office = scope.can(user, MANAGE) and scope.scope_of(user).covers_path(meeting.unit.path)
    editable = office and meeting.status != MeetingStatus.MINUTED
    failed_action, failed_form, failed_line = failed or (None, None, None)
    sections = queries.sections(meeting)
    if editable:
        for section in sections:
            for line in section["lines"]:
                line.form = (
                    failed_form
                    if failed_action == "line_edit" and failed_line == line.pk
                    else LineForm(initial={"text": line.text}, prefix=f"l{line.pk}")
                )
    minutes = Minutes.objects.filter(meeting=meeting).first()  # unscoped: reached via meeting_for
    context = {
        "meeting": meeting,
        "attendees": list(meeting.attendees.order_by("path")),
        "sections": sections,
        "removed": queries.removed_lines(meeting) if editable else [],
        "minutes": minutes,
        "decisions": queries.decisions(meeting),
        "colour_labels": item_queries.COLOUR_LABELS,
        "office": office,
        "editable": editable,
        "can_decide": office and meeting.date <= clock.today(),
        "add_form": failed_form if failed_action == "line_add" else LineForm(prefix="add"),
        "minutes_form": failed_form
        if failed_action == "minutes"
        else MinutesForm(initial={"text": minutes.text if minutes else ""}, prefix="minutes"),
        "decision_form": failed_form
        if failed_action == "decision"
        else DecisionForm(principal=user, prefix="decision")
        if office
        else None,
        "opened": failed_action or "",
        "free": agenda.FREE,
    }
    return render(request, "supervision/meetings/detail.html", context, status=status)


@login_required
def sup_meeting_detail(request, pk):
    return _detail(request, queries.meeting_for(request.user, pk))


@login_required
@require_POST
def sup_meeting_act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    user = request.user
    meeting = queries.meeting_for(user, pk)
    line_id = _int(request.POST.get("line"))
    # A line acted on must be one of this meeting's (reached through meeting_for above).
    lines = AgendaLine.objects.filter(pk=line_id, meeting=meeting)  # unscoped: see above
    if action.startswith("line_") and action != "line_add" and not lines.exists():
        raise Http404
    form = None
    back = reverse("sup_meeting_detail", args=[meeting.pk])
    try:
        if action == "draft":
            counts = services.agenda_draft(by=user, meeting_id=meeting.pk)
            messages.success(
                request,
                _("议程已起草：新增 %(added)s 条，更新 %(refreshed)s 条，保留 %(kept)s 条。")
                % counts,
            )
        elif action == "hold":
            services.meeting_hold(by=user, meeting_id=meeting.pk)
        elif action == "line_edit":
            form = LineForm(request.POST, prefix=f"l{line_id}")
            if form.is_valid():
                services.line_edit(by=user, line_id=line_id, text=form.cleaned_data["text"])
            back += f"#line-{line_id}"
        elif action in ("line_up", "line_down"):
            services.line_move(by=user, line_id=line_id, direction=action[5:])
            back += f"#line-{line_id}"
        elif action == "line_remove":
            services.line_remove(by=user, line_id=line_id)
        elif action == "line_restore":
            services.line_restore(by=user, line_id=line_id)
        elif action == "line_add":
            form = LineForm(request.POST, prefix="add")
            if form.is_valid():
                services.line_add(by=user, meeting_id=meeting.pk, text=form.cleaned_data["text"])
        elif action == "minutes":
            form = MinutesForm(request.POST, prefix="minutes")
            if form.is_valid():
                services.minutes_save(
                    by=user, meeting_id=meeting.pk, text=form.cleaned_data["text"]
                )
                messages.success(request, _("会议纪要已保存。"))
        elif action == "decision":
            form = DecisionForm(request.POST, principal=user, prefix="decision")
            if form.is_valid():
                d = form.cleaned_data
                decision = services.decision_create(
                    by=user,
                    meeting_id=meeting.pk,
                    text=d["text"],
                    title=d["title"],
                    lead_unit_id=d["lead_unit"],
                    co_unit_ids=d["co_units"],
                    deadline=d["deadline"],
                    leader=d["leader"],
                )
                messages.success(
                    request,
                    _("议定事项已转为督办事项 %(n)s。") % {"n": decision.item.number},
                )
                back += "#decisions"
        elif action == "decision_item":
            services.decision_to_item(by=user, decision_id=_int(request.POST.get("decision")))
            back += "#decisions"
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        if form is None:
            messages.error(request, str(e.message))
            return redirect(back)
        _put(form, e)
    if form is not None and form.errors:
        meeting.refresh_from_db()
        return _detail(request, meeting, failed=(action, form, line_id), status=400)
    return redirect(back)


@login_required
def sup_meeting_agenda_docx(request, pk):
    """The agenda as a plain Word file (python-docx): title, date, attendees, the lines by section
    with their figures, and the decisions."""
    from docx import Document
    from docx.shared import Pt

    meeting = queries.meeting_for(request.user, pk)
    doc = Document()
    doc.add_heading(meeting.title, level=1)
    doc.add_paragraph(
        _("会议日期：%(d)s") % {"d": meeting.date.isoformat()}
        + (_("　地点：%(p)s") % {"p": meeting.place} if meeting.place else "")
    )
    names = "、".join(meeting.attendees.order_by("path").values_list("name", flat=True))
    if names:
        doc.add_paragraph(_("参会单位：%(u)s") % {"u": names})
    doc.add_heading(_("会议议程"), level=2)
    for n, section in enumerate(queries.sections(meeting), 1):
        doc.add_heading(f"{n}. {section['label']}", level=3)
        for i, line in enumerate(section["lines"], 1):
            doc.add_paragraph(f"（{i}）{line.text}")
            if line.figures:
                p = doc.add_paragraph(
                    "；".join(f"{f['label']}：{f['value']}" for f in line.figures)
                )
                for run in p.runs:
                    run.font.size = Pt(9)
    decisions = queries.decisions(meeting)
    if decisions:
        doc.add_heading(_("议定事项"), level=2)
        for d in decisions:
            doc.add_paragraph(
                _("%(n)s. %(t)s（牵头：%(u)s；时限：%(d)s%(item)s）")
                % {
                    "n": d.order,
                    "t": d.text,
                    "u": d.lead_unit.name,
                    "d": d.deadline.isoformat(),
                    "item": _("；督办单号 %(n)s") % {"n": d.item.number} if d.item else "",
                }
            )
    out = io.BytesIO()
    doc.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"agenda-{meeting.date.isoformat()}-{meeting.pk}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("meetings/", sup_meeting_list, name="sup_meeting_list"),
    path("meetings/new/", sup_meeting_create, name="sup_meeting_create"),
    path("meetings/<int:pk>/", sup_meeting_detail, name="sup_meeting_detail"),
    path("meetings/<int:pk>/agenda.docx", sup_meeting_agenda_docx, name="sup_meeting_agenda_docx"),
    path("meetings/<int:pk>/<str:action>/", sup_meeting_act, name="sup_meeting_act"),
]
