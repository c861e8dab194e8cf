"""Writes of the monitoring app: designating sample points and their reporters, and submitting a
report. A submission is idempotent on the key the device generated; a correction is a new
version; every version is kept."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jianfu.core import audit, clock, periods, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind, User

from . import validation
from .models import PeriodClosure, Report, ReportForm, ReportVersion, SamplePoint

POINT_KINDS = {UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE}

audit.describe(
    {
        "jianfu.monitoring.point.designated": _("设立监测样本点"),
        "jianfu.monitoring.point.updated": _("修改监测样本点"),
        "jianfu.monitoring.point.closed": _("撤销监测样本点"),
        "jianfu.monitoring.report.submitted": _("提交样本点填报"),
        "jianfu.monitoring.report.corrected": _("更正样本点填报"),
        "jianfu.monitoring.period.closed": _("关闭填报周期"),
        "jianfu.monitoring.period.reopened": _("重新开放填报周期"),
    }
)


class ReportInvalid(DomainError):
    """Errors per question: {key: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid", _("填报内容有误，请按提示修改。"))
        self.errors = errors


def county_of(unit: Unit) -> Unit | None:
    paths = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth + 1)]
    return Unit.objects.filter(path__in=paths, kind=UnitKind.COUNTY).order_by("-depth").first()


def form_for(code: str, day: dt.date) -> ReportForm:
    """The version of the form in force on a day (the newest that had started)."""
    form = (
        ReportForm.objects.filter(code=code, valid_from__lte=day)
        .order_by("-valid_from", "-version")
        .first()
    )
    if form is None:
        raise DomainError("no_form", _("没有适用于该周期的填报表单。"), status=404)
    return form


# --- Periods ------------------------------------------------------------------------------------


def period_state(form_code: str, period: str, today: dt.date | None = None) -> str:
    """ "future", "open", "late" (after the due day, still accepted) or "closed"."""
    today = today or clock.today()
    start, end = periods.bounds(period)
    form = form_for(form_code, start)
    closure = PeriodClosure.objects.filter(form_code=form_code, period=period).first()
    if closure is not None and closure.closed:
        return "closed"
    if today <= end:
        # The current period opens in its last week, so a month can be reported as it ends.
        return "open" if today >= end - dt.timedelta(days=6) else "future"
    if closure is None and today > end + dt.timedelta(days=form.closes_days):
        return "closed"
    return "late" if today > end + dt.timedelta(days=form.due_days) else "open"


def due_date(form: ReportForm, period: str) -> dt.date:
    return periods.bounds(period)[1] + dt.timedelta(days=form.due_days)


# --- Sample points ------------------------------------------------------------------------------


@transaction.atomic
def point_designate(
    *,
    by,
    unit: Unit,
    since: dt.date,
    form_code: str = "burden",
    reporters: list[User] = (),
    note: str = "",
) -> SamplePoint:
    scope.require(by, "monitoring.point:manage")
    if not scope.scope_of(by).covers_path(unit.path):
        raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="unit")
    if unit.kind not in POINT_KINDS:
        raise DomainError(
            "bad_kind", _("只有乡镇（街道）、村（社区）、学校和企业可以设为样本点。"), field="unit"
        )
    county = county_of(unit)
    if county is None:
        raise DomainError("no_county", _("该单位不属于任何县（市、区）。"), field="unit")
    if SamplePoint.objects.filter(unit=unit).exists():
        raise DomainError("duplicate", _("该单位已经是样本点。"), field="unit")
    for user in reporters:
        if user.home_unit_id != unit.pk:
            raise DomainError(
                "bad_reporter", _("填报员须是该单位的账户：%(u)s") % {"u": user}, field="reporters"
            )
    point = SamplePoint.objects.create(
        unit=unit, county=county, kind=unit.kind, form_code=form_code, since=since, note=note
    )
    point.reporters.set(reporters)
    audit.record(
        "jianfu.monitoring.point.designated",
        actor=by,
        obj=point,
        extra={"unit": unit.pk, "reporters": [u.pk for u in reporters]},
    )
    return point


