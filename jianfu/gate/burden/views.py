"""The gate's burden part: pages. Thin: parse, call a service or a query, render. Forms are plain
HTML forms re-rendered with what was typed when a service refuses."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.core.models import Unit
from jianfu.gate import held

from . import dictionary_import, queries, services
from .models import (
    DataRequest,
    FieldType,
    FormField,
    FormStatus,
    Frequency,
    RequestStatus,
    Return,
)
from .services import ADMIT, FILL, LOAD, PROPOSE, SEND, VIEW


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _levels():
    labels = dict(Unit._meta.get_field("kind").choices)
    return [(k, labels[k]) for k in queries.GRASSROOTS_LEVELS]


# --- The catalogue and the dictionary -------------------------------------------------------------


@login_required
def burden_catalogue(request):
    forms = queries.forms_visible(request.user, VIEW)
    status = request.GET.get("status", "")
    if status in FormStatus.values:
        forms = forms.filter(status=status)
    return render(
        request,
        "gate/burden/catalogue.html",
        {
            "forms": forms,
            "status": status,
            "statuses": FormStatus.choices,
            "can_propose": scope.can(request.user, PROPOSE),
            "can_admit": scope.can(request.user, ADMIT),
        },
    )


def _sender_choices(user):
    return scope.visible(
        Unit.objects.filter(valid_until__isnull=True), user, perm=PROPOSE, unit_field=None
    ).exclude(kind__in=queries.GRASSROOTS_LEVELS)


@login_required
def burden_form_propose(request):
    scope.require(request.user, PROPOSE)
    values = {"sender": str(request.user.home_unit_id or ""), "fields": []}
    error = None
    if request.method == "POST":
        values = {
            "sender": request.POST.get("sender", ""),
            "name": request.POST.get("name", ""),
            "purpose": request.POST.get("purpose", ""),
            "fields": request.POST.getlist("fields"),
        }
        try:
            form = services.form_propose(
                by=request.user,
                sender_id=values["sender"],
                name=values["name"],
                purpose=values["purpose"],
                field_ids=values["fields"],
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已提交准入申请，市委办审核后即可使用。"))
            return redirect("burden_form_detail", pk=form.pk)
    return render(
        request,
        "gate/burden/form_propose.html",
        {
            "values": values,
            "error": error,
            "senders": _sender_choices(request.user),
            "dictionary": FormField.objects.all(),  # unscoped: the dictionary is city-wide
        },
        status=400 if error else 200,
    )


@login_required
def burden_form_detail(request, pk):
    form = get_object_or_404(queries.forms_visible(request.user, VIEW), pk=pk)
    items = form.items.select_related("field")
    est = queries.estimate([i.field for i in items], 1, 1)
    return render(
        request,
        "gate/burden/form_detail.html",
        {
            "form": form,
            "rows": [(f, s, held.HELD.get(f.held_in)) for f, s in est.rows],
            "estimate": est,
            "can_admit": scope.can(request.user, ADMIT),
            "can_send": form.status == FormStatus.ADMITTED
            and scope.can(request.user, SEND)
            and scope.covers(request.user, form, unit_field="sender"),
        },
    )


@login_required
@require_POST
def burden_form_decide(request, pk, action):
    form = get_object_or_404(queries.forms_visible(request.user, VIEW), pk=pk)
    fn = {"admit": services.form_admit, "withdraw": services.form_withdraw}.get(action)
    if fn is None:
        raise Http404
    try:
        fn(by=request.user, form=form, note=request.POST.get("note", ""))
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已准入报表目录。") if action == "admit" else _("已撤销准入。"))
    return redirect("burden_form_detail", pk=form.pk)


@login_required
def burden_dictionary(request):
    scope.require(request.user, VIEW)
    can_edit = scope.can(request.user, ADMIT)
    values, error = {"type": FieldType.NUMBER}, None
    if request.method == "POST":
        scope.require(request.user, ADMIT)
        values = {
            k: request.POST.get(k, "")
            for k in ("code", "name", "type", "measure", "held_in", "seconds", "note")
        }
        values["choices"] = request.POST.get("choices", "")
        try:
            services.field_create(
                by=request.user,
                **{k: v for k, v in values.items() if k != "choices"},
                choices=values["choices"].replace("；", "、").replace(";", "、").split("、"),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已加入数据项字典。"))
            return redirect("burden_dictionary")
    fields = list(FormField.objects.all())  # unscoped: the dictionary is city-wide
    secs = queries.field_seconds(fields)
    return render(
        request,
        "gate/burden/dictionary.html",
        {
            "rows": [(f, secs[f.pk]) for f in fields],
            "values": values,
            "error": error,
            "can_edit": can_edit,
            "types": FieldType.choices,
            "held": list(held.HELD.values()),
        },
        status=400 if error else 200,
    )


@login_required
def burden_dictionary_template(request):
    scope.require(request.user, ADMIT)
    return excel.xlsx_response(dictionary_import.template(), _("数据项字典导入模板") + ".xlsx")


# --- Requests -------------------------------------------------------------------------------------


@login_required
def burden_request_list(request):
    reqs = (
        scope.visible(DataRequest.objects.all(), request.user, perm=VIEW, unit_field="sender")
        .select_related("form", "sender")
        .order_by("-created_at")[:200]
    )
    return render(request, "gate/burden/request_list.html", {"requests": reqs})


@login_required
def burden_request_create(request, form_pk):
    scope.require(request.user, SEND)
    form = get_object_or_404(queries.forms_visible(request.user, VIEW), pk=form_pk)
    today = clock.today()
    values = {
        "title": form.name,
        "levels": ["village"],
        "frequency": Frequency.ONCE,
        "first_period": f"{today.year}-{today.month:02d}",
        "count": "1",
        "due_on": (today + dt.timedelta(days=10)).isoformat(),
    }
    error = None
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in ("title", "frequency", "first_period", "count", "due_on")
        }
        values["levels"] = request.POST.getlist("levels")
        try:
            req = services.request_draft(
                by=request.user,
                form=form,
                title=values["title"],
                levels=values["levels"],
                frequency=values["frequency"],
                first_period=values["first_period"],
                count=values["count"],
                due_on=_date(values["due_on"]),
            )
        except DomainError as e:
            error = e
        else:
            return redirect("burden_request_detail", pk=req.pk)
    return render(
        request,
        "gate/burden/request_create.html",
        {
            "form": form,
            "values": values,
            "error": error,
            "levels": _levels(),
            "frequencies": Frequency.choices,
        },
        status=400 if error else 200,
    )


@login_required
def burden_request_detail(request, pk):
    req = scope.get_for(
        DataRequest.objects.select_related("form", "sender"),
        request.user,
        pk,
        perm=VIEW,
        unit_field="sender",
    )
    context = {
        "req": req,
        "estimate": queries.request_estimate(req),
        "can_send": scope.can(request.user, SEND),
        "recipients": req.recipients.order_by("path"),
    }
    if req.status == RequestStatus.DRAFT:
        context["flags"] = queries.flags(req)
    else:
        context["flags"] = req.flags
        context["measured"] = queries.measured(req)
        context["estimated_hours"] = round(req.estimated_seconds / 3600, 1)
    return render(request, "gate/burden/request_detail.html", context)


@login_required
@require_POST
def burden_request_act(request, pk, action):
    req = scope.get_for(DataRequest, request.user, pk, perm=VIEW, unit_field="sender")
    try:
        if action == "drop":
            services.request_drop_field(
                by=request.user, request=req, field_id=request.POST.get("field")
            )
            messages.success(request, _("已删去该数据项，请从平台已掌握的来源取用。"))
        elif action == "send":
            services.request_send(
                by=request.user, request=req, confirm=request.POST.get("confirm") == "1"
            )
            messages.success(request, _("已下发，填报单位会收到通知。"))
        elif action == "close":
            services.request_close(by=request.user, request=req)
            messages.success(request, _("任务已结束。"))
        else:
            raise Http404
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect("burden_request_detail", pk=req.pk)


# --- Returns --------------------------------------------------------------------------------------


@login_required
def burden_todo(request):
    open_returns = queries.returns_to_fill(request.user, FILL)
    done = (
        scope.visible(Return.objects.filter(submitted_at__isnull=False), request.user, perm=FILL)
        .select_related("request", "unit")
        .order_by("-submitted_at")[:20]
    )
    return render(
        request,
        "gate/burden/todo.html",
        {"open": open_returns, "done": done, "today": clock.today()},
    )


def _shown(f, value):
    """A value as the form shows it (yes/no as the radio's value)."""
    if f.type == FieldType.YESNO and isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@login_required
def burden_return_fill(request, pk):
    ret = scope.get_for(
        Return.objects.select_related("request", "request__form", "request__sender", "unit"),
        request.user,
        pk,
        perm=FILL,
    )
    fields = queries.ordered_fields(ret.request)
    error = None
    if request.method == "POST":
        typed = {f.code: request.POST.get(f.code, "") for f in fields}
        try:
            ret = services.return_submit(by=request.user, ret=ret, values=typed)
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已提交，谢谢。"))
            return redirect("burden_todo")
    else:
        if ret.submitted_at is None and ret.request.status == RequestStatus.SENT:
            ret = services.return_open(by=request.user, ret=ret)
        source = ret.values if ret.submitted_at else ret.prefilled
        typed = {f.code: _shown(f, source.get(f.code)) for f in fields}
    rows = [
        {
            "field": f,
            "value": typed.get(f.code, ""),
            "prefilled": f.code in ret.prefilled,
            "error": error is not None and error.field == f.code,
        }
        for f in fields
    ]
    return render(
        request,
        "gate/burden/return_fill.html",
        {"ret": ret, "rows": rows, "error": error, "period": queries.period_label(ret.period)},
        status=400 if error else 200,
    )


# --- The load and the senders ---------------------------------------------------------------------


@login_required
def burden_load(request, unit_pk=None):
    scope.require(request.user, LOAD)
    unit_pk = unit_pk or request.user.home_unit_id
    unit = scope.get_for(Unit, request.user, unit_pk, perm=LOAD, unit_field=None)
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    months = queries.load(unit, year)
    below = scope.visible(
        Unit.objects.filter(parent_path_q(unit), kind__in=queries.GRASSROOTS_LEVELS),
        request.user,
        perm=LOAD,
        unit_field=None,
    ).order_by("path")[:200]
    return render(
        request,
        "gate/burden/load.html",
        {"unit": unit, "year": year, "months": months, "total": _total(months), "below": below},
    )


def parent_path_q(unit):
    from django.db.models import Q

    return Q(path__startswith=unit.path, depth=unit.depth + 1)


def _total(months):
    t = queries.Month("")
    for m in months:
        for attr in ("requests", "returns", "minutes", "documents", "meetings", "inspections"):
            setattr(t, attr, getattr(t, attr) + getattr(m, attr))
    t.minutes = round(t.minutes, 1)
    return t


SENDERS_PER_PAGE = 100


@login_required
def burden_senders(request):
    today = clock.today()
    start = _date(request.GET.get("start")) or dt.date(today.year, 1, 1)
    end = _date(request.GET.get("end")) or today
    if end < start:
        start, end = end, start
    # Ranked whole, shown a hundred at a time: a province has a thousand senders or more, and
    # printing them all cost most of the page's time.
    page = Paginator(queries.senders(request.user, start, end, perm=VIEW), SENDERS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    context = {"rows": page.object_list, "page": page, "start": start, "end": end}
    return render(request, "gate/burden/senders.html", context)


urlpatterns = [
    path("burden/forms/", burden_catalogue, name="burden_catalogue"),
    path("burden/forms/new/", burden_form_propose, name="burden_form_propose"),
    path("burden/forms/<int:pk>/", burden_form_detail, name="burden_form_detail"),
    path(
        "burden/forms/<int:form_pk>/request/", burden_request_create, name="burden_request_create"
    ),
    path("burden/forms/<int:pk>/<str:action>/", burden_form_decide, name="burden_form_decide"),
    path("burden/dictionary/", burden_dictionary, name="burden_dictionary"),
    path(
        "burden/dictionary/template.xlsx",
        burden_dictionary_template,
        name="burden_dictionary_template",
    ),
    path(
        "burden/dictionary/import/",
        import_views.upload,
        {"kind": "gate.burden.fields"},
        name="burden_dictionary_import",
    ),
    path("burden/requests/", burden_request_list, name="burden_request_list"),
    path("burden/requests/<int:pk>/", burden_request_detail, name="burden_request_detail"),
    path("burden/requests/<int:pk>/<str:action>/", burden_request_act, name="burden_request_act"),
    path("burden/todo/", burden_todo, name="burden_todo"),
    path("burden/returns/<int:pk>/", burden_return_fill, name="burden_return_fill"),
    path("burden/load/", burden_load, name="burden_load"),
    path("burden/load/<int:unit_pk>/", burden_load, name="burden_load_unit"),
    path("burden/senders/", burden_senders, name="burden_senders"),
]
