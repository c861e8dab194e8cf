"""Accountability's tours part: pages. The tours list, a tour's page (targets, team, dates, each
target unit's findings with the problems they became and their rectification, the one-step
action putting chosen findings on the problem lists, the referral of a finding as a clue), the
tour and finding forms, the findings' import and template, and a target unit's own findings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views

from . import queries, services
from .forms import FindingForm, TourForm, target_choices
from .models import TourStatus
from .services import FINDING_VIEW, MANAGE, VIEW


@login_required
def tour_list(request):
    scope.require(request.user, VIEW)
    rows = queries.list_rows(request.user)
    unfixed_only = request.GET.get("unfixed") == "1"
    if unfixed_only:
        rows = [r for r in rows if r["unfixed"]]
    return render(
        request,
        "accountability/tours/list.html",
        {
            "rows": rows,
            "unfixed_only": unfixed_only,
            "can_manage": scope.can(request.user, MANAGE),
            "pending": queries.pending_count(request.user),
        },
    )


def _tour_form(request, tour=None):
    s = scope.require(request.user, MANAGE)
    initial = {}
    if tour is not None:
        initial = {
            f: getattr(tour, f)
            for f in ("name", "round", "leader", "members", "starts_on", "ends_on", "status")
        }
        initial["targets"] = list(tour.targets.values_list("pk", flat=True))
    form = TourForm(request.POST or None, initial=initial, targets=target_choices(s.units_q()))
    if request.method == "POST" and form.is_valid():
        try:
            tour = services.tour_save(by=request.user, data=form.data_for_service(), tour=tour)
        except DomainError as e:
            form.put_error(e)
        else:
            messages.success(request, _("巡察已保存。"))
            return redirect("tour_detail", pk=tour.pk)
    return render(
        request,
        "accountability/tours/form.html",
        {"form": form, "tour": tour},
        status=400 if form.errors else 200,
    )


@login_required
def tour_create(request):
    return _tour_form(request)


@login_required
def tour_edit(request, pk: int):
    return _tour_form(request, queries.tour_for(request.user, pk, perm=MANAGE))


@login_required
def tour_detail(request, pk: int):
    tour = queries.tour_for(request.user, pk)
    units = queries.rectification(request.user, tour)
    members = [m.strip() for m in tour.members.splitlines() if m.strip()]
    return render(
        request,
        "accountability/tours/detail.html",
        {
            "tour": tour,
            "units": units,
            "members": members,
            "can_manage": scope.can(request.user, MANAGE),
            "stall_days": queries.stall_days(),
            "accepting": tour.status != TourStatus.PLANNED,
        },
    )


@login_required
def tour_finding_create(request, pk: int):
    tour = queries.tour_for(request.user, pk, perm=MANAGE)
    targets = list(tour.targets.order_by("path").values_list("pk", "name"))
    form = FindingForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_add(by=request.user, tour=tour, data=form.data_for_service())
        except DomainError as e:
            form.put_error(e)
        else:
            messages.success(request, _("巡察发现问题已登记。"))
            if request.POST.get("again"):
                return redirect("tour_finding_create", pk=tour.pk)
            return redirect("tour_detail", pk=tour.pk)
    return render(
        request,
        "accountability/tours/finding_form.html",
        {"form": form, "tour": tour},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def tour_to_problems(request, pk: int):
    """The one step: the chosen findings each become a problem on its unit's list."""
    tour = queries.tour_for(request.user, pk, perm=MANAGE)
    try:
        ids = [int(x) for x in request.POST.getlist("findings")]
        made = services.findings_to_problems(by=request.user, tour=tour, finding_ids=ids)
    except ValueError:
        messages.error(request, _("所选问题无效。"))
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        if made:
            messages.success(
                request, _("已将 %(n)s 个问题列入被巡察单位的问题清单。") % {"n": len(made)}
            )
        else:
            messages.info(request, _("所选问题均已列入问题清单，没有新增。"))
    return redirect("tour_detail", pk=tour.pk)


@login_required
@require_POST
def tour_finding_refer(request, pk: int):
    finding = queries.finding_for(request.user, pk, perm=MANAGE)
    try:
        services.finding_refer(by=request.user, finding=finding)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已移交纪委监委，列入问题线索。"))
    return redirect("tour_detail", pk=finding.tour_id)


@login_required
def tour_template(request):
    from .importers import findings_template

    scope.require(request.user, MANAGE)
    return excel.xlsx_response(findings_template(), _("巡察发现问题导入模板") + ".xlsx")


@login_required
def tour_own_findings(request):
    """A target unit's contact: the findings of its units and where their rectification stands."""
    scope.require(request.user, FINDING_VIEW)
    return render(
        request,
        "accountability/tours/own.html",
        {"rows": queries.own_findings(request.user), "stall_days": queries.stall_days()},
    )


urlpatterns = [
    path("tours/", tour_list, name="tour_list"),
    path("tours/new/", tour_create, name="tour_create"),
    path("tours/mine/", tour_own_findings, name="tour_own_findings"),
    path("tours/template.xlsx", tour_template, name="tour_template"),
    path("tours/<int:pk>/", tour_detail, name="tour_detail"),
    path("tours/<int:pk>/edit/", tour_edit, name="tour_edit"),
    path("tours/<int:pk>/findings/new/", tour_finding_create, name="tour_finding_create"),
    path("tours/<int:pk>/problems/", tour_to_problems, name="tour_to_problems"),
    path(
        "tours/<int:pk>/import/",
        import_views.upload,
        {"kind": "accountability.tour_findings"},
        name="tour_import",
    ),
    path("tours/findings/<int:pk>/refer/", tour_finding_refer, name="tour_finding_refer"),
]

__all__ = ["urlpatterns"]
