"""The pages of proposals through the gate: a unit's list and the proposal form (one form whose
fields follow the category), a proposal's page (status, reasons if returned, edit and resubmit,
mark issued), the office's review queue and review page (the proposal beside every registered
panel, warnings on top), the figures of a period (what the bulletin section says) and the units
under the gate.

Thin: proposals are reached through queries.proposal_for (404 outside the account's units, 403
without the code); every write goes through services, whose DomainErrors land on the field they
name with what the person typed kept.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.gate import review
from jianfu.registry.models import Category

from . import bulletin, queries, services
from .forms import (
    ApproveForm,
    EnrolForm,
    IssueForm,
    ProposalForm,
    ReturnForm,
    initial_of,
)
from .models import ProposalFile, ProposalStatus
from .services import REVIEW, SUBMIT, VIEW

ROWS_SHOWN = 200


def _plan_items(unit_id: int, year: int):
    items = []
    for category in Category.values:
        items += list(services.plan_items(unit_id, category, year))
    return items


def _year_of(request_data, fallback: int) -> int:
    for name in ("planned_on", "starts_on"):
        value = (request_data or {}).get(name) or ""
        try:
            return dt.date.fromisoformat(value).year
        except ValueError:
            continue
    return fallback


# --- A unit's proposals -------------------------------------------------------------------------


@login_required
def gate_proposal_list(request):
    user = request.user
    status = request.GET.get("status", "")
    if status not in ProposalStatus.values:
        status = ""
    rows = list(queries.unit_proposals(user, status=status)[:ROWS_SHOWN])
    context = {
        "rows": rows,
        "status": status,
        "statuses": ProposalStatus.choices,
        "counts": queries.status_counts(user),
        "can_submit": scope.can(user, SUBMIT),
        "can_review": scope.can(user, REVIEW),
    }
    return render(request, "gate/proposals/list.html", context)


def _form_page(request, form, proposal=None, status=200):
    context = {
        "form": form,
        "proposal": proposal,
        "title": _("修改审核申请") if proposal else _("新建审核申请"),
    }
    return render(request, "gate/proposals/form.html", context, status=status)


def _save(request, form, proposal=None):
    """Validate and save; the proposal, or None with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        uploads = files.read_uploads(request, "file")
        return services.proposal_save(
            by=request.user,
            proposal_id=proposal.pk if proposal else None,
            data=form.service_data(),
            target_ids=form.cleaned_data.get("targets") or (),
            upload=uploads[0] if uploads else None,
        )
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        form.put_error(e)
        return None


@login_required
def gate_proposal_create(request):
    user = request.user
    scope.require(user, SUBMIT)
    unit = user.home_unit
    if unit is None:
        raise PermissionDenied(_("您的账号没有所属单位，不能起草申请。"))
    year = _year_of(request.POST, clock.today().year)
    form = ProposalForm(
        request.POST or None,
        unit=unit,
        plan_items=_plan_items(unit.pk, year),
        initial={"category": request.GET.get("category", Category.DOCUMENT)},
    )
    if request.method == "POST":
        p = _save(request, form)
        if p is not None:
            if request.POST.get("then") == "submit":
                return _submit(request, p)
            messages.success(request, _("申请已保存为草稿。"))
            return redirect("gate_proposal_detail", pk=p.pk)
        return _form_page(request, form, status=400)
    return _form_page(request, form)


@login_required
def gate_proposal_edit(request, pk):
    user = request.user
    p = queries.proposal_for(user, pk)
    scope.require(user, SUBMIT)
    if p.status not in services.EDITABLE:
        state = p.get_status_display()
        messages.error(request, _("该申请当前为“%(s)s”，不能修改。") % {"s": state})
        return redirect("gate_proposal_detail", pk=p.pk)
    year = _year_of(request.POST, services.proposal_year(p))
    form = ProposalForm(
        request.POST or None,
        unit=p.unit,
        plan_items=_plan_items(p.unit_id, year),
        initial=initial_of(p),
    )
    if request.method == "POST":
        saved = _save(request, form, p)
        if saved is not None:
            if request.POST.get("then") == "submit":
                return _submit(request, saved)
            messages.success(request, _("申请已保存。"))
            return redirect("gate_proposal_detail", pk=saved.pk)
        return _form_page(request, form, p, status=400)
    return _form_page(request, form, p)


