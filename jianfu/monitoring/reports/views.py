"""The reporter's pages: the periods a sample point can fill now, the form (one section a screen on
a phone, one long page without JavaScript), the confirmation and the history of versions.

Only who and when are filled in for the reporter (point, period, reporter), never a measured value,
not even last period's: copying last month's numbers is what the truthfulness checks look for. A
correction is the one case where the form opens with numbers: this point's own submitted answers
for this same period.
"""

import dataclasses
import datetime as dt
import json
import uuid

import pydantic
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ninja.utils import check_csrf

from jianfu.core import clock, periods, scope
from jianfu.core.api import refuse_form_body
from jianfu.core.api_errors import error_response, generic
from jianfu.core.errors import DomainError
from jianfu.core.permissions import permissions_for_roles
from jianfu.core.scope_guard import refusal_hides

from ..models import Report, ReportForm, SamplePoint
from . import services
from .questions import OPTIONAL_TYPES, SECTIONS
from .schemas import ReportIn

SUBMIT = "monitoring.report:submit"

# What the reporter sees for a period, most pressing first.
STATUS_LABELS = {
    "overdue": gettext_lazy("逾期可补报"),
    "due": gettext_lazy("待填报"),
    "submitted": gettext_lazy("已提交（可更正）"),
    "closed": gettext_lazy("已关闭"),
}
# Refusals the page shows as a state of the period, not as a fault of the request.
PERIOD_REFUSALS = {"closed", "future", "inactive", "bad_period", "no_form"}


# --- Reads --------------------------------------------------------------------------------------


@dataclasses.dataclass
class PeriodRow:
    point: SamplePoint
    period: str
    state: str  # services.period_state: open, late or closed (future periods are not listed)
    form: ReportForm
    due: dt.date
    report: Report | None

    @property
    def label(self) -> str:
        return periods.label(self.period)

    @property
    def status(self) -> str:
        if self.state == "closed":
            return "closed"
        if self.report is not None:
            return "submitted"
        return "overdue" if self.state == "late" else "due"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def can_fill(self) -> bool:
        return self.state in ("open", "late")

    @property
    def deadline(self) -> dt.date:
        """The date that matters next: the due day while the report can still be on time, the
        closing day once it is late."""
        if self.state == "late":
            return periods.bounds(self.period)[1] + dt.timedelta(days=self.form.closes_days)
        return self.due

    @property
    def url(self) -> str:
        return reverse("report_fill", args=[self.point.pk, self.period])


