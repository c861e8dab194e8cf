"""The gate's plans part: pages. The office's overview of a year (each unit's plan state, plans to
file, changes to decide), a plan's page (items by category, totals, split inspections marked,
change history, file/return for the office, submit for the unit), the editor of a draft or
returned plan, the change request form, the office's pending changes, the import of items and its
template."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.registry.models import Category

from . import queries, services
from .forms import ChangeForm, ItemForm, ReasonForm
from .models import AnnualPlan, ChangeAction, ChangeStatus, PlanChange, PlanItem, PlanStatus
from .services import EDIT, EDITABLE, FILE, VIEW

PER_PAGE = 100


def _year(request, default: int | None = None) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        year = default or clock.today().year
    return year


def _plan(request, pk: int, perm: str = VIEW) -> AnnualPlan:
    return scope.get_for(AnnualPlan.objects.select_related("unit"), request.user, pk, perm=perm)


@login_required
def gate_plan_list(request):
    """The office's overview: every unit's plan for the year, to file and to decide."""
    scope.require(request.user, FILE)
    year = _year(request)
    ov = queries.overview(request.user, year)
    groups = queries.visible_splits(request.user, year)
    today = clock.today().year
    # A province's thousand units a page at a time (each row carries a form), by state if asked.
    state = request.GET.get("state", "")
    if state not in ov.counts:
        state = ""  # an unknown state shows every unit
    rows = [r for r in ov.rows if r.state == state] if state else ov.rows
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "gate/plans/list.html",
        {
            "ov": ov,
            "page": page,
            "state": state,
            "year": year,
            "years": list(range(today - 2, today + 2)),
            "groups": groups,
            "states": [(s, queries.state_label(s)) for s in [*PlanStatus.values, queries.MISSING]],
            "pending": queries.pending_changes(request.user, year).count(),
        },
    )


@login_required
@require_POST
def gate_plan_start(request):
    """The office starts a unit's plan for a year on its behalf (代为编制)."""
    from jianfu.core.models import Unit

    unit = scope.get_for(Unit, request.user, request.POST.get("unit"), perm=EDIT, unit_field=None)
    year = _year(request)
    try:
        plan = services.plan_draft(by=request.user, unit=unit, year=year)
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect(reverse("gate_plan_list") + f"?year={year}")
    return redirect("gate_plan_edit", pk=plan.pk)


@login_required
def gate_plan_mine(request):
    """The account's own unit's plan for the year: its page, or a button to start one."""
    scope.require(request.user, EDIT)
    unit = request.user.home_unit
    if unit is None:
        raise Http404
    year = _year(request)
    plan = queries.plan_for(unit, year)
    if request.method == "POST":
        try:
            plan = services.plan_draft(by=request.user, unit=unit, year=year)
        except DomainError as e:
            messages.error(request, str(e.message))
            return redirect(reverse("gate_plan_mine") + f"?year={year}")
        return redirect("gate_plan_edit", pk=plan.pk)
    if plan is not None:
        return redirect("gate_plan_detail", pk=plan.pk)
    today = clock.today().year
    return render(
        request,
        "gate/plans/mine.html",
        {"unit": unit, "year": year, "years": list(range(today - 1, today + 2))},
    )


def _rows(plan: AnnualPlan):
    items = list(
        PlanItem.scoped.filter(plan=plan)  # the plan is checked; its items follow
        .prefetch_related("targets")
        .order_by("category", "pk")
    )
    groups = queries.splits_of_plan(plan)
    flagged = {e.pk: g for g in groups for e in g.entries}
    by_category = []
    for value, label in Category.choices:
        rows = [i for i in items if i.category == value]
        by_category.append(
            {
                "category": value,
                "label": label,
                "rows": [(i, flagged.get(i.pk), queries.month_span(i.months)) for i in rows],
            }
        )
    return by_category, groups