# --- Reports ------------------------------------------------------------------------------------


def _check_reporter(by, point: SamplePoint) -> None:
    if getattr(by, "is_token", False) or not point.reporters.filter(pk=by.pk).exists():
        # The same answer as a point that does not exist: a reporter cannot probe other points.
        raise DomainError("not_found", _("找不到该样本点。"), status=404)


def report_submit(
    *, by, point: SamplePoint, period: str, values: dict, client_key: str, note: str = ""
) -> tuple[Report, ReportVersion, bool]:
    """Submit (or correct) the point's report for a period. Returns (report, version, created);
    `created` is False when this client_key was already stored (a retry or a double tap)."""
    existing = ReportVersion.objects.select_related("report").filter(client_key=client_key).first()
    if existing is not None:
        if existing.report.point_id != point.pk or existing.report.period != period:
            raise DomainError("key_reused", _("提交编号已被另一份填报使用，请刷新页面后重新提交。"))
        return existing.report, existing, False
    _check_reporter(by, point)
    try:
        periods.parse(period)
    except ValueError as e:
        raise DomainError(
            "bad_period", _("不存在的填报周期“%(p)s”。") % {"p": period}, field="period"
        ) from e
    state = period_state(point.form_code, period)
    if state == "future":
        raise DomainError("future", _("周期“%(p)s”尚未开始填报。") % {"p": period}, field="period")
    if state == "closed":
        raise DomainError(
            "closed", _("周期“%(p)s”已关闭，不能再填报或更正。") % {"p": period}, field="period"
        )
    start, end = periods.bounds(period)
    if not point.active_on(start) and not point.active_on(end):
        raise DomainError(
            "inactive", _("该样本点在周期“%(p)s”不在监测期内。") % {"p": period}, field="period"
        )
    form = form_for(point.form_code, start)
    clean, errors = validation.clean(form, period, values)
    if errors:
        raise ReportInvalid(errors)
    try:
        return _store(by, point, period, form, clean, client_key, state == "late", note)
    except IntegrityError:
        # Two requests with the same key raced: the other one stored it.
        existing = ReportVersion.objects.select_related("report").get(client_key=client_key)
        return existing.report, existing, False


@transaction.atomic
def _store(by, point, period, form, values, client_key, late, note):
    now = clock.now()
    report = Report.objects.select_for_update().filter(point=point, period=period).first()
    if report is None:
        report = Report.objects.create(
            point=point,
            period=period,
            form=form,
            values=values,
            reporter=by,
            version=1,
            first_submitted_at=now,
            submitted_at=now,
            late=late,
        )
        code, changes = "jianfu.monitoring.report.submitted", {}
    else:
        changes = audit.diff(report.values, values)
        report.values, report.reporter, report.submitted_at = values, by, now
        report.version += 1
        report.save(update_fields=["values", "reporter", "submitted_at", "version"])
        code = "jianfu.monitoring.report.corrected"
    version = ReportVersion.objects.create(
        report=report,
        version=report.version,
        values=values,
        submitted_by=by,
        submitted_at=now,
        client_key=client_key,
        late=late,
        note=note,
    )
    audit.record(
        code,
        actor=by,
        obj=report,
        changes=changes,
        extra={"version": report.version, "period": period, "late": late},
    )
    return report, version, True


@transaction.atomic
def period_close(*, by, form_code: str, period: str, closed: bool = True) -> PeriodClosure:
    scope.require(by, "monitoring.period:manage")
    periods.parse(period)
    closure, _created = PeriodClosure.objects.update_or_create(
        form_code=form_code, period=period, defaults={"closed": closed, "by": by}
    )
    audit.record(
        "jianfu.monitoring.period.closed" if closed else "jianfu.monitoring.period.reopened",
        actor=by,
        object_type="monitoring.periodclosure",
        object_id=closure.pk,
        extra={"form": form_code, "period": period},
    )
    return closure
