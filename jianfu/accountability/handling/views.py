"""Accountability's handling part: pages. Thin: parse, call a service or a query, render. A
service's refusal re-renders the page with the message and what was typed."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, scope
from jianfu.core.errors import DomainError

from ..clues.models import Clue
from . import queries, services, sources
from .models import (
    Case,
    ClosedReason,
    Disposition,
    DispositionKind,
    InquiryMode,
    Outcome,
    OutcomeKind,
)
from .services import APPROVE, MANAGE, STATS, VIEW


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
def acc_handling_queue(request):
    scope.require(request.user, VIEW)
    today = clock.today()
    clocks = queries.running_clocks(request.user, today)
    by_clue: dict[int, list] = {}
    for c in clocks:
        by_clue.setdefault(c.clue_id, []).append(c)
    waiting = list(queries.awaiting_disposition(request.user))
    approvals = list(queries.awaiting_approval(request.user))
    for clue in waiting:
        clue.clocks = by_clue.get(clue.pk, [])
    for d in approvals:
        d.clocks = by_clue.get(d.clue_id, [])
    return render(
        request,
        "accountability/handling/queue.html",
        {
            "waiting": waiting,
            "approvals": approvals,
            "can_approve": scope.can(request.user, APPROVE),
        },
    )


def _panel(request, clue, *, error=None, values=None, status=200):
    dispositions = list(
        clue.dispositions.select_related("proposed_by", "decided_by").order_by("-proposed_at")
    )
    track = getattr(clue, "track", None) if hasattr(clue, "track") else None
    clocks = [c for c in queries.running_clocks(request.user) if c.clue_id == clue.pk]
    return render(
        request,
        "accountability/handling/clue.html",
        {
            "clue": clue,
            "dispositions": dispositions,
            "track": track,
            "clocks": clocks,
            "cases": list(clue.cases.all()),
            "kinds": DispositionKind.choices,
            "modes": InquiryMode.choices,
            "closed_reasons": ClosedReason.choices,
            "can_manage": scope.can(request.user, MANAGE),
            "can_approve": scope.can(request.user, APPROVE),
            "error": error,
            "values": values or {},
        },
        status=status,
    )


def _clue(request, clue_id) -> Clue:
    return scope.get_for(
        Clue.objects.select_related("subject_unit", "cluster"),
        request.user,
        clue_id,
        perm=VIEW,
        unit_field="subject_unit",
    )


@login_required
def acc_clue_handling(request, clue_id):
    clue = _clue(request, clue_id)
    return _panel(request, clue)


@login_required
@require_POST
def acc_disposition_propose(request, clue_id):
    clue = _clue(request, clue_id)
    values = {
        k: request.POST.get(k, "")
        for k in ("kind", "reason", "inquiry_mode", "closed_reason", "passed_to")
    }
    try:
        services.disposition_propose(by=request.user, clue_id=clue.pk, **values)
    except DomainError as e:
        return _panel(request, clue, error=e.message, values=values, status=e.status)
    messages.success(request, _("处置意见已提出，待另一名工作人员审批。"))
    return redirect("acc_clue_handling", clue.pk)


@login_required
@require_POST
def acc_disposition_decide(request, disposition_id, action):
    d = scope.get_for(
        Disposition.objects.select_related("clue"),
        request.user,
        disposition_id,
        perm=VIEW,
        unit_field="clue__subject_unit",
    )
    note = request.POST.get("note", "")
    try:
        if action == "approve":
            services.disposition_approve(by=request.user, disposition_id=d.pk, note=note)
        elif action == "reject":
            services.disposition_reject(by=request.user, disposition_id=d.pk, note=note)
        else:
            raise DomainError("action", _("未知的操作。"), status=404)
    except DomainError as e:
        clue = _clue(request, d.clue_id)
        return _panel(request, clue, error=e.message, values={"note": note}, status=e.status)
    messages.success(request, _("已审批。"))
    return redirect("acc_clue_handling", d.clue_id)


def _when(request):
    return _date(request.POST.get("date", ""))


def _at(day):
    if day is None:
        return None
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


@login_required
@require_POST
def acc_letter(request, disposition_id, step):
    d = scope.get_for(
        Disposition.objects.all(),
        request.user,
        disposition_id,
        perm=VIEW,
        unit_field="clue__subject_unit",
    )
    at = _at(_when(request))
    try:
        if step == "sent":
            services.letter_sent(by=request.user, disposition_id=d.pk, at=at)
        else:
            services.letter_answered(by=request.user, disposition_id=d.pk, at=at)
    except DomainError as e:
        return _panel(request, _clue(request, d.clue_id), error=e.message, status=e.status)
    return redirect("acc_clue_handling", d.clue_id)


@login_required
@require_POST
def acc_informant_told(request, clue_id, step):
    clue = _clue(request, clue_id)
    at = _at(_when(request))
    try:
        if step == "accepted":
            services.informant_told_accepted(by=request.user, clue_id=clue.pk, at=at)
        else:
            services.informant_told_result(by=request.user, clue_id=clue.pk, at=at)
    except DomainError as e:
        return _panel(request, clue, error=e.message, status=e.status)
    return redirect("acc_clue_handling", clue.pk)


@login_required
@require_POST
def acc_case_open(request, clue_id):
    clue = _clue(request, clue_id)
    try:
        case = services.case_open(by=request.user, clue_id=clue.pk)
    except DomainError as e:
        return _panel(request, clue, error=e.message, status=e.status)
    return redirect("acc_case_detail", case.pk)


@login_required
def acc_clocks(request):
    scope.require(request.user, VIEW)
    clocks = queries.running_clocks(request.user)
    colour = request.GET.get("colour", "")
    if colour in queries.COLOUR_ORDER:
        clocks = [c for c in clocks if c.colour == colour]
    return render(
        request, "accountability/handling/clocks.html", {"clocks": clocks, "colour": colour}
    )


@login_required
def acc_case_list(request):
    scope.require(request.user, VIEW)
    cases = list(queries.cases(request.user, status=request.GET.get("status", "")))
    return render(request, "accountability/handling/cases.html", {"cases": cases})


def _case_page(request, case, *, error=None, values=None, status=200):
    problems = sources.problems_of([case.pk]).get(case.pk, [])
    outcomes = list(case.outcomes.order_by("pk"))
    return render(
        request,
        "accountability/handling/case.html",
        {
            "case": case,
            "outcomes": outcomes,
            "problems": problems,
            "kinds": OutcomeKind.choices,
            "can_manage": scope.can(request.user, MANAGE),
            "error": error,
            "values": values or {},
        },
        status=status,
    )


def _case(request, case_id) -> Case:
    return scope.get_for(
        Case.objects.select_related("unit", "clue"), request.user, case_id, perm=VIEW
    )


@login_required
def acc_case_detail(request, case_id):
    return _case_page(request, _case(request, case_id))


@login_required
@require_POST
def acc_case_act(request, case_id, action):
    case = _case(request, case_id)
    values = request.POST.dict()
    try:
        if action == "findings":
            services.case_findings(
                by=request.user, case_id=case.pk, findings=values.get("findings", "")
            )
        elif action == "outcome":
            services.outcome_add(
                by=request.user,
                case_id=case.pk,
                kind=values.get("kind", ""),
                person=values.get("person", ""),
                position=values.get("position", ""),
                note=values.get("note", ""),
            )
        elif action == "conclude":
            services.case_conclude(by=request.user, case_id=case.pk)
        elif action == "close":
            services.case_close(by=request.user, case_id=case.pk)
        elif action == "problems":
            sources.case_problems_open(
                by=request.user,
                case_id=case.pk,
                descriptions=values.get("problems", "").splitlines(),
            )
        else:
            raise DomainError("action", _("未知的操作。"), status=404)
    except DomainError as e:
        case.refresh_from_db()
        return _case_page(request, case, error=e.message, values=values, status=e.status)
    return redirect("acc_case_detail", case.pk)


@login_required
@require_POST
def acc_outcome_done(request, outcome_id):
    outcome = scope.get_for(
        Outcome.objects.all(), request.user, outcome_id, perm=VIEW, unit_field="case__unit"
    )
    try:
        services.outcome_carried_out(by=request.user, outcome_id=outcome.pk, at=_at(_when(request)))
    except DomainError as e:
        return _case_page(
            request, _case(request, outcome.case_id), error=e.message, status=e.status
        )
    return redirect("acc_case_detail", outcome.case_id)


def period_of(request) -> tuple[dt.date, dt.date]:
    today = clock.today()
    start = _date(request.GET.get("start")) or today.replace(month=1, day=1)
    end = _date(request.GET.get("end")) or today
    if end < start:
        start, end = end, start
    return start, end


@login_required
def acc_outcomes(request):
    scope.require(request.user, STATS)
    start, end = period_of(request)
    result = queries.period_outcomes(request.user, start, end, perm=STATS)
    return render(
        request,
        "accountability/handling/outcomes.html",
        {
            "result": result,
            "sentences": [queries.case_sentence(r) for r in result.cases],
        },
    )


urlpatterns = [
    path("handling/", acc_handling_queue, name="acc_handling_queue"),
    path("handling/clocks/", acc_clocks, name="acc_clocks"),
    path("handling/clues/<int:clue_id>/", acc_clue_handling, name="acc_clue_handling"),
    path(
        "handling/clues/<int:clue_id>/propose/",
        acc_disposition_propose,
        name="acc_disposition_propose",
    ),
    path(
        "handling/clues/<int:clue_id>/told/<str:step>/",
        acc_informant_told,
        name="acc_informant_told",
    ),
    path("handling/clues/<int:clue_id>/case/", acc_case_open, name="acc_case_open"),
    path(
        "handling/dispositions/<int:disposition_id>/<str:action>/",
        acc_disposition_decide,
        name="acc_disposition_decide",
    ),
    path("handling/letters/<int:disposition_id>/<str:step>/", acc_letter, name="acc_letter"),
    path("handling/cases/", acc_case_list, name="acc_case_list"),
    path("handling/cases/<int:case_id>/", acc_case_detail, name="acc_case_detail"),
    path("handling/cases/<int:case_id>/<str:action>/", acc_case_act, name="acc_case_act"),
    path(
        "handling/outcomes/<int:outcome_id>/carried-out/",
        acc_outcome_done,
        name="acc_outcome_done",
    ),
    path("handling/outcomes/", acc_outcomes, name="acc_outcomes"),
]