@login_required
def gate_plan_detail(request, pk: int):
    plan = _plan(request, pk)
    by_category, groups = _rows(plan)
    totals = services.planned_totals(plan)
    changes = (
        PlanChange.scoped.filter(plan=plan)  # the plan is checked; its changes follow
        .select_related("item", "requested_by", "decided_by")
        .order_by("-requested_at")
    )
    user = request.user
    own = plan.unit_id == user.home_unit_id
    can_edit = scope.can(user, EDIT)
    can_file = scope.can(user, FILE) and not own and plan.submitted_by_id != user.pk
    return render(
        request,
        "gate/plans/detail.html",
        {
            "plan": plan,
            "by_category": by_category,
            "totals": [(label, totals[value]) for value, label in Category.choices],
            "groups": groups,
            "changes": changes,
            "can_edit": can_edit and plan.status in EDITABLE,
            "can_submit": can_edit and plan.status in EDITABLE,
            "can_change": can_edit and plan.status == PlanStatus.FILED,
            "can_file": can_file and plan.status == PlanStatus.SUBMITTED,
            "can_decide": scope.can(user, FILE) and not own,
            "return_form": ReasonForm(),
        },
    )


@login_required
def gate_plan_edit(request, pk: int):
    """The editor of a draft or returned plan: add an item, or edit one (?item=<id>)."""
    plan = _plan(request, pk, EDIT)
    if plan.status not in EDITABLE:
        messages.error(
            request, _("该计划已报备或已备案，不能直接修改；已备案的计划请提出调整申请。")
        )
        return redirect("gate_plan_detail", pk=plan.pk)
    item = None
    if item_id := request.GET.get("item"):
        item = PlanItem.scoped.filter(plan=plan, pk=item_id).first() if item_id.isdigit() else None
        if item is None:
            raise Http404
    initial = None
    if item is not None:
        initial = {
            "category": item.category,
            "title": item.title,
            "count": item.count,
            "document_kind": item.document_kind,
            "meeting_kind": item.meeting_kind,
            "meeting_level": item.meeting_level,
            "inspection_kind": item.inspection_kind,
            "targets": list(item.targets.values_list("pk", flat=True)),
            "months": item.months,
            "note": item.note,
        }
    form = ItemForm(request.POST or None, initial=initial, unit=plan.unit)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.item_save(by=request.user, plan=plan, fields=form.values(), item=item)
            except DomainError as e:
                form.put_error(e)
            else:
                messages.success(request, _("计划事项已保存。"))
                return redirect("gate_plan_edit", pk=plan.pk)
        status = 400
    by_category, groups = _rows(plan)
    return render(
        request,
        "gate/plans/edit.html",
        {"plan": plan, "form": form, "item": item, "by_category": by_category, "groups": groups},
        status=status,
    )


@login_required
@require_POST
def gate_plan_item_remove(request, pk: int, item_id: int):
    plan = _plan(request, pk, EDIT)
    item = PlanItem.scoped.filter(plan=plan, pk=item_id).first()
    if item is None:
        raise Http404
    try:
        services.item_remove(by=request.user, item=item)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("计划事项已删除。"))
    return redirect("gate_plan_edit", pk=plan.pk)


@login_required
@require_POST
def gate_plan_act(request, pk: int, action: str):
    """submit (the unit), file or return (the office)."""
    perm = {"submit": EDIT, "file": FILE, "return": FILE}.get(action)
    if perm is None:
        raise Http404
    plan = _plan(request, pk, perm)
    try:
        if action == "submit":
            services.plan_submit(by=request.user, plan=plan)
            messages.success(request, _("年度计划已报备，等待市委办备案。"))
        elif action == "file":
            services.plan_file(by=request.user, plan=plan)
            messages.success(request, _("年度计划已备案。"))
        else:
            form = ReasonForm(request.POST)
            reason = form.data.get("reason", "")
            services.plan_return(by=request.user, plan=plan, reason=reason)
            messages.success(request, _("年度计划已退回。"))
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect("gate_plan_detail", pk=plan.pk)