def _submit(request, p):
    try:
        services.proposal_submit(by=request.user, proposal_id=p.pk)
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect("gate_proposal_edit", pk=p.pk)
    messages.success(request, _("申请已提交审核。"))
    return redirect("gate_proposal_detail", pk=p.pk)


def _detail(request, p, *, issue_form=None, status=200):
    user = request.user
    context = {
        "p": p,
        "files": list(p.files.order_by("pk")),
        "targets": list(p.targets.order_by("path")),
        "can_submit": scope.can(user, SUBMIT) and user.home_unit_id == p.unit_id,
        "can_review": scope.can(user, REVIEW) and user.home_unit_id != p.unit_id,
        "editable": p.status in services.EDITABLE,
        "withdrawable": p.status in services.WITHDRAWABLE,
        "issue_form": issue_form
        or (IssueForm(category=p.category) if p.status == ProposalStatus.APPROVED else None),
        "record_url_name": f"{p.category}_detail",
    }
    return render(request, "gate/proposals/detail.html", context, status=status)


@login_required
def gate_proposal_detail(request, pk):
    return _detail(request, queries.proposal_for(request.user, pk))


@login_required
@require_POST
def gate_proposal_act(request, pk, action):
    """The unit's actions: submit, withdraw, issue (mark it went out)."""
    if action not in ("submit", "withdraw", "issue"):
        raise Http404
    user = request.user
    p = queries.proposal_for(user, pk)
    scope.require(user, SUBMIT)
    if action == "submit":
        return _submit(request, p)
    try:
        if action == "withdraw":
            services.proposal_withdraw(by=user, proposal_id=p.pk)
            messages.success(request, _("申请已撤回。"))
        else:
            form = IssueForm(request.POST, category=p.category)
            if not form.is_valid():
                return _detail(request, p, issue_form=form, status=400)
            try:
                services.proposal_issue(by=user, proposal_id=p.pk, **form.cleaned_data)
            except DomainError as e:
                if e.status != 400:
                    raise
                form.put_error(e)
                return _detail(request, p, issue_form=form, status=400)
            messages.success(request, _("已登记印发（召开、开展），登记记录已生成。"))
    except DomainError as e:
        if e.status == 404:
            raise Http404 from None
        messages.error(request, str(e.message))
    return redirect("gate_proposal_detail", pk=p.pk)


@login_required
def gate_proposal_file(request, pk):
    f = scope.get_for(
        ProposalFile.objects.all(), request.user, pk, perm=VIEW, unit_field="proposal__unit"
    )
    return files.download_response(f.relpath, f.name, f.kind)


# --- The office's review ------------------------------------------------------------------------


@login_required
def gate_review_queue(request):
    rows = queries.review_queue(request.user)
    return render(request, "gate/proposals/queue.html", {"rows": rows})


def _review_page(request, p, *, return_form=None, approve_form=None, status=200):
    built = review.build(p, request.user)
    context = {
        "p": p,
        "panels": review.render(built, request),
        "warnings": review.warnings(built),
        "files": list(p.files.order_by("pk")),
        "targets": list(p.targets.order_by("path")),
        "waiting": queries.waiting_days(p),
        "own_unit": request.user.home_unit_id == p.unit_id,
        "return_form": return_form or ReturnForm(auto_id="ret-%s"),
        "approve_form": approve_form or ApproveForm(auto_id="app-%s"),
        "reviewable": p.status == ProposalStatus.SUBMITTED,
    }
    return render(request, "gate/proposals/review.html", context, status=status)


@login_required
def gate_review_detail(request, pk):
    p = queries.proposal_for(request.user, pk)
    scope.require(request.user, REVIEW)
    return _review_page(request, p)


