"""Pages of information reporting. Thin: reads through queries (scope.visible / get_for: 404
outside the reader's units), writes through services, whose DomainErrors land on the form field
they name with what the person typed kept.

Office: requirements and commissions, contacts, tiers, the incoming list with adopt /
instruction / decline / false, the figures and ranking (Excel export). Leader: the same pages,
read only. Contact: the unit's to-do, the submit form, its submissions and scores."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, excel, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from . import queries, services
from .forms import (
    AdoptForm,
    ContactForm,
    FalseForm,
    InstructionForm,
    RequirementForm,
    SubmitForm,
)
from .models import SubmissionStatus
from .services import MANAGE, SUBMIT, VIEW

PER_PAGE = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _land(form, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# --- Submissions -----------------------------------------------------------------------------


@login_required
def reporting_submission_list(request):
    user = request.user
    scope.require(user, VIEW)
    g = request.GET
    status = g.get("status", "")
    start, end = _date(g.get("start")), _date(g.get("end"))
    qs = queries.submissions(user, status=status, unit_id=_int(g.get("unit")), start=start, end=end)
    page = Paginator(qs, PER_PAGE).get_page(g.get("page"))
    return render(
        request,
        "supervision/reporting/submission_list.html",
        {
            "page": page,
            "status": status,
            "statuses": SubmissionStatus.choices,
            "can_manage": scope.can(user, MANAGE),
            "can_submit": scope.can(user, SUBMIT),
        },
    )


@login_required
def reporting_submission_detail(request, pk):
    user = request.user
    sub = queries.submission(user, pk)
    return _detail(request, sub)


def _detail(request, sub, *, forms=None, http_status=200):
    user = request.user
    forms = forms or {}
    can_manage = scope.can(user, MANAGE)
    context = {
        "sub": sub,
        "adoptions": sub.adoptions.select_related("tier"),
        "instructions": sub.instructions.all(),
        "files": sub.files.all(),
        "points": queries.points_of(sub),
        "can_manage": can_manage,
    }
    if can_manage:
        context.update(
            adopt_form=forms.get("adopt") or AdoptForm(tiers=queries.tiers()),
            instruction_form=forms.get("instruction") or InstructionForm(),
            false_form=forms.get("false") or FalseForm(),
        )
    return render(
        request, "supervision/reporting/submission_detail.html", context, status=http_status
    )


@login_required
@require_POST
def reporting_submission_act(request, pk, action):
    user = request.user
    sub = queries.submission(user, pk)
    scope.require(user, MANAGE)
    if action == "adopt":
        form = AdoptForm(request.POST, tiers=queries.tiers())
        call = lambda d: services.adopt(  # noqa: E731
            by=user,
            submission_id=sub.pk,
            tier_id=d["tier"],
            adopted_on=d["adopted_on"],
            note=d["note"],
        )
        done = _("已记录采用。")
    elif action == "instruction":
        form = InstructionForm(request.POST)
        call = lambda d: services.instruct(  # noqa: E731
            by=user,
            submission_id=sub.pk,
            leader=d["leader"],
            text=d["text"],
            given_on=d["given_on"],
        )
        done = _("已登记领导批示。")
    elif action == "false":
        form = FalseForm(request.POST)
        call = lambda d: services.mark_false(  # noqa: E731
            by=user, submission_id=sub.pk, reason=d["reason"]
        )
        done = _("已认定为虚假信息。")
    elif action == "decline":
        try:
            services.decline(by=user, submission_id=sub.pk)
            messages.success(request, _("已标记为不予采用。"))
        except DomainError as e:
            messages.error(request, str(e.message))
        return redirect("reporting_submission_detail", pk=sub.pk)
    else:
        raise Http404
    if form.is_valid():
        try:
            call(form.cleaned_data)
            messages.success(request, done)
            return redirect("reporting_submission_detail", pk=sub.pk)
        except DomainError as e:
            _land(form, e)
    sub = queries.submission(user, pk)
    return _detail(request, sub, forms={action: form}, http_status=400)


@login_required
def reporting_file(request, pk, file_id):
    sub = queries.submission(request.user, pk)
    f = sub.files.filter(pk=file_id).first()
    if f is None:
        raise Http404
    return files.download_response(f.relpath, f.name, f.kind)


# --- A contact's side ------------------------------------------------------------------------


@login_required
def reporting_todo(request):
    user = request.user
    scope.require(user, SUBMIT)
    unit = user.home_unit
    today = clock.today()
    key, start, end = queries.period_bounds(request.GET.get("period"), today)
    mine = queries.submissions(user, unit_id=unit.pk).prefetch_related("instructions")[:50]
    rows = queries.figures(user, start, end, unit_ids=[unit.pk])
    return render(
        request,
        "supervision/reporting/todo.html",
        {
            "unit": unit,
            "todo": queries.todo(unit, today),
            "mine": [(s, queries.points_of(s)) for s in mine],
            "row": rows[0] if rows else None,
            "period": key,
            "today": today,
            "is_contact": services.is_contact(user, unit.pk),
        },
    )


@login_required
def reporting_submit(request):
    user = request.user
    scope.require(user, SUBMIT)
    unit = user.home_unit
    today = clock.today()
    todo = queries.todo(unit, today)
    reqs = [d.requirement for d in todo["commissions"]] + [d.requirement for d in todo["schedules"]]
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, requirements=reqs)
        if form.is_valid():
            d = form.cleaned_data
            try:
                uploads = files.read_uploads(request)
                services.submit(
                    by=user,
                    unit_id=unit.pk,
                    title=d["title"],
                    text=d["text"],
                    requirement_id=d["requirement"],
                    uploads=uploads,
                )
                messages.success(request, _("信息已报送。"))
                return redirect("reporting_todo")
            except DomainError as e:
                _land(form, e)
        status = 400
    else:
        form = SubmitForm(
            initial={"requirement": _int(request.GET.get("requirement"))}, requirements=reqs
        )
        status = 200
    return render(
        request, "supervision/reporting/submit.html", {"form": form, "unit": unit}, status=status
    )


# --- Requirements, contacts, tiers -----------------------------------------------------------


@login_required
def reporting_requirement_list(request):
    user = request.user
    scope.require(user, VIEW)
    reqs = queries.requirements(user).prefetch_related("targets")
    return render(
        request,
        "supervision/reporting/requirement_list.html",
        {
            "page": Paginator(reqs, PER_PAGE).get_page(request.GET.get("page")),
            "can_manage": scope.can(user, MANAGE),
            "today": clock.today(),
        },
    )


@login_required
def reporting_requirement_create(request):
    user = request.user
    scope.require(user, MANAGE)
    units = queries.designatable_units(user)
    contact_units = {c.unit_id for c in queries.contacts(user)}
    if request.method == "POST":
        form = RequirementForm(request.POST, units=units, contact_unit_ids=contact_units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                req = services.requirement_publish(
                    by=user,
                    kind=d["kind"],
                    title=d["title"],
                    topics=d["topics"],
                    target_ids=d["target_ids"],
                    period_type=d["period_type"] or "month",
                    quota=d["quota"],
                    deadline=d["deadline"],
                )
                messages.success(request, _("已发布。"))
                return redirect("reporting_requirement_detail", pk=req.pk)
            except DomainError as e:
                if e.field == "targets":  # the units are chosen in the groups and the box
                    e.field = "groups"
                _land(form, e)
        status = 400
    else:
        # Pre-filled: every unit that has a designated contact.
        form = RequirementForm(
            initial={
                "kind": "commission",
                "period_type": "month",
                "quota": 2,
                "groups": ["contacts"],
            },
            units=units,
            contact_unit_ids=contact_units,
        )
        status = 200
    return render(
        request, "supervision/reporting/requirement_form.html", {"form": form}, status=status
    )


@login_required
def reporting_requirement_detail(request, pk):
    user = request.user
    req = queries.requirement(user, pk)
    today = clock.today()
    return render(
        request,
        "supervision/reporting/requirement_detail.html",
        {
            "req": req,
            "rows": queries.requirement_progress(user, req, today),
            "can_manage": scope.can(user, MANAGE),
            "can_submit": scope.can(user, SUBMIT),
        },
    )


@login_required
@require_POST
def reporting_requirement_close(request, pk):
    req = queries.requirement(request.user, pk)
    try:
        services.requirement_close(by=request.user, requirement_id=req.pk)
        messages.success(request, _("已停止。"))
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        messages.error(request, str(e.message))
    return redirect("reporting_requirement_detail", pk=req.pk)


@login_required
def reporting_contact_list(request):
    user = request.user
    scope.require(user, VIEW)
    can_manage = scope.can(user, MANAGE)
    units = queries.designatable_units(user) if can_manage else Unit.scoped.none()
    form = ContactForm(units=units)
    status = 200
    if request.method == "POST":
        scope.require(user, MANAGE)
        form = ContactForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.contact_designate(
                    by=user, unit_id=d["unit"], user_id=d["user"], since=d["since"]
                )
                messages.success(request, _("已指定信息员。"))
                return redirect("reporting_contact_list")
            except DomainError as e:
                _land(form, e)
        status = 400
    return render(
        request,
        "supervision/reporting/contact_list.html",
        {
            "contacts": queries.contacts(user),
            "form": form,
            "can_manage": can_manage,
            "tiers": queries.tiers(),
        },
        status=status,
    )


@login_required
@require_POST
def reporting_contact_end(request, pk):
    try:
        services.contact_end(by=request.user, contact_id=pk)
        messages.success(request, _("已免去信息员。"))
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        messages.error(request, str(e.message))
    return redirect("reporting_contact_list")


@login_required
@require_POST
def reporting_tier_save(request, pk):
    try:
        services.tier_save(by=request.user, tier_id=pk, points=request.POST.get("points"))
        messages.success(request, _("已修改计分。"))
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        messages.error(request, str(e.message))
    return redirect("reporting_contact_list")


# --- Figures and ranking ---------------------------------------------------------------------


@login_required
def reporting_ranking(request):
    user = request.user
    scope.require(user, VIEW)
    g = request.GET
    today = clock.today()
    start, end = _date(g.get("start")), _date(g.get("end"))
    if start and end and start <= end:
        key = f"{start.isoformat()}—{end.isoformat()}"
    else:
        key, start, end = queries.period_bounds(g.get("period"), today)
    rows = queries.figures(user, start, end)
    tiers = queries.tiers()
    if g.get("format") == "xlsx":
        headers = [
            _("名次"),
            _("单位"),
            _("报送"),
            _("按时"),
            *[t.name for t in tiers],
            _("采用合计"),
            _("批示"),
            _("虚假"),
            _("得分"),
        ]
        data = [
            [
                r.rank,
                r.name,
                r.submitted,
                r.on_time,
                *[r.adopted.get(t.pk, 0) for t in tiers],
                r.adopted_total,
                r.instructions,
                r.false,
                r.points,
            ]
            for r in rows
        ]
        book = excel.write_workbook([(_("信息报送排名"), headers, data)])
        return excel.xlsx_response(book, f"信息报送排名_{key}.xlsx")
    quarters = [f"{today.year}-Q{q}" for q in range(1, 5)] + [str(today.year)]
    return render(
        request,
        "supervision/reporting/ranking.html",
        {
            "rows": [(r, [r.adopted.get(t.pk, 0) for t in tiers]) for r in rows],
            "tiers": tiers,
            "period": key,
            "start": start,
            "end": end,
            "quarters": quarters,
            "query": request.GET.urlencode(),
        },
    )


urlpatterns = [
    path("reporting/", reporting_submission_list, name="reporting_submission_list"),
    path("reporting/<int:pk>/", reporting_submission_detail, name="reporting_submission_detail"),
    path(
        "reporting/<int:pk>/<slug:action>/",
        reporting_submission_act,
        name="reporting_submission_act",
    ),
    path("reporting/<int:pk>/files/<int:file_id>/", reporting_file, name="reporting_file"),
    path("reporting/mine/", reporting_todo, name="reporting_todo"),
    path("reporting/submit/", reporting_submit, name="reporting_submit"),
    path(
        "reporting/requirements/",
        reporting_requirement_list,
        name="reporting_requirement_list",
    ),
    path(
        "reporting/requirements/new/",
        reporting_requirement_create,
        name="reporting_requirement_create",
    ),
    path(
        "reporting/requirements/<int:pk>/",
        reporting_requirement_detail,
        name="reporting_requirement_detail",
    ),
    path(
        "reporting/requirements/<int:pk>/close/",
        reporting_requirement_close,
        name="reporting_requirement_close",
    ),
    path("reporting/contacts/", reporting_contact_list, name="reporting_contact_list"),
    path("reporting/contacts/<int:pk>/end/", reporting_contact_end, name="reporting_contact_end"),
    path("reporting/tiers/<int:pk>/", reporting_tier_save, name="reporting_tier_save"),
    path("reporting/ranking/", reporting_ranking, name="reporting_ranking"),
]
