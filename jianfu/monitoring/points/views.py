"""The office's monitoring pages: sample points (list, designation, changes, closing), a point's
reports by period and one report with its versions, completeness and timeliness with the missing
points and their reminders, closing a period early; and the reporter's "mark read" for reminders.

Thin: points and reports are reached through scope.visible / scope.get_for (404 outside the
account's units, 403 without the code); writes go through services. A county contact sees that its
points report, never what they report (monitoring.report:view).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianfu.core import clock, inputs, periods, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, User
from jianfu.core.tasks import enqueue_on_commit

from ..models import Report, SamplePoint
from ..reports import services as report_services
from ..reports.questions import SECTIONS
from . import queries, services, tasks
from .forms import PointCloseForm, PointForm, ReportFilterForm

PER_PAGE = 50
RED, BLUE, GREY = "#a4161a", "#1f5f9f", "#8a8f98"  # the quota charts' colours
RANGES = (6, 12, 24, 36)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _apply_error(form, error: DomainError, default_field=None):
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, str(error.message))


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _point(request, pk, perm="monitoring.point:view") -> SamplePoint:
    return scope.get_for(
        SamplePoint.objects.select_related("unit", "county"), request.user, pk, perm=perm
    )


# --- Sample points ------------------------------------------------------------------------------


@login_required
def point_list(request):
    s = scope.require(request.user, "monitoring.point:view")
    g = request.GET
    state = g.get("state", "active")
    if state not in ("active", "closed", "all"):
        state = "active"
    filters = {
        "county_id": _int(g.get("county")),
        "kind": g.get("kind", "") if g.get("kind", "") in dict(queries.POINT_KINDS) else "",
        "q": g.get("q", "").strip()[:50],
    }
    today = clock.today()
    points = queries.points_for(request.user, state=state, today=today, **filters)
    page = Paginator(points, PER_PAGE).get_page(g.get("page"))
    forms = queries.Forms()
    period = queries.last_ended(forms, "burden", today)
    due = forms.due("burden", period)
    start, end = periods.bounds(period)
    status = queries.report_status([p.pk for p in page.object_list], period)
    for p in page.object_list:
        if p.pk in status:
            p.status = "late" if status[p.pk] else "on_time"
        elif not queries.is_active(p.since, p.until, start, end):
            p.status = ""
        else:
            p.status = "pending" if due is not None and today <= due else "missing"
    context = {
        "page": page,
        "state": state,
        "filters": filters,
        "period": period,
        "counts": queries.point_counts(queries.points_for(request.user, state=state, today=today)),
        "counties": queries.county_choices(request.user),
        "kinds": queries.POINT_KINDS,
        "can_manage": s.can("monitoring.point:manage"),
    }
    if request.htmx and request.htmx.target == "point-rows":
        return render(request, "monitoring/point_list.html#rows", context)
    return render(request, "monitoring/point_list.html", context)


@login_required
def point_detail(request, pk):
    point = _point(request, pk)
    s = scope.scope_of(request.user)
    return render(
        request,
        "monitoring/point_detail.html",
        {
            "point": point,
            "kind_label": queries.KIND_LABELS.get(point.kind, point.kind),
            "reporters": list(point.reporters.order_by("username")),
            "history": queries.point_history(point),
            "reminders": queries.point_reminders(point),
            "reminder_labels": queries.REMINDER_LABELS,
            "can_manage": s.can("monitoring.point:manage"),
            "can_reports": s.can("monitoring.report:view"),
            "closed": point.until is not None and point.until < clock.today(),
        },
    )


def _reporter_context(unit: Unit, form, point=None) -> dict:
    """What the reporter chooser says: the eligible accounts or, with none, how to get one."""
    eligible_ids = set(form.fields["reporters"].queryset.values_list("pk", flat=True))
    others = User.scoped.filter(home_unit=unit, is_active=True).exclude(pk__in=eligible_ids)
    dropped = []
    if point is not None:
        dropped = [u for u in point.reporters.order_by("username") if u.pk not in eligible_ids]
    return {
        "eligible_count": len(eligible_ids),
        "unit_accounts_without_role": others.count(),
        "dropped": dropped,
    }


@login_required
def point_create(request):
    scope.require(request.user, "monitoring.point:manage")
    unit_pk = request.POST.get("unit") or request.GET.get("unit")
    if not unit_pk:
        q = inputs.search_text(request.GET.get("q"), 50)
        context = {"q": q, "candidates": queries.designation_candidates(request.user, q)}
        if request.htmx and request.htmx.target == "candidates":
            return render(request, "monitoring/point_designate.html#candidates", context)
        return render(request, "monitoring/point_designate.html", context)
    unit = scope.get_for(
        Unit, request.user, unit_pk, perm="monitoring.point:manage", unit_field=None
    )
    form = PointForm(request.POST or None, eligible=queries.eligible_reporters(unit))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            point = services.point_designate(
                by=request.user,
                unit=unit,
                since=d["since"],
                reporters=list(d["reporters"]),
                note=d["note"],
            )
        except DomainError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已将“%(n)s”设为监测样本点。") % {"n": unit.name})
            return redirect("point_detail", pk=point.pk)
    return render(
        request,
        "monitoring/point_form.html",
        {
            "form": form,
            "unit": unit,
            "unit_kind": unit.get_kind_display(),
            "county": services.county_of(unit),
            "already": SamplePoint.scoped.filter(unit=unit).first(),
            "title": _("设立监测样本点"),
            **_reporter_context(unit, form),
        },
        status=400 if form.errors else 200,
    )


@login_required
def point_edit(request, pk):
    point = _point(request, pk, "monitoring.point:manage")
    eligible = queries.eligible_reporters(point.unit)
    eligible_ids = set(eligible.values_list("pk", flat=True))
    current = point.reporters.values_list("pk", flat=True)
    initial = {
        "since": point.since,
        "note": point.note,
        "reporters": [pk for pk in current if pk in eligible_ids],
    }
    form = PointForm(request.POST or None, eligible=eligible, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.point_update(
                by=request.user,
                point=point,
                since=d["since"],
                note=d["note"],
                reporters=list(d["reporters"]),
            )
        except DomainError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("point_detail", pk=point.pk)
    return render(
        request,
        "monitoring/point_form.html",
        {
            "form": form,
            "point": point,
            "unit": point.unit,
            "unit_kind": queries.KIND_LABELS.get(point.kind, point.kind),
            "county": point.county,
            "title": _("修改监测样本点"),
            **_reporter_context(point.unit, form, point),
        },
        status=400 if form.errors else 200,
    )


@login_required
def point_close(request, pk):
    point = _point(request, pk, "monitoring.point:manage")
    form = PointCloseForm(request.POST or None, initial={"until": point.until or clock.today()})
    if request.method == "POST" and request.POST.get("reopen"):
        try:
            services.point_close(by=request.user, point=point, until=None)
        except DomainError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("已恢复监测“%(n)s”。") % {"n": point.unit.name})
        return redirect("point_detail", pk=point.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.point_close(by=request.user, point=point, until=form.cleaned_data["until"])
        except DomainError as e:
            _apply_error(form, e, "until")
        else:
            messages.success(request, _("已撤销样本点“%(n)s”。") % {"n": point.unit.name})
            return redirect("point_detail", pk=point.pk)
    return render(
        request,
        "monitoring/point_close.html",
        {"form": form, "point": point},
        status=400 if form.errors else 200,
    )


@login_required
def point_report(request, pk, period):
    """One report with all its answers and its versions. For whoever may read reports (not a
    county contact: 403 inside their county, 404 outside it)."""
    point = _point(request, pk, "monitoring.report:view")
    report = (
        Report.scoped.select_related("form", "reporter")
        .annotate(n_versions=Count("versions"))
        .filter(point=point, period=period)
        .first()
    )
    if report is None:
        raise Http404
    return render(
        request,
        "monitoring/point_report.html",
        {
            "point": point,
            "report": report,
            "due": queries.Forms([point.form_code]).due(point.form_code, period),
            "sections": [
                (str(SECTIONS.get(key, "")), rows)
                for key, rows in queries.answers(report.form, report.values)
            ],
            "history": queries.version_history(report),
            "can_point": scope.can(request.user, "monitoring.point:view"),
        },
    )


@login_required
def report_list(request):
    """Reports of chosen points (or a county's points) over a range of months: what a
    truthfulness or felt-against-registered signal compared. For whoever may read reports."""
    scope.require(request.user, "monitoring.report:view")
    form = ReportFilterForm(
        request.GET,
        visible_points=scope.visible(
            SamplePoint.objects.all(), request.user, perm="monitoring.report:view"
        ),
        visible_units=scope.visible(
            Unit.objects.all(), request.user, perm="monitoring.report:view", unit_field=None
        ),
    )
    if form.is_valid():
        d = form.cleaned_data
        reports = queries.reports_for(
            request.user,
            point_ids=[p.pk for p in form.points],
            county_id=form.county_unit.pk if form.county_unit else None,
            period_from=d["period_from"],
            period_to=d["period_to"],
        )
    else:
        reports = Report.scoped.none()
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/report_list.html",
        {"form": form, "page": page, "points": form.points, "county": form.county_unit},
    )


# --- Completeness and timeliness ----------------------------------------------------------------


def _period_param(value, ptype: str, latest: str) -> str | None:
    try:
        kind = periods.parse(value)[0]
    except ValueError:
        return None
    return value if kind == ptype and value <= latest else None


def _shower(alerts: tuple[int, int]):
    """A function printing one matrix cell as HTML. The matrix holds a cell per county and
    period, thousands at province size: an include, a format_html or a translation per cell cost
    most of the page's time, so the title is translated and escaped once and the rest is numbers
    and constant classes."""
    title_fmt = conditional_escape(_("应报 %(e)s，已报 %(r)s，按时 %(t)s，迟报 %(l)s，缺报 %(m)s"))
    empty = mark_safe('<td class="text-muted">—</td>')

    def shown(f: queries.Figures, bold: bool = False) -> str:
        if not f.expected:
            return empty
        low_c = f.completeness < alerts[0]
        title = title_fmt % {
            "e": f.expected,
            "r": f.received,
            "t": f.on_time,
            "l": f.late,
            "m": f.missing,
        }
        return mark_safe(  # noqa: S308 (numbers, constant classes and the escaped title)
            f'<td class="{"fw-semibold " if bold else ""}{"table-danger" if low_c else ""}"'
            f' title="{title}"><span class="d-block'
            f'{" text-danger fw-semibold" if low_c else ""}">{f.completeness:.0f}%</span>'
            '<span class="d-block small '
            f'{"text-danger" if f.timeliness < alerts[1] else "text-body-secondary"}">'
            f'{f.timeliness:.0f}%</span><span class="visually-hidden">{title}</span></td>'
        )

    return shown


def _joined(cells) -> str:
    """Cells of _shower, each safe HTML, as one."""
    return mark_safe("".join(cells))  # noqa: S308 (each cell is safe)


def _chart(c: queries.Completeness, alerts: tuple[int, int]) -> dict:
    def pct(f):
        return None if f.completeness is None else round(f.completeness, 1)

    def pct_t(f):
        return None if f.timeliness is None else round(f.timeliness, 1)

    red, blue, grey = RED, BLUE, GREY
    return {
        "animation": False,
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 28},
        "legend": {"data": [_("完整率"), _("及时率")], "top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": c.periods},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {
                "name": _("完整率"),
                "type": "line",
                "data": [pct(f) for f in c.by_period],
                "color": red,
                "markLine": {
                    "symbol": "none",
                    "silent": True,
                    "data": [{"yAxis": alerts[0]}],
                    "lineStyle": {"color": red, "type": "dashed"},
                    "label": {"formatter": "{c}%"},
                },
            },
            {
                "name": _("及时率"),
                "type": "line",
                "data": [pct_t(f) for f in c.by_period],
                "color": blue,
                "markLine": {
                    "symbol": "none",
                    "silent": True,
                    "data": [{"yAxis": alerts[1]}],
                    "lineStyle": {"color": grey, "type": "dashed"},
                    "label": {"formatter": "{c}%"},
                },
            },
        ],
    }


@login_required
def completeness(request):
    s = scope.require(request.user, "monitoring.point:view")
    g = request.GET
    today = clock.today()
    forms = queries.Forms()
    codes = forms.codes() or ["burden"]
    form_code = (
        g.get("form") if g.get("form") in codes else ("burden" if "burden" in codes else codes[0])
    )
    ptype = forms.period_type(form_code, today)
    closed = queries.closures(form_code)
    current = periods.key_of(today, ptype)
    n = _int(g.get("n")) if _int(g.get("n")) in RANGES else 12
    last = _period_param(g.get("last", ""), ptype, current) or queries.last_counted(
        forms, form_code, today, closed
    )
    keys = periods.between(periods.shift(last, -(n - 1)), last)
    by = "kind" if g.get("by") == "kind" else "county"
    c = queries.completeness(request.user, form_code=form_code, period_keys=keys)
    alerts = queries.alert_lines()

    # The missing points of one period: by default the latest that has ended.
    ended = queries.last_ended(forms, form_code, today)
    missing_period = _period_param(g.get("missing", ""), ptype, current) or ended
    points = scope.visible(
        SamplePoint.objects.filter(form_code=form_code), request.user, perm="monitoring.point:view"
    )
    missing_page = Paginator(
        queries.with_people(queries.missing_points(points, missing_period)).order_by(
            "county__path", "unit__path"
        ),
        PER_PAGE,
    ).get_page(g.get("page"))
    missing_due = forms.due(form_code, missing_period)
    pending = missing_due is not None and today <= missing_due and not closed.get(missing_period)
    # A streak counts the periods past their due day only.
    streaks = queries.missing_streaks(
        list(missing_page.object_list),
        periods.shift(missing_period, -1) if pending else missing_period,
    )
    # Whether the reporters saw the reminder sent for this period (the latest one per point).
    seen = queries.reminders_seen([p.pk for p in missing_page.object_list], missing_period)
    for p in missing_page.object_list:
        p.streak = streaks.get(p.pk, 0)
        p.reminder = seen.get(p.pk)
    missing_total = missing_page.paginator.count

    recent = periods.between(periods.shift(current, -4), current)
    period_rows = [
        {
            "period": k,
            "state": queries.period_state(forms, form_code, k, today, closed),
            "closed_early": bool(closed.get(k)),
            "due": forms.due(form_code, k),
        }
        for k in reversed(recent)
    ]
    shown = _shower(alerts)
    # A row's cells joined into one safe string: the template prints one value per row instead of
    # one per cell (a hundred and twenty counties by twelve periods).
    rows = [
        {
            "key": r.key,
            "label": r.label,
            "cells": _joined(shown(f) for f in r.cells),
            "total": shown(r.total, bold=True),
        }
        for r in (c.by_kind if by == "kind" else c.by_county)
    ]
    choices = periods.between(periods.shift(current, -36), current)
    context = {
        "c": c,
        "rows": rows,
        "period_figures": list(zip(c.periods, c.by_period, strict=True)),
        "period_cells": _joined(shown(f) for f in c.by_period),
        "total_cell": shown(c.total),
        "by": by,
        "n": n,
        "ranges": RANGES,
        "last": last,
        "period_choices": list(reversed(choices)),
        "form_code": form_code,
        "codes": codes if len(codes) > 1 else [],
        "alert_completeness": alerts[0],
        "alert_timeliness": alerts[1],
        "consistent": c.consistently_reporting,
        "latest": c.by_period[-1] if c.by_period else queries.Figures(),
        "missing_period": missing_period,
        "missing_due": missing_due,
        "missing_pending": pending,
        "missing_page": missing_page,
        "missing_total": missing_total,
        "period_rows": period_rows,
        "chart": _chart(c, alerts),
        "can_remind": s.can("monitoring.point:manage"),
        "can_periods": s.can("monitoring.period:manage"),
        "can_reports": s.can("monitoring.report:view"),
        "can_settings": s.can("core.setting:view"),
    }
    return render(request, "monitoring/completeness.html", context)


@login_required
@require_POST
def completeness_remind(request):
    """The office's "send reminders now": the task runs once the request has committed."""
    scope.require(request.user, "monitoring.point:manage")
    period = request.POST.get("period", "")
    form_code = request.POST.get("form", "burden")
    try:
        periods.parse(period)
    except ValueError:
        messages.error(request, _("不存在的填报周期“%(p)s”。") % {"p": period})
        return redirect(_next_url(request, reverse("completeness")))
    point_ids = [i for i in (_int(v) for v in request.POST.getlist("point")) if i] or None
    enqueue_on_commit(tasks.send_reminders, form_code, period, request.user.pk, point_ids)
    if point_ids:
        messages.success(
            request,
            _("已安排提醒该样本点的填报员（站内消息，以及已设置的邮件和群机器人；不发短信）。"),
        )
    else:
        messages.success(
            request,
            _(
                "已安排提醒 %(p)s 尚未填报的样本点的填报员"
                "（站内消息，以及已设置的邮件和群机器人；不发短信）。"
            )
            % {"p": period},
        )
    return redirect(_next_url(request, reverse("completeness")))


@login_required
@require_POST
def period_toggle(request):
    """Close a period early, or reopen it."""
    scope.require(request.user, "monitoring.period:manage")
    period = request.POST.get("period", "")
    closed = request.POST.get("closed") == "1"
    try:
        report_services.period_close(
            by=request.user,
            form_code=request.POST.get("form", "burden"),
            period=period,
            closed=closed,
        )
    except (DomainError, ValueError):
        messages.error(request, _("不存在的填报周期“%(p)s”。") % {"p": period})
    else:
        if closed:
            messages.success(request, _("已关闭 %(p)s 的填报。") % {"p": period})
        else:
            messages.success(request, _("已重新开放 %(p)s 的填报。") % {"p": period})
    return redirect(_next_url(request, reverse("completeness")))


# --- Reminders (the reporter's side) ------------------------------------------------------------


@login_required
@require_POST
def reminder_read(request):
    """Mark reminders read: the ones posted as `id`, or all with `all`. Only a point's own
    reporters reach its reminders; others mark nothing. An htmx call gets an empty body, so the
    card it came from disappears."""
    ids = (
        None if request.POST.get("all") else [i for i in map(_int, request.POST.getlist("id")) if i]
    )
    services.reminders_read(by=request.user, ids=ids)
    if request.htmx:
        return HttpResponse("")
    return redirect(_next_url(request, reverse("home")))