@login_required
@require_POST
def gate_review_act(request, pk, action):
    if action not in ("approve", "return"):
        raise Http404
    user = request.user
    p = queries.proposal_for(user, pk)
    scope.require(user, REVIEW)
    if action == "approve":
        form = ApproveForm(request.POST, auto_id="app-%s")
        forms = {"approve_form": form}
    else:
        form = ReturnForm(request.POST, auto_id="ret-%s")
        forms = {"return_form": form}
    if form.is_valid():
        try:
            if action == "approve":
                services.proposal_approve(by=user, proposal_id=p.pk, note=form.cleaned_data["note"])
                messages.success(request, _("已同意，已通知申请单位。"))
            else:
                services.proposal_return(
                    by=user, proposal_id=p.pk, reasons=form.cleaned_data["reasons"]
                )
                messages.success(request, _("已退回，已通知申请单位。"))
            return redirect("gate_review_queue")
        except DomainError as e:
            if e.status == 404:
                raise Http404 from None
            if e.status == 403:
                raise PermissionDenied(str(e.message)) from None
            if e.field == "reasons":
                form.put_error(e)
            else:
                messages.error(request, str(e.message))
                return redirect("gate_review_detail", pk=p.pk)
    return _review_page(request, p, status=400, **forms)


# --- Figures: what the bulletin section says ----------------------------------------------------


def _day(value, fallback: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return fallback


@login_required
def gate_proposal_figures(request):
    user = request.user
    scope.require(user, REVIEW)
    today = clock.today()
    start = _day(request.GET.get("start"), today.replace(day=1))
    end = _day(request.GET.get("end"), today)
    if end < start:
        start, end = end, start
    f = queries.figures(user, start, end)
    context = {
        "start": start,
        "end": end,
        "figures": bulletin.figure_rows(f),
        "lines": bulletin.lines(f),
    }
    return render(request, "gate/proposals/figures.html", context)


# --- Units under the gate -----------------------------------------------------------------------


def _candidates(user) -> list[tuple[int, str]]:
    """(id, name) of the units that may be enrolled: rows, not models (a province has 2,500)."""
    s = scope.require(user, REVIEW)
    return list(
        scope.visible(Unit.objects.all(), user, perm=REVIEW, unit_field=None)
        .filter(kind__in=("county", "department", "township"), depth__gt=1)
        .exclude(pk=s.unit_id)
        .order_by("path")
        .values_list("pk", "name")
    )


@login_required
def gate_enrolment_list(request):
    user = request.user
    scope.require(user, REVIEW)
    form = EnrolForm(
        request.POST or None, units=_candidates(user), initial={"since": clock.today()}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                added = services.enrolment_add(
                    by=user,
                    unit_ids=form.cleaned_data["units"],
                    since=form.cleaned_data["since"],
                )
            except DomainError as e:
                form.add_error("units" if e.field == "units" else None, str(e.message))
            else:
                messages.success(request, _("已将 %(n)s 个单位纳入关口管理。") % {"n": len(added)})
                return redirect("gate_enrolment_list")
    context = {"form": form, "rows": queries.enrolments(user)}
    return render(request, "gate/proposals/enrolments.html", context, status=status)


@login_required
@require_POST
def gate_enrolment_remove(request, unit_id):
    user = request.user
    unit = scope.get_for(Unit.objects.all(), user, unit_id, perm=REVIEW, unit_field=None)
    try:
        services.enrolment_remove(by=user, unit_id=unit.pk)
    except DomainError as e:
        raise Http404 from e
    messages.success(request, _("%(u)s已退出关口管理。") % {"u": unit.name})
    return redirect("gate_enrolment_list")


urlpatterns = [
    path("proposals/", gate_proposal_list, name="gate_proposal_list"),
    path("proposals/new/", gate_proposal_create, name="gate_proposal_create"),
    path("proposals/figures/", gate_proposal_figures, name="gate_proposal_figures"),
    path("proposals/<int:pk>/", gate_proposal_detail, name="gate_proposal_detail"),
    path("proposals/<int:pk>/edit/", gate_proposal_edit, name="gate_proposal_edit"),
    path("proposals/<int:pk>/<str:action>/", gate_proposal_act, name="gate_proposal_act"),
    path("proposals/files/<int:pk>/", gate_proposal_file, name="gate_proposal_file"),
    path("review/", gate_review_queue, name="gate_review_queue"),
    path("review/<int:pk>/", gate_review_detail, name="gate_review_detail"),
    path("review/<int:pk>/<str:action>/", gate_review_act, name="gate_review_act"),
    path("enrolments/", gate_enrolment_list, name="gate_enrolment_list"),
    path("enrolments/<int:unit_id>/remove/", gate_enrolment_remove, name="gate_enrolment_remove"),
]
