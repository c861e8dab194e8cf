"""Typical cases: pages. Thin: parse, call a service or a query, render. A form refused by a
service is rendered again with what was typed and the sentence saying why."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jianfu.core import clock, scope
from jianfu.core.errors import DomainError

from ..handling.models import Case, CaseStatus
from . import queries, services
from .models import StudyFormat, TypicalCase, TypicalStatus
from .queries import APPROVE, MANAGE, STUDY


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
def typical_list(request):
    cases = queries.visible(request.user)
    status = request.GET.get("status", "")
    can_manage = scope.can(request.user, MANAGE)
    if can_manage and status in TypicalStatus.values:
        cases = cases.filter(status=status)
    cases = list(cases)
    counts = queries.studied_counts(t.pk for t in cases)
    for t in cases:
        t.studied = counts.get(t.pk, 0)
    return render(
        request,
        "accountability/exposure/list.html",
        {
            "cases": cases,
            "status": status,
            "statuses": TypicalStatus.choices,
            "can_manage": can_manage,
            "to_study": {s.typical_id for s in queries.to_study(request.user)}
            if scope.can(request.user, STUDY)
            else set(),
        },
    )


@login_required
def typical_create(request):
    scope.require(request.user, MANAGE)
    candidates = (
        scope.visible(
            Case.objects.exclude(status=CaseStatus.VERIFYING),
            request.user,
            perm=MANAGE,
        )
        .select_related("unit")
        .order_by("-concluded_at", "-pk")[:200]
    )
    error = None
    if request.method == "POST":
        case = scope.get_for(
            Case.objects.all(), request.user, request.POST.get("case"), perm=MANAGE
        )
        try:
            typical = services.typical_draft(by=request.user, case=case)
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已根据案件生成典型案例草稿，请修改后进行脱敏检查。"))
            return redirect("typical_detail", pk=typical.pk)
    return render(
        request,
        "accountability/exposure/create.html",
        {"candidates": candidates, "error": error},
        status=400 if error else 200,
    )


def _segments(text: str, leaks: list, where: str) -> list[tuple[str, bool]]:
    """The text cut at each leak, for marking them on the redaction page."""
    spans = sorted(
        (lk.position - 1, lk.position - 1 + len(lk.value)) for lk in leaks if lk.where == where
    )
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        out += [(text[at:start], False), (text[start:end], True)]
        at = end
    out.append((text[at:], False))
    return [s for s in out if s[0]]


def _detail(request, typical: TypicalCase, *, values=None, error=None, status=200):
    user = request.user
    can_manage = scope.can(user, MANAGE) and typical.status != TypicalStatus.PUBLISHED
    leaks = queries.leaks_of(typical) if can_manage else []
    context = {
        "t": typical,
        "values": {
            "title": typical.title,
            "body": typical.body,
            "studied_on": clock.today().isoformat(),
            "format": "",
            "note": "",
            **(values or {}),
        },
        "error": error,
        "can_manage": scope.can(user, MANAGE),
        "editable": can_manage and typical.status in (TypicalStatus.DRAFT, TypicalStatus.REDACTED),
        "can_approve": scope.can(user, APPROVE),
        "self_drafted": typical.drafted_by_id == user.pk,
        "names": queries.case_names(typical.case) if can_manage else [],
        "leaks": leaks,
        "title_segments": _segments(typical.title, leaks, "title"),
        "body_segments": _segments(typical.body, leaks, "body"),
        "formats": StudyFormat.choices,
        "own_study": queries.own_study(user, typical)
        if scope.can(user, STUDY) and typical.status == TypicalStatus.PUBLISHED
        else None,
        "can_study": scope.can(user, STUDY) and typical.status == TypicalStatus.PUBLISHED,
    }
    return render(request, "accountability/exposure/detail.html", context, status=status)


def _typical(request, pk) -> TypicalCase:
    return get_object_or_404(queries.visible(request.user).select_related("case"), pk=pk)


@login_required
@require_GET
def typical_detail(request, pk):
    return _detail(request, _typical(request, pk))


@login_required
@require_POST
def typical_edit(request, pk):
    typical = _typical(request, pk)
    values = {"title": request.POST.get("title", ""), "body": request.POST.get("body", "")}
    try:
        services.typical_edit(by=request.user, typical=typical, **values)
    except DomainError as e:
        typical.refresh_from_db()
        return _detail(request, typical, values=values, error=e, status=400)
    messages.success(request, _("已保存。修改后须重新进行脱敏检查。"))
    return redirect("typical_detail", pk=typical.pk)


@login_required
@require_POST
def typical_act(request, pk):
    typical = _typical(request, pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    done = {
        "redact": _("脱敏检查通过，已提交审批。"),
        "approve": _("已审批，可以发布。"),
        "return": _("已退回修改。"),
        "publish": _("已发布。"),
        "withdraw": _("已撤回。"),
    }
    try:
        if action == "redact":
            services.typical_redact(by=request.user, typical=typical)
        elif action == "approve":
            services.typical_approve(by=request.user, typical=typical)
        elif action == "return":
            services.typical_return(by=request.user, typical=typical, reason=reason)
        elif action == "publish":
            services.typical_publish(
                by=request.user,
                typical=typical,
                to_units=bool(request.POST.get("to_units")),
                public=bool(request.POST.get("public")),
                bulletin=bool(request.POST.get("bulletin")),
            )
        elif action == "withdraw":
            services.typical_withdraw(by=request.user, typical=typical, reason=reason)
        else:
            raise DomainError("bad_action", _("未知操作“%(v)s”。") % {"v": action})
    except DomainError as e:
        typical.refresh_from_db()
        return _detail(request, typical, error=e, status=e.status)
    messages.success(request, done[action])
    return redirect("typical_detail", pk=typical.pk)


@login_required
@require_POST
def typical_study(request, pk):
    typical = _typical(request, pk)
    values = {
        "studied_on": request.POST.get("studied_on", ""),
        "format": request.POST.get("format", ""),
        "note": request.POST.get("note", ""),
    }
    try:
        services.study_record(by=request.user, typical=typical, **values)
    except DomainError as e:
        return _detail(request, typical, values=values, error=e, status=400)
    messages.success(request, _("已登记本单位的学习情况。"))
    return redirect("typical_detail", pk=typical.pk)


@login_required
def typical_studies(request):
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    bulletin_only = request.GET.get("bulletin") == "1"
    rows = queries.studies(request.user, start=start, end=end, bulletin_only=bulletin_only)
    return render(
        request,
        "accountability/exposure/studies.html",
        {"rows": rows, "start": start, "end": end, "bulletin_only": bulletin_only},
    )


@require_GET
def typical_public(request):
    """The public page (no login): the published cases chosen for it, their redacted text only."""
    return render(
        request,
        "accountability/exposure/public.html",
        {"cases": queries.public_cases()[:100]},
    )


urlpatterns = [
    path("typical/", typical_list, name="typical_list"),
    path("typical/new/", typical_create, name="typical_create"),
    path("typical/studies/", typical_studies, name="typical_studies"),
    path("typical/<int:pk>/", typical_detail, name="typical_detail"),
    path("typical/<int:pk>/edit/", typical_edit, name="typical_edit"),
    path("typical/<int:pk>/act/", typical_act, name="typical_act"),
    path("typical/<int:pk>/study/", typical_study, name="typical_study"),
    path("public/typical/", typical_public, name="typical_public"),
]
