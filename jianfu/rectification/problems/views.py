"""The problem list and the rectification ledger: the office's overview of all ledgers, a unit's
ledger, the problem list, one problem's page with its measures, actions and history, the measure
form (with its optimistic lock) and the verification queue.

Thin: every problem, measure and file is reached through queries (scope.visible / scope.get_for:
404 outside the account's units, 403 without the code); every write goes through services, whose
DomainErrors land on the form field they name with what the person typed kept.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, files, scope, workdays
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind

from .. import evidence, sources
from ..models import (
    MeasureKind,
    MeasureStatus,
    ProblemStatus,
    Severity,
    Source,
)
from . import display, evidence_files, measures, queries, services
from .forms import (
    ActionForm,
    AssignVerifierForm,
    AttachmentForm,
    MeasureForm,
    ProblemForm,
    deadline_preview,
)
from .measures import EDITABLE, TRANSITIONS
from .services import CREATE, EDIT, REVIEW, VIEW

PER_PAGE = 50
LEDGER_PER_PAGE = 100
OVERVIEW_PER_PAGE = 100
PENDING_SHOWN = 50  # problems still without a measure, listed above a ledger


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _url(name: str, *args) -> str | None:
    """The URL of a page another part of the app serves (the ledger's Excel pages), or None where
    that page is not there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- The office's overview ----------------------------------------------------------------------


@login_required
def rect_overview(request):
    user = request.user
    s = scope.require(user, VIEW)
    if not queries.covers_several_units(user):
        return redirect("rect_ledger", unit_id=user.home_unit_id)
    g = request.GET
    counties = queries.counties(user)
    under = next((c for c in counties if c.pk == _int(g.get("under"))), None)
    kind = g.get("kind", "") if g.get("kind", "") in UnitKind.values else ""
    overdue_only = g.get("overdue") == "1"
    rows = queries.overview(user, kind=kind, under=under, overdue_only=overdue_only)
    # A province has thousands of units with problems: the totals count them all, the table
    # shows a page of them (overdue first, as overview sorts them).
    page = Paginator(rows, OVERVIEW_PER_PAGE).get_page(g.get("page"))
    context = {
        "page": page,
        "rows": page.object_list,
        "totals": queries.overview_totals(rows),
        "counties": counties,
        "under": under,
        "kind": kind,
        "kinds": UnitKind.choices,
        "overdue_only": overdue_only,
        "today": clock.today(),
        "due_soon_days": queries.DUE_SOON_DAYS,
        "can_create": s.can(CREATE),
        "can_verify": s.can(services.VERIFY),
        "can_review": s.can(REVIEW),
        "review_horizon": queries.REVIEW_HORIZON_DAYS,
    }
    return render(request, "rectification/overview.html", context)


# --- A unit's ledger ----------------------------------------------------------------------------


@login_required
def rect_ledger(request, unit_id):
    user = request.user
    s = scope.scope_of(user)
    unit = scope.get_for(Unit, user, unit_id, perm=VIEW, unit_field=None)
    g = request.GET
    status = g.get("status", "") if g.get("status", "") in queries.LEDGER_STATUSES else ""
    kind = g.get("kind", "") if g.get("kind", "") in MeasureKind.values else ""
    measures = queries.ledger(user, unit, status=status, kind=kind)
    page = Paginator(measures, LEDGER_PER_PAGE).get_page(g.get("page"))
    page.object_list = display.ledger_rows(list(page.object_list), clock.today())
    pending = list(queries.problems_without_measures(user, unit)[: PENDING_SHOWN + 1])
    context = {
        "unit": unit,
        "page": page,
        "status": status,
        "kind": kind,
        "statuses": [
            ("unfinished", _("未完成")),
            ("overdue", _("已逾期")),
            ("due_soon", _("即将到期")),
            ("submitted", MeasureStatus.SUBMITTED.label),
            ("verified", MeasureStatus.VERIFIED.label),
        ],
        "kinds": MeasureKind.choices,
        "pending": pending[:PENDING_SHOWN],
        "pending_more": len(pending) > PENDING_SHOWN,
        "export_url": _url("ledger_export", unit.pk),
        "import_url": _url("ledger_import", unit.pk) if s.can(EDIT) else None,
        "can_create": s.can(CREATE),
        "show_overview": queries.covers_several_units(user),
    }
    return render(request, "rectification/ledger.html", context)


# --- The problem list ---------------------------------------------------------------------------


def _problem_filter(request, units) -> queries.ProblemFilter:
    g = request.GET
    severity = _int(g.get("severity"))
    return queries.ProblemFilter(
        status=g.get("status", "") if g.get("status", "") in ProblemStatus.values else "",
        source=g.get("source", "") if g.get("source", "") in Source.values else "",
        severity=severity if severity in Severity.values else None,
        unit=next((u for u in units if u.pk == _int(g.get("unit"))), None),
        overdue=g.get("overdue") == "1",
        q=g.get("q", "").strip()[:100],
    )


@login_required
def problem_list(request):
    s = scope.require(request.user, VIEW)
    units = queries.units_with_problems(request.user)
    f = _problem_filter(request, units)
    page = Paginator(queries.problems(request.user, f), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "f": f,
        "units": units,
        "statuses": ProblemStatus.choices,
        "sources": Source.choices,
        "severities": Severity.choices,
        "can_create": s.can(CREATE),
    }
    if request.htmx and request.htmx.target == "problem-rows":
        return render(request, "rectification/problem_list.html#rows", context)
    return render(request, "rectification/problem_list.html", context)


# --- Problems: create and edit ------------------------------------------------------------------


def _problem_form_page(request, form, problem=None, *, latest=None, status=200):
    title = _("修改问题") if problem else _("登记问题")
    context = {"form": form, "problem": problem, "latest": latest, "title": title}
    return render(request, "rectification/problem_form.html", context, status=status)


@login_required
def problem_create(request):
    scope.require(request.user, CREATE)
    form = ProblemForm(request.POST or None, principal=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            problem = services.problem_create(
                by=request.user,
                unit_id=form.unit.pk,
                source=d["source"],
                description=d["description"],
                severity=d["severity"],
                found_on=d["found_on"],
                item=d["item"],
            )
        except DomainError as e:
            form.put_error(e)
        else:
            messages.success(request, _("问题已登记，请制定整改措施。"))
            return redirect("problem_detail", pk=problem.pk)
    return _problem_form_page(request, form, status=400 if form.errors else 200)


@login_required
def problem_edit(request, pk):
    problem = queries.problem_for(request.user, pk, perm=CREATE)
    if problem.status == ProblemStatus.CLOSED:
        messages.warning(request, _("该问题已核验销号，不能再修改。"))
        return redirect("problem_detail", pk=problem.pk)
    form = ProblemForm(request.POST or None, principal=request.user, instance=problem)
    latest, status = None, 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.problem_update(
                by=request.user,
                problem=problem,
                version=d["version"],
                description=d["description"],
                severity=d["severity"],
                item=d["item"],
            )
        except DomainError as e:
            status = e.status
            if e.code == "conflict":
                # What was typed stays in the form, now at the saved version; the panel above it
                # shows what the other person saved.
                problem = queries.problem_for(request.user, pk, perm=CREATE)
                latest = display.problem_latest_rows(form, problem)
                form = _with_version(
                    ProblemForm, request, problem.version, principal=request.user, instance=problem
                )
            form.put_error(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("problem_detail", pk=problem.pk)
    if form.errors and status == 200:
        status = 400
    return _problem_form_page(request, form, problem, latest=latest, status=status)


# --- One problem --------------------------------------------------------------------------------


def _detail(request, problem, *, failed=None, attach_form=None, status=200):
    """The problem's page. `failed` is (measure id, action, bound form) when an action was refused:
    that form comes back with the error and what the person typed. `?m=<id>&act=<action>` opens
    that measure's form (the list of reviews links to its review form so)."""
    user = request.user
    s = scope.scope_of(user)
    # Outside one's own units the page is open only to the verifier the office assigned.
    own = queries.in_own_units(user, problem)
    measures = queries.measures_of(problem)
    opened = (_int(request.GET.get("m")), request.GET.get("act"))
    cards = display.measure_cards(
        user, problem, measures, clock.today(), failed, own=own, opened=opened
    )
    # The app that made the evidence words it (a signal's figures, thresholds), else key/value.
    sections = evidence.render(problem, user) if problem.evidence else None
    is_open = problem.status == ProblemStatus.OPEN
    context = {
        "problem": problem,
        "cards": cards,
        "history": display.history_rows(queries.history(problem)),
        "sections": [x for x in sections or [] if not x.get("tables")],
        "series": [x for x in sections or [] if x.get("tables")],
        "evidence": display.evidence_rows(problem.evidence) if sections is None else [],
        "files": queries.attachments_of(problem),
        # Back to the record the problem came from (a signal's page …), as its app links it.
        "source_link": sources.link(problem, user) if own else None,
        "problem_source": sources.of(problem),
        "attach_form": attach_form or AttachmentForm(measures=measures),
        "can_attach": own and s.can(EDIT),
        "can_add_measure": own and s.can(EDIT) and is_open,
        "can_edit": own and s.can(CREATE) and is_open,
        "measure_total": len(measures),
        "measure_verified": sum(1 for m in measures if m.status == MeasureStatus.VERIFIED),
    }
    return render(request, "rectification/problem_detail.html", context, status=status)


@login_required
def problem_detail(request, pk):
    return _detail(request, queries.problem_for(request.user, pk))


def _with_version(form_class, request, version: int, **kwargs):
    """The same typed values with the current version, so the next save is judged against what
    the person now has in front of them."""
    data = request.POST.copy()
    data["version"] = str(version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


# Where a service's transition is refused before the files are read: the code each needs.
ACTION_CODES = {"start": EDIT, "progress": EDIT, "submit": EDIT, "review": REVIEW}


@login_required
@require_POST
def measure_act(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    user = request.user
    measure = queries.measure_for(user, pk)
    if action in ACTION_CODES:
        scope.require(user, ACTION_CODES[action])
    form = ActionForm(request.POST, measure=measure, action=action)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            measures.measure_act(
                by=user,
                measure_id=measure.pk,
                version=d["version"],
                action=action,
                note=d["note"],
                held=form.held_value() if action == "review" else None,
                uploads=files.read_uploads(request),
                **form.relapse_values(),
            )
        except DomainError as e:
            status = e.status
            if e.code == "conflict":
                measure = queries.measure_for(user, pk)
                form = _with_version(
                    ActionForm, request, measure.version, measure=measure, action=action
                )
            form.put_error(e)
        else:
            messages.success(
                request,
                _("已“%(a)s”。") % {"a": measures.ACTION_LABELS[action]},
            )
            return redirect(reverse("problem_detail", args=[measure.problem_id]) + f"#m{pk}")
    problem = queries.problem_for(user, measure.problem_id)
    return _detail(request, problem, failed=(measure.pk, action, form), status=status)


@login_required
@require_POST
def measure_verifier(request, pk):
    """The office names (or changes) who verifies a measure, from the problem's page."""
    user = request.user
    measure = queries.measure_for(user, pk)
    scope.require(user, services.VERIFY)
    others = [
        u
        for u in queries.verifier_candidates(user, measure.problem)
        if u.home_unit_id != measure.responsible_unit_id
    ]
    form = AssignVerifierForm(request.POST, measure=measure, candidates=others)
    status = 400
    if form.is_valid():
        try:
            measures.measure_assign_verifier(
                by=user,
                measure_id=measure.pk,
                version=form.cleaned_data["version"],
                verifier_id=form.cleaned_data["verifier"],
            )
        except DomainError as e:
            status = e.status
            if e.code == "conflict":
                measure = queries.measure_for(user, pk)
                form = _with_version(
                    AssignVerifierForm, request, measure.version, measure=measure, candidates=others
                )
            form.put_error(e)
        else:
            messages.success(request, _("已指定核验人。"))
            return redirect(reverse("problem_detail", args=[measure.problem_id]) + f"#m{pk}")
    problem = queries.problem_for(user, measure.problem_id)
    return _detail(request, problem, failed=(measure.pk, "verifier", form), status=status)


@login_required
@require_POST
def measure_delete(request, pk):
    """Withdraw a draft measure (only before work started; the service decides)."""
    user = request.user
    measure = queries.measure_for(user, pk, perm=EDIT)
    try:
        measures.measure_delete(
            by=user, measure_id=measure.pk, version=_int(request.POST.get("version")) or 0
        )
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect(reverse("problem_detail", args=[measure.problem_id]) + f"#m{pk}")
    messages.success(request, _("草稿措施已删除。"))
    return redirect(reverse("problem_detail", args=[measure.problem_id]))


@login_required
@require_POST
def attachment_add(request, pk):
    # perm=EDIT: an assigned verifier reads the problem but adds nothing to it (404, as outside).
    problem = queries.problem_for(request.user, pk, perm=EDIT)
    measures = queries.measures_of(problem)
    form = AttachmentForm(request.POST, measures=measures)
    status = 400
    if form.is_valid():
        try:
            saved = evidence_files.attachment_add(
                by=request.user,
                problem=problem,
                measure=form.measure_value(),
                uploads=files.read_uploads(request),
                note=form.cleaned_data["note"],
            )
        except DomainError as e:
            status = e.status
            form.put_error(e)
        else:
            messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(saved)})
            return redirect(reverse("problem_detail", args=[problem.pk]) + "#files")
    return _detail(request, problem, attach_form=form, status=status)


@login_required
def attachment_download(request, pk):
    attachment = queries.attachment_for(request.user, pk)
    try:
        return files.download_response(attachment.relpath, attachment.name, attachment.kind)
    except FileNotFoundError:
        raise Http404(_("文件已不在存储中，请联系管理员。")) from None


# --- Measures: create and edit ------------------------------------------------------------------


def _iso(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _preview(form) -> workdays.DeadlineNote | None:
    """The deadline a working-day count gives, for the note beside the form."""
    if form.is_bound:
        if form.data.get("deadline_mode") != "workdays":
            return None
        return deadline_preview(form.data.get("working_days"), _iso(form.data.get("deadline_from")))
    m = form.instance
    if m is not None and m.working_days:
        return deadline_preview(m.working_days, m.deadline_from)
    return None


def _measure_form_page(request, form, problem, measure=None, *, latest=None, status=200):
    context = {
        "form": form,
        "problem": problem,
        "measure": measure,
        "latest": latest,
        "preview": _preview(form),
        "title": _("修改整改措施") if measure else _("制定整改措施"),
    }
    return render(request, "rectification/measure_form.html", context, status=status)


def _computing(request, form) -> bool:
    """ "计算完成时限" without JavaScript: show the date, save nothing, and leave the other fields
    unjudged (the person has not finished typing)."""
    if request.method != "POST" or "compute" not in request.POST:
        return False
    form.errors.clear()
    return True


@login_required
def measure_create(request, pk):
    problem = queries.problem_for(request.user, pk, perm=EDIT)
    if problem.status != ProblemStatus.OPEN:
        messages.warning(request, _("该问题已销号，不能再添加整改措施。"))
        return redirect("problem_detail", pk=problem.pk)
    form = MeasureForm(request.POST or None, principal=request.user, problem=problem)
    if request.method == "POST" and not _computing(request, form) and form.is_valid():
        try:
            measure = measures.measure_create(
                by=request.user, problem=problem, data=form.service_data()
            )
        except DomainError as e:
            form.put_error(e)
        else:
            messages.success(request, _("整改措施已制定。"))
            return redirect(reverse("problem_detail", args=[problem.pk]) + f"#m{measure.pk}")
    return _measure_form_page(request, form, problem, status=400 if form.errors else 200)


@login_required
def measure_edit(request, pk):
    user = request.user
    measure = queries.measure_for(user, pk, perm=EDIT)
    problem = measure.problem
    if measure.status not in EDITABLE:
        messages.warning(
            request,
            _("该措施当前为“%(s)s”，不能修改。") % {"s": measure.get_status_display()},
        )
        return redirect(reverse("problem_detail", args=[problem.pk]) + f"#m{measure.pk}")
    kwargs = {"principal": user, "problem": problem, "instance": measure}
    form = MeasureForm(request.POST or None, **kwargs)
    latest, status = None, 200
    if request.method == "POST" and not _computing(request, form) and form.is_valid():
        try:
            measures.measure_update(
                by=user,
                measure_id=measure.pk,
                version=form.cleaned_data["version"],
                data=form.service_data(),
            )
        except DomainError as e:
            status = e.status
            if e.code == "conflict":
                measure = queries.measure_for(user, pk)
                latest = display.latest_rows(form, measure)
                form = _with_version(MeasureForm, request, measure.version, **kwargs)
            form.put_error(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("problem_detail", args=[problem.pk]) + f"#m{measure.pk}")
    if form.errors and status == 200:
        status = 400
    return _measure_form_page(request, form, problem, measure, latest=latest, status=status)


@login_required
def measure_deadline(request):
    """The date a working-day count gives (htmx, beside the measure form)."""
    scope.require(request.user, EDIT)
    g = request.GET
    note = deadline_preview(g.get("working_days"), _iso(g.get("deadline_from")))
    return render(request, "rectification/measure_form.html#preview", {"preview": note})


# --- Verification -------------------------------------------------------------------------------


# The reviews listed below the queue: enough for a month's visits; the earliest come first.
REVIEWS_SHOWN = 100


@login_required
def verify_queue(request):
    """The office's desk: submitted measures to verify, and below them the reviews (回头看) due
    within a month, the overdue ones first."""
    user = request.user
    s = scope.require(user, VIEW)
    page = Paginator(queries.verify_queue(user), PER_PAGE).get_page(request.GET.get("page"))
    today = clock.today()
    for m in page.object_list:
        m.waiting_days = (today - timezone.localdate(m.submitted_at)).days if m.submitted_at else 0
    context = {"page": page, "can_review": s.can(REVIEW)}
    if context["can_review"]:
        due = queries.reviews_due(user, today)
        reviews = list(due[:REVIEWS_SHOWN])
        total = len(reviews) if len(reviews) < REVIEWS_SHOWN else due.count()
        for m in reviews:
            m.days = (m.review_on - today).days
            m.days_overdue = -m.days
        context.update(
            reviews=reviews,
            reviews_total=total,
            review_horizon=queries.REVIEW_HORIZON_DAYS,
        )
    return render(request, "rectification/verify_queue.html", context)


urlpatterns = [
    path("", rect_overview, name="rect_overview"),
    path("units/<int:unit_id>/", rect_ledger, name="rect_ledger"),
    path("problems/", problem_list, name="problem_list"),
    path("problems/new/", problem_create, name="problem_create"),
    path("problems/<int:pk>/", problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", problem_edit, name="problem_edit"),
    path("problems/<int:pk>/measures/new/", measure_create, name="measure_create"),
    path("problems/<int:pk>/files/", attachment_add, name="attachment_add"),
    path("measures/<int:pk>/edit/", measure_edit, name="measure_edit"),
    # Before the actions' pattern, which would take "verifier" and "delete" as actions.
    path("measures/<int:pk>/verifier/", measure_verifier, name="measure_verifier"),
    path("measures/<int:pk>/delete/", measure_delete, name="measure_delete"),
    path("measures/<int:pk>/<str:action>/", measure_act, name="measure_act"),
    path("deadline/", measure_deadline, name="measure_deadline"),
    path("files/<int:pk>/", attachment_download, name="attachment_download"),
    path("verify/", verify_queue, name="verify_queue"),
]