def period_rows(point: SamplePoint, today: dt.date | None = None) -> list[PeriodRow]:
    """The periods this point can report now (the current one from its last week, and earlier
    ones still open or late), newest first, with the most recent closed one so the reporter sees
    why it is gone."""
    today = today or clock.today()
    try:
        current_form = services.form_for(point.form_code, today)
    except DomainError:
        return []
    current = periods.key_of(today, current_form.period_type)
    period_days = 31 if current_form.period_type == "month" else 92
    keys = [periods.shift(current, -i) for i in range(current_form.closes_days // period_days + 3)]
    # unscoped: the reports of a point already checked (or the account's own)
    reports = {r.period: r for r in Report.objects.filter(point=point, period__in=keys)}
    rows = []
    for key in keys:
        start, end = periods.bounds(key)
        if not (point.active_on(start) or point.active_on(end)):
            continue
        try:
            state = services.period_state(point.form_code, key, today)
            form = services.form_for(point.form_code, start)
        except DomainError:
            continue
        if state == "future":
            continue
        rows.append(
            PeriodRow(point, key, state, form, services.due_date(form, key), reports.get(key))
        )
        if state == "closed":
            break
    return rows


def most_urgent(rows: list[PeriodRow]) -> PeriodRow | None:
    """The unreported period whose next deadline comes first."""
    waiting = [r for r in rows if r.status in ("due", "overdue")]
    return min(waiting, key=lambda r: (r.deadline, r.period), default=None)


def reporter_point(user, pk) -> SamplePoint:
    """The sample point, when this account reports for it. Outside the account's units, or a point
    it does not report for: 404 (ids cannot be probed). Inside them without the reporter's
    permission (the office, a county contact): 403 with the reason."""
    point = SamplePoint.scoped.select_related("unit", "county").filter(pk=pk).first()
    if point is None:
        raise Http404
    scope.require(user, SUBMIT)
    if not point.reporters.filter(pk=user.pk).exists():
        raise Http404
    return point


def my_points(user) -> list[SamplePoint]:
    return list(
        SamplePoint.objects.filter(reporters=user)  # unscoped: the account's own points
        .select_related("unit", "county")
        .order_by("unit__path")
    )


# --- The form as the page shows it --------------------------------------------------------------


@dataclasses.dataclass
class Question:
    key: str
    type: str
    label: str  # the msgid; the template translates it
    unit: str
    low: int | float
    high: int | float | None
    part_of: str | None
    whole_label: str
    whole_value: str
    value: str
    error: str

    @property
    def required(self) -> bool:
        return self.type not in OPTIONAL_TYPES

    @property
    def inputmode(self) -> str:
        return "decimal" if self.type == "hours" else "numeric"

    @property
    def choices(self) -> list[int]:
        return list(range(int(self.low), int(self.high or self.low) + 1))

    @property
    def part_hint(self) -> str:
        if self.whole_value:
            return _("不能大于上面填的 %(n)s") % {"n": self.whole_value}
        return self.part_hint_none

    @property
    def part_hint_none(self) -> str:
        return _("不能大于上面填的总数")


@dataclasses.dataclass
class Section:
    key: str
    label: str
    questions: list[Question]

    @property
    def has_error(self) -> bool:
        return any(q.error for q in self.questions)


def shown(value) -> str:
    """An answer as the reporter typed or would type it (15, 14.5; never 15.0)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def sections_of(form: ReportForm, values: dict, errors: dict) -> list[Section]:
    by_key = {q["key"]: q for q in form.questions}
    sections: dict[str, Section] = {}
    for q in form.questions:
        key = q.get("section") or "other"
        if key not in sections:
            sections[key] = Section(key, str(SECTIONS.get(key, _("其他"))), [])
        whole = by_key.get(q.get("part_of") or "")
        sections[key].questions.append(
            Question(
                key=q["key"],
                type=q["type"],
                label=q["label"],
                unit=q.get("unit", ""),
                low=q.get("min", 0),
                high=q.get("max"),
                part_of=whole["key"] if whole else None,
                whole_label=whole["label"] if whole else "",
                whole_value=shown(values.get(whole["key"])) if whole else "",
                value=shown(values.get(q["key"])),
                error=errors.get(q["key"], ""),
            )
        )
    return list(sections.values())


def js_messages() -> dict[str, str]:
    """The sentences report.js shows, in the page's language. The checks it makes before sending
    use the same sentences as the server's (validation.py), placeholders and all."""
    return {
        "step": _("第 %(n)s / %(total)s 步"),
        "edit": _("修改"),
        "empty": _("（未填）"),
        "required": _("请填写（没有请填 0）。"),
        "number": _("“%(v)s”不是数字，请填写数字。"),
        "negative": _("不能为负数。"),
        "integer": _("请填写整数。"),
        "range": _("须在 %(lo)s 到 %(hi)s 之间。"),
        "tooLong": _("不能超过 %(n)s 个字。"),
        "part": _("不能大于“%(whole)s”的 %(n)s。"),
        "partHint": _("不能大于上面填的 %(n)s"),
        "draftRestored": _("已恢复本机保存的草稿（%(t)s）。"),
        "sending": _("正在提交，请稍候…"),
        "offline": _("网络不畅，已保存草稿，稍后重试。"),
        "retryIn": _("%(s)s 秒后自动重试，也可以现在点“重试提交”。"),
        "retry": _("重试提交"),
        "server": _("服务器暂时无法处理，已保存草稿，稍后重试。"),
        "expired": _("登录已超时，填写的内容已保存在本机。请重新登录，回到本页继续提交。"),
        "login": _("重新登录"),
        "stale": _("页面已过期，请刷新页面后再提交（填写的内容已保存在本机）。"),
        "reload": _("刷新页面"),
        "invalid": _("填报内容有误，请按提示修改。"),
        "done": _("已提交。"),
    }


def draft_key(user, point: SamplePoint, period: str) -> str:
    """Where the device keeps the draft: per account, point and period, so a login as someone else
    on a shared phone never finds it."""
    return f"jianfu:report-draft:{user.pk}:{point.pk}:{period}"


# --- Pages --------------------------------------------------------------------------------------


@login_required
@require_GET
def report_home(request):
    scope.require(request.user, SUBMIT)
    blocks = [(p, period_rows(p)) for p in my_points(request.user)]
    urgent = most_urgent([r for _p, rows in blocks for r in rows])
    return render(
        request,
        "monitoring/report_home.html",
        {"blocks": blocks, "urgent": urgent, "today": clock.today()},
    )


def _unavailable(request, point, period, message, *, status, report=None, form=None):
    return render(
        request,
        "monitoring/report_unavailable.html",
        {
            "point": point,
            "period": period,
            "period_label": safe_label(period),
            "message": message,
            "report": report,
            "sections": sections_of(form, report.values, {}) if report and form else [],
        },
        status=status,
    )


def safe_label(period: str) -> str:
    try:
        return periods.label(period)
    except ValueError:
        return period


def _gate(request, point: SamplePoint, period: str, *, posting: bool = False):
    """(form, state) for a period the point can fill now, or the page that says why not. A post
    to a period that closed meanwhile goes on to the service, whose refusal is shown above the
    form with everything the reporter typed still in it."""
    try:
        start, end = periods.bounds(period)
    except ValueError:
        message = _("不存在的填报周期“%(p)s”。") % {"p": period}
        return _unavailable(request, point, period, message, status=404)
    label = periods.label(period)
    if not (point.active_on(start) or point.active_on(end)):
        message = _("该样本点在周期“%(p)s”不在监测期内。") % {"p": label}
        return _unavailable(request, point, period, message, status=404)
    try:
        state = services.period_state(point.form_code, period)
        form = services.form_for(point.form_code, start)
    except DomainError as e:
        return _unavailable(request, point, period, e.message, status=e.status)
    if posting:
        return form, state
    if state == "future":
        message = _("周期“%(p)s”尚未开始填报。") % {"p": label}
        return _unavailable(request, point, period, message, status=200)
    if state == "closed":
        message = _("周期“%(p)s”已关闭，不能再填报或更正。") % {"p": label}
        report = Report.scoped.filter(point=point, period=period).first()
        return _unavailable(request, point, period, message, status=200, report=report, form=form)
    return form, state


@login_required
@require_http_methods(["GET", "POST"])
def report_fill(request, point, period):
    point = reporter_point(request.user, point)
    gate = _gate(request, point, period, posting=request.method == "POST")
    if isinstance(gate, HttpResponse):
        return gate
    form, state = gate
    report = Report.scoped.filter(point=point, period=period).first()
    values, errors, alert, status, note = {}, {}, "", 200, ""
    client_key = str(uuid.uuid4())
    if request.method == "POST":
        # The page without JavaScript: the same service, the key from the hidden field, so a
        # double tap on the button stores one report.
        values = {q["key"]: request.POST.get(q["key"], "") for q in form.questions}
        client_key = request.POST.get("client_key", "").strip()[:64] or client_key
        note = request.POST.get("note", "").strip()[:200]
        try:
            services.report_submit(
                by=request.user,
                point=point,
                period=period,
                values=values,
                client_key=client_key,
                note=note,
            )
        except services.ReportInvalid as e:
            errors, status = e.errors, 400
        except DomainError as e:
            alert = str(e.message)
            status = 409 if e.code in PERIOD_REFUSALS else e.status
            if e.code == "key_reused":
                client_key = str(uuid.uuid4())
        else:
            return redirect("report_done", point=point.pk, period=period)
    elif report is not None:
        values = report.values
    sections = sections_of(form, values, errors)
    return render(
        request,
        "monitoring/report_fill.html",
        {
            "point": point,
            "period": period,
            "period_label": periods.label(period),
            "state": state,
            "due": services.due_date(form, period),
            "form": form,
            "report": report,
            "sections": sections,
            "errors": errors,
            "first_error_section": next((s.key for s in sections if s.has_error), ""),
            "alert": alert,
            "note": note,
            "client_key": client_key,
            "draft_key": draft_key(request.user, point, period),
            "api_url": reverse("report_post"),
            "js_messages": js_messages(),
            "login_url": reverse("login") + "?" + urlencode({"next": request.path}),
        },
        status=status,
    )


def _report_or_fill(point, period):
    report = (
        Report.scoped.filter(point=point, period=period).select_related("form", "reporter").first()
    )
    if report is None:
        return None, redirect("report_fill", point=point.pk, period=period)
    return report, None


@login_required
@require_GET
def report_done(request, point, period):
    point = reporter_point(request.user, point)
    report, elsewhere = _report_or_fill(point, period)
    if elsewhere:
        return elsewhere
    version = report.versions.order_by("-version").first()
    return render(
        request,
        "monitoring/report_done.html",
        {
            "point": point,
            "period": period,
            "period_label": periods.label(period),
            "report": report,
            "version": version,
            "can_correct": services.period_state(point.form_code, period) in ("open", "late"),
            "draft_key": draft_key(request.user, point, period),
        },
    )


@login_required
@require_GET
def report_history(request, point, period):
    point = reporter_point(request.user, point)
    report, elsewhere = _report_or_fill(point, period)
    if elsewhere:
        return elsewhere
    labels = {q["key"]: q["label"] for q in report.form.questions}
    versions = list(report.versions.select_related("submitted_by").order_by("version"))
    previous: dict = {}
    for v in versions:
        v.changed = [
            (labels.get(k, k), shown(previous.get(k)), shown(v.values.get(k)))
            for k in labels
            if previous and previous.get(k) != v.values.get(k)
        ]
        previous = v.values
    return render(
        request,
        "monitoring/report_history.html",
        {
            "point": point,
            "period": period,
            "period_label": periods.label(period),
            "report": report,
            "versions": versions[::-1],
            "can_correct": services.period_state(point.form_code, period) in ("open", "late"),
        },
    )


# --- The phone page's submission ----------------------------------------------------------------

# Refusals that are about the period's state or the key, not the request's shape.
CONFLICTS = {"closed", "future", "inactive", "key_reused"}


def submitted(report, version, created: bool) -> dict:
    """What a submission answers (this view and the API's alike)."""
    return {
        "report": report.pk,
        "point": report.point_id,
        "period": report.period,
        "version": version.version,
        "created": created,
        "late": version.late,
        "submitted_at": version.submitted_at,
        "done_url": reverse("report_done", args=[report.point_id, report.period]),
    }


def may_submit(who) -> bool:
    """scope.can(who, SUBMIT), without loading the home unit the full scope needs: on the
    busiest endpoint the roles alone decide it (the same rules as scope.scope_of)."""
    known = getattr(who, "_jianfu_scope", None)
    if known is not None:
        return known.can(SUBMIT)
    if getattr(who, "is_token", False) or not who.is_active or who.home_unit_id is None:
        return False
    return SUBMIT in permissions_for_roles(who.role_codes)


def submit(who, payload: ReportIn) -> tuple[int, dict]:
    """A submission's status and answer, this view's and POST /api/monitoring/reports's alike.
    A refusal inside the account's units raises scope.Refused, which each caller answers as it
    answers any other (403 saying why, or 404 for a record the account can never see)."""
    if not may_submit(who):
        # Inside the account's units the refusal says why (403); outside, the point is not there.
        if SamplePoint.scoped.filter(pk=payload.point).exists():
            scope.require(who, SUBMIT)
        return 404, {"code": "not_found", "detail": _("找不到该样本点。")}
    # The service finds the point and checks that this account reports for it (404 if not).
    try:
        report, version, created = services.report_submit(
            by=who,
            point=payload.point,
            period=payload.period,
            values=payload.values,
            client_key=payload.client_key,
            note=payload.note,
        )
    except services.ReportInvalid as e:
        return 400, {"code": "invalid", "detail": str(e.message), "errors": e.errors}
    except DomainError as e:
        status = 409 if e.code in CONFLICTS else e.status
        return status, {"code": e.code, "detail": str(e.message), "field": e.field}
    return 201 if created else 200, submitted(report, version, created)


def _read_body(body) -> tuple[ReportIn | None, list[dict]]:
    """The body as POST /api/monitoring/reports's schema reads it, or what that schema refuses
    in it, field by field."""
    if not isinstance(body, dict):
        return None, [{"field": "body", "detail": generic(422)[1]}]
    try:
        return ReportIn.model_validate(body), []
    except pydantic.ValidationError as e:
        fields = dict.fromkeys(str(err["loc"][0]) if err["loc"] else "body" for err in e.errors())
        return None, [{"field": name, "detail": generic(422)[1]} for name in fields]


@csrf_exempt  # checked below once the session is signed in, as the API's session auth does
@require_POST
def report_post(request):
    """The phone page's final POST: POST /api/monitoring/reports for the signed-in browser, with
    the same checks in the same order, the same service (validation, scope, idempotency on
    client_key, the audit entry in the same transaction) and the same answers, with the body
    checked by the same ReportIn, but without the API framework's per-request work (its routing,
    parsing and response schema), which at the month-end burst cost more than the submission's
    own checks. Under /api/, so that the middleware answers it as the API (401 on an expired
    session, JSON errors)."""
    who = request.user
    if not who.is_authenticated:
        return error_response(401)
    try:
        refuse_form_body(request)
    except DomainError as e:
        return error_response(e.status, e.code, e.message)
    if check_csrf(request) is not None:
        return error_response(
            403, "csrf_failed", _("CSRF 校验未通过：浏览器会话的写操作须带 X-CSRFToken 请求头。")
        )
    try:
        body = json.loads(request.body)
    except ValueError:
        return error_response(400, "bad_body", _("请求体不是有效的 JSON。"))
    payload, errors = _read_body(body)
    if errors:
        return error_response(422, "invalid", errors[0]["detail"], errors=errors)
    try:
        status, answer = submit(who, payload)
    except scope.Refused as e:
        if refusal_hides(request, e):  # as the API's: a record it can never see
            return error_response(404)
        return error_response(403, "forbidden", str(e))
    if status >= 400:
        return error_response(status, **answer)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})