@login_required
def gate_plan_change_new(request, pk: int):
    plan = _plan(request, pk, EDIT)
    if plan.status != PlanStatus.FILED:
        messages.error(request, _("只有已备案的计划才能申请调整；未备案的计划可直接修改。"))
        return redirect("gate_plan_detail", pk=plan.pk)
    items = list(PlanItem.scoped.filter(plan=plan, dropped=False).order_by("category", "pk"))
    data = request.POST or None
    form = ChangeForm(data, items=items, initial={"month": clock.today().month})
    new = ItemForm(data, unit=plan.unit, prefix="new")
    status = 200
    if request.method == "POST":
        adding = request.POST.get("action") == ChangeAction.ADD
        valid = form.is_valid() and (not adding or new.is_valid())
        if valid:
            d = form.cleaned_data
            item = next((i for i in items if i.pk == d.get("item")), None)
            try:
                services.change_request(
                    by=request.user,
                    plan=plan,
                    month=d["month"],
                    action=d["action"],
                    reason=d["reason"],
                    item=item,
                    fields=new.values() if adding else None,
                    months=d.get("new_months"),
                )
            except DomainError as e:
                (
                    new if adding and e.field not in ("month", "reason", "action") else form
                ).put_error(e)
            else:
                messages.success(request, _("调整申请已提交，等待市委办审核。"))
                return redirect("gate_plan_detail", pk=plan.pk)
        status = 400
    return render(
        request,
        "gate/plans/change.html",
        {"plan": plan, "form": form, "new": new},
        status=status,
    )


@login_required
def gate_plan_changes(request):
    """The office's pending change requests."""
    scope.require(request.user, FILE)
    changes = list(queries.pending_changes(request.user))
    return render(
        request,
        "gate/plans/changes.html",
        {"changes": changes, "form": ReasonForm(), "home_unit": request.user.home_unit_id},
    )


@login_required
@require_POST
def gate_plan_change_act(request, pk: int, action: str):
    if action not in ("approve", "return"):
        raise Http404
    change = scope.get_for(
        PlanChange.objects.select_related("plan__unit"),
        request.user,
        pk,
        perm=FILE,
        unit_field="plan__unit",
    )
    try:
        if action == "approve":
            services.change_approve(
                by=request.user, change=change, note=request.POST.get("reason", "")
            )
            messages.success(request, _("已同意调整，计划已更新。"))
        else:
            services.change_return(
                by=request.user, change=change, note=request.POST.get("reason", "")
            )
            messages.success(request, _("调整申请已退回。"))
    except DomainError as e:
        messages.error(request, str(e.message))
    nxt = request.POST.get("next")
    if nxt == "plan":
        return redirect("gate_plan_detail", pk=change.plan_id)
    return redirect("gate_plan_changes")


@login_required
def gate_plan_template(request):
    from .importers import plans_template

    scope.require(request.user, EDIT)
    return excel.xlsx_response(plans_template(), _("年度计划事项导入模板") + ".xlsx")


urlpatterns = [
    path("plans/", gate_plan_list, name="gate_plan_list"),
    path("plans/mine/", gate_plan_mine, name="gate_plan_mine"),
    path("plans/start/", gate_plan_start, name="gate_plan_start"),
    path("plans/changes/", gate_plan_changes, name="gate_plan_changes"),
    path("plans/changes/<int:pk>/<str:action>/", gate_plan_change_act, name="gate_plan_change_act"),
    path("plans/template.xlsx", gate_plan_template, name="gate_plan_template"),
    path("plans/<int:pk>/", gate_plan_detail, name="gate_plan_detail"),
    path("plans/<int:pk>/edit/", gate_plan_edit, name="gate_plan_edit"),
    path("plans/<int:pk>/change/", gate_plan_change_new, name="gate_plan_change_new"),
    path(
        "plans/<int:pk>/import/",
        import_views.upload,
        {"kind": "gate.plan_items"},
        name="gate_plan_import",
    ),
    path(
        "plans/<int:pk>/items/<int:item_id>/remove/",
        gate_plan_item_remove,
        name="gate_plan_item_remove",
    ),
    path("plans/<int:pk>/<str:action>/", gate_plan_act, name="gate_plan_act"),
]

__all__ = ["ChangeStatus", "urlpatterns"]
