"""Writes of the monitoring app: designating sample points and their reporters, and submitting a
report. A submission is idempotent on the key the device generated; a correction is a new
version; every version is kept."""

import datetime as dt
import functools
import time

from django.db import IntegrityError, connection, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from jianfu.core import audit, clock, inputs, periods, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind, User

from ..models import PeriodClosure, Report, ReportForm, ReportVersion, SamplePoint
from ..reports import validation

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


# Forms change a few times a year and every submission needs one: each process keeps the versions
# of a form for a minute (a new version is a new row, seen by every process within that minute;
# this process forgets at once, see _forget_forms).
FORMS_CACHE_SECONDS = 60.0
_forms: dict[str, tuple[float, list[ReportForm]]] = {}


def _versions(code: str) -> list[ReportForm]:
    now = time.monotonic()
    cached = _forms.get(code)
    if cached is None or cached[0] <= now:
        versions = list(ReportForm.objects.filter(code=code).order_by("-valid_from", "-version"))
        cached = _forms[code] = (now + FORMS_CACHE_SECONDS, versions)
    return cached[1]


@receiver([post_save, post_delete], sender=ReportForm)
def _forget_forms(sender, **kwargs) -> None:
    _forms.clear()


def form_for(code: str, day: dt.date) -> ReportForm:
    """The version of the form in force on a day (the newest that had started)."""
    form = next((f for f in _versions(code) if f.valid_from <= day), None)
    if form is None:
        raise DomainError("no_form", _("没有适用于该周期的填报表单。"), status=404)
    return form


# --- Periods ------------------------------------------------------------------------------------


def period_state(form_code: str, period: str, today: dt.date | None = None) -> str:
    """ "future", "open", "late" (after the due day, still accepted) or "closed"."""
    start, _end = periods.bounds(period)
    return _state(form_for(form_code, start), period, today or clock.today())


_UNASKED = object()


def _state(form: ReportForm, period: str, today: dt.date, closed=_UNASKED) -> str:
    """period_state for the form already found; `closed` is the office's closure of the period
    when the caller has read it (True closed, False reopened, None neither)."""
    _start, end = periods.bounds(period)
    if closed is _UNASKED:
        closed = (
            PeriodClosure.objects.filter(form_code=form.code, period=period)
            .values_list("closed", flat=True)
            .first()
        )
    if closed:
        return "closed"
    if today <= end:
        # The current period opens in its last week, so a month can be reported as it ends.
        return "open" if today >= end - dt.timedelta(days=6) else "future"
    if closed is None and today > end + dt.timedelta(days=form.closes_days):
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
    _plausible(since, _("设立日期"), "since")
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


def _first_look(by, point: SamplePoint | int, period: str, client_key: str):
    """What every submission asks first, in one round trip: the point (when only its id is
    known), is this key stored already, does this account report for the point, the office's
    closure of the period — True closed, False reopened, None neither —, is there a report to
    correct. Plain SQL: at the month-end burst this is the busiest read, and building five ORM
    queries costs more than running them. Returns None when the point does not exist."""
    point_id = point if isinstance(point, int) else point.pk
    # Table names come from the models, never from input.
    sql = (
        "SELECT p.form_code, p.since, p.until,"  # noqa: S608
        f" EXISTS(SELECT 1 FROM {ReportVersion._meta.db_table} WHERE client_key = %s),"
        f" EXISTS(SELECT 1 FROM {SamplePoint.reporters.through._meta.db_table}"
        " WHERE samplepoint_id = p.id AND user_id = %s),"
        f" (SELECT closed FROM {PeriodClosure._meta.db_table}"
        " WHERE form_code = p.form_code AND period = %s),"
        f" EXISTS(SELECT 1 FROM {Report._meta.db_table} WHERE point_id = p.id AND period = %s)"
        f" FROM {SamplePoint._meta.db_table} p WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_key, by.pk, period, period, point_id])
        row = cursor.fetchone()
    if row is None:
        return None
    form_code, since, until, stored, listed, closed, reported = row
    if isinstance(point, int):
        point = SamplePoint(
            pk=point_id, form_code=form_code, since=_date(since), until=_date(until)
        )
    closed = None if closed is None else bool(closed)
    return point, bool(stored), bool(listed), closed, bool(reported)


def _date(value):
    # SQLite hands dates back as text from plain SQL.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def report_submit(
    *, by, point: SamplePoint | int, period: str, values: dict, client_key: str, note: str = ""
) -> tuple[Report, ReportVersion, bool]:
    """Submit (or correct) the point's report for a period. Returns (report, version, created);
    `created` is False when this client_key was already stored (a retry or a double tap)."""
    for field, text, label in (
        ("period", period, _("周期")),
        ("client_key", client_key, "client_key"),
        ("note", note, _("更正说明")),
    ):
        problem = inputs.text_problem(text or "", label, multiline=field == "note")
        if problem:
            raise DomainError("bad_text", problem, field=field)
    look = _first_look(by, point, period, client_key)
    if look is None:
        raise DomainError("not_found", _("找不到该样本点。"), status=404)
    point, stored, listed, closed, reported = look
    if stored:  # a retry or a double tap
        existing = ReportVersion.objects.select_related("report").get(client_key=client_key)
        if existing.report.point_id != point.pk or existing.report.period != period:
            raise DomainError("key_reused", _("提交编号已被另一份填报使用，请刷新页面后重新提交。"))
        return existing.report, existing, False
    if getattr(by, "is_token", False) or not listed:
        # The same answer as a point that does not exist: a reporter cannot probe other points.
        raise DomainError("not_found", _("找不到该样本点。"), status=404)
    try:
        periods.parse(period)
    except ValueError as e:
        raise DomainError(
            "bad_period", _("不存在的填报周期“%(p)s”。") % {"p": period}, field="period"
        ) from e
    start, end = periods.bounds(period)
    form = form_for(point.form_code, start)
    state = _state(form, period, clock.today(), closed)
    if state == "future":
        raise DomainError("future", _("周期“%(p)s”尚未开始填报。") % {"p": period}, field="period")
    if state == "closed":
        raise DomainError(
            "closed", _("周期“%(p)s”已关闭，不能再填报或更正。") % {"p": period}, field="period"
        )
    if not point.active_on(start) and not point.active_on(end):
        raise DomainError(
            "inactive", _("该样本点在周期“%(p)s”不在监测期内。") % {"p": period}, field="period"
        )
    clean, errors = validation.clean(form, period, values)
    if errors:
        raise ReportInvalid(errors)
    try:
        return _store(by, point, period, form, clean, client_key, state == "late", note, reported)
    except IntegrityError:
        existing = ReportVersion.objects.select_related("report").filter(client_key=client_key)
        if existing := existing.first():
            # Two requests with the same key raced: the other one stored it.
            return existing.report, existing, False
        # Two keys stored the period's first report at once: this one corrects the other's.
        return _store(by, point, period, form, clean, client_key, state == "late", note)


@transaction.atomic
def _store(by, point, period, form, values, client_key, late, note, reported=None):
    now = clock.now()
    report = None
    if reported is not False:  # a report to correct (or not known): lock it
        report = Report.objects.select_for_update().filter(point=point, period=period).first()
    version = ReportVersion(
        version=1,
        values=values,
        submitted_by=by,
        submitted_at=now,
        client_key=client_key,
        late=late,
        note=note,
    )
    if report is None:
        report = Report(
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
        # Another first report stored meanwhile fails the (point, period) constraint here, and
        # report_submit stores this one again as its correction.
        _insert_first(report, version)
        code, changes = "jianfu.monitoring.report.submitted", {}
    else:
        changes = audit.diff(report.values, values)
        report.values, report.reporter, report.submitted_at = values, by, now
        report.version += 1
        report.save(update_fields=["values", "reporter", "submitted_at", "version"])
        code = "jianfu.monitoring.report.corrected"
        version.report, version.version = report, report.version
        version.save(force_insert=True)
    audit.record(
        code,
        actor=by,
        obj=report,
        changes=changes,
        extra={"version": report.version, "period": period, "late": late},
    )
    return report, version, True


def _insert_first(report: Report, version: ReportVersion) -> None:
    """Store a period's first report and its first version: one round trip on PostgreSQL (a
    data-modifying CTE), two plain statements elsewhere. This is the month-end burst's write, and
    building two ORM inserts cost more than running them. The values still go through each
    field's own database conversion."""
    r_fields, v_fields, both, insert_report, insert_version = _first_statements(connection.alias)
    r_params = [f.get_db_prep_save(getattr(report, f.attname), connection) for f in r_fields]
    v_params = [f.get_db_prep_save(getattr(version, f.attname), connection) for f in v_fields]
    with connection.cursor() as cursor:
        if both:
            cursor.execute(both, r_params + v_params)
            report.pk, version.pk = cursor.fetchone()
        else:
            cursor.execute(insert_report, r_params)
            report.pk = cursor.fetchone()[0]
            cursor.execute(insert_version, [report.pk, *v_params])
            version.pk = cursor.fetchone()[0]
    version.report = report
    report._state.adding = version._state.adding = False


@functools.cache
def _first_statements(alias: str) -> tuple[list, list, str | None, str, str]:
    """_insert_first's fields and statements, built once per process (names from the models)."""
    ops = connections[alias].ops

    def parts(model, skip):
        fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
        columns = ", ".join(ops.quote_name(f.column) for f in fields)
        return fields, columns, ", ".join(["%s"] * len(fields))

    r_table, v_table = Report._meta.db_table, ReportVersion._meta.db_table
    r_fields, r_columns, r_marks = parts(Report, {"id"})
    v_fields, v_columns, v_marks = parts(ReportVersion, {"id", "report_id"})
    insert_report = f"INSERT INTO {r_table} ({r_columns}) VALUES ({r_marks}) RETURNING id"  # noqa: S608
    insert_version = (
        f"INSERT INTO {v_table} (report_id, {v_columns}) VALUES (%s, {v_marks}) RETURNING id"  # noqa: S608
    )
    both = None
    if connections[alias].vendor == "postgresql":
        both = (
            f"WITH r AS ({insert_report}) INSERT INTO {v_table} (report_id, {v_columns})"  # noqa: S608
            f" VALUES ((SELECT id FROM r), {v_marks}) RETURNING report_id, id"
        )
    return r_fields, v_fields, both, insert_report, insert_version


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


# --- Sample points: changes, reporters, reminders ----------------------------------------------

from django.db.models import Exists, OuterRef, Q  # noqa: E402

from ..models import Reminder  # noqa: E402

audit.describe(
    {
        "jianfu.monitoring.point.reopened": _("恢复监测样本点"),
        "jianfu.monitoring.reminder.sent": _("发送填报提醒"),
    }
)

REMINDER_KINDS = ("before_due", "overdue", "manual")


def _require_point(by, point: SamplePoint) -> None:
    scope.require(by, "monitoring.point:manage")
    if not scope.scope_of(by).covers_path(point.unit.path):
        raise DomainError("not_found", _("找不到该样本点。"), status=404)


def _active_in(since: dt.date, until: dt.date | None, period: str) -> bool:
    """The rule report_submit applies: the point is in monitoring on the period's first or last
    day."""
    start, end = periods.bounds(period)
    return any(since <= day and (until is None or day <= until) for day in (start, end))


def _check_reporters(unit: Unit, reporters: list[User]) -> None:
    """Reporters are active accounts of the point's own unit holding the reporter role (the
    system administrator creates them, the security administrator grants the role)."""
    from jianfu.core.permissions import Role

    eligible = set(
        User.objects.filter(
            pk__in=[u.pk for u in reporters],
            home_unit=unit,
            is_active=True,
            role_grants__role=Role.REPORTER,
        ).values_list("pk", flat=True)
    )
    for user in reporters:
        if user.pk in eligible:
            continue
        if user.home_unit_id != unit.pk:
            message = _("填报员须是该单位的账户：%(u)s") % {"u": user}
        elif not user.is_active:
            message = _("账户“%(u)s”已停用，不能担任填报员。") % {"u": user}
        else:
            message = _("账户“%(u)s”没有“样本点填报员”角色，须由安全管理员授予。") % {"u": user}
        raise DomainError("bad_reporter", message, field="reporters")


def _reported_span(point: SamplePoint) -> tuple[str | None, str | None]:
    first_last = Report.objects.filter(point=point).order_by("period").values_list("period")
    first = first_last.first()
    last = first_last.last()
    return (first[0] if first else None, last[0] if last else None)


def _plausible(day: dt.date | None, label: str, field: str, before: dt.date | None = None) -> None:
    """A point's dates within the plausible range (core.inputs); a date left as it was passes."""
    if day is None or day == before:
        return
    problem = inputs.date_problem(day, label)
    if problem:
        raise DomainError("implausible_date", problem, field=field)


def _check_dates(point: SamplePoint, since: dt.date, until: dt.date | None) -> None:
    """Dates may not leave a stored report outside the point's monitoring: the figures count a
    report only where the point was expected to report."""
    if until is not None and until < since:
        raise DomainError("bad_dates", _("撤销日期不能早于设立日期。"), field="until")
    first, last = _reported_span(point)
    for period in {p for p in (first, last) if p}:
        if not _active_in(since, until, period):
            field = "since" if period == first and not _active_in(since, None, period) else "until"
            raise DomainError(
                "has_reports",
                _("该样本点已有 %(p)s 的填报，所改日期会使这份填报落在监测期之外。")
                % {"p": period},
                field=field,
            )


def _set_reporters(point: SamplePoint, reporters) -> list | None:
    """Set the reporters; [before, after] ids when they changed."""
    reporters = list(reporters)
    _check_reporters(point.unit, reporters)
    before = sorted(point.reporters.values_list("pk", flat=True))
    after = sorted(u.pk for u in reporters)
    if before == after:
        return None
    point.reporters.set(reporters)
    return [before, after]


@transaction.atomic
def point_update(
    *, by, point: SamplePoint, since: dt.date, note: str = "", reporters=None
) -> SamplePoint:
    """Change a point's start date, note and (when given) its reporters."""
    _require_point(by, point)
    point = SamplePoint.objects.select_for_update().select_related("unit").get(pk=point.pk)
    _plausible(since, _("设立日期"), "since", point.since)
    _check_dates(point, since, point.until)
    before = audit.snapshot(point, ["since", "note"])
    point.since, point.note = since, note
    changes = audit.diff(before, audit.snapshot(point, ["since", "note"]))
    if changes:
        point.save(update_fields=["since", "note"])
    if reporters is not None and (change := _set_reporters(point, reporters)):
        changes["reporters"] = change
    if changes:
        audit.record("jianfu.monitoring.point.updated", actor=by, obj=point, changes=changes)
    return point


@transaction.atomic
def reporters_set(*, by, point: SamplePoint, reporters) -> SamplePoint:
    _require_point(by, point)
    if change := _set_reporters(point, reporters):
        audit.record(
            "jianfu.monitoring.point.updated",
            actor=by,
            obj=point,
            changes={"reporters": change},
        )
    return point


@transaction.atomic
def point_close(*, by, point: SamplePoint, until: dt.date | None) -> SamplePoint:
    """End a point's monitoring on `until` (its reports stay); None resumes it."""
    _require_point(by, point)
    point = SamplePoint.objects.select_for_update().select_related("unit").get(pk=point.pk)
    _plausible(until, _("撤销日期"), "until", point.until)
    _check_dates(point, point.since, until)
    before = point.until
    if before == until:
        return point
    point.until = until
    point.save(update_fields=["until"])
    audit.record(
        "jianfu.monitoring.point.closed" if until else "jianfu.monitoring.point.reopened",
        actor=by,
        obj=point,
        changes={"until": [before, until]},
    )
    return point


def reminders_send(
    *,
    by,
    form_code: str,
    period: str,
    kind: str = "manual",
    point_ids: list[int] | None = None,
) -> dict:
    """Remind the reporters of the points (in `by`'s scope; all when `by` is None, the daily job)
    whose report for the period is missing; points without reporters are left out. A point gets
    one reminder of each kind per period: the daily job never nags twice; the office's manual
    reminder, sent again, comes back unread. In-app only (the reporter's home page); no SMS."""
    from . import queries

    if kind not in REMINDER_KINDS:
        raise ValueError(kind)
    try:
        periods.parse(period)
    except ValueError as e:
        raise DomainError(
            "bad_period", _("不存在的填报周期“%(p)s”。") % {"p": period}, field="period"
        ) from e
    points = SamplePoint.objects.filter(form_code=form_code)
    if by is not None:
        points = scope.visible(points, by, perm="monitoring.point:manage")
    if point_ids is not None:
        points = points.filter(pk__in=point_ids)
    # A point without reporters has nobody to remind (the missing list says so instead).
    points = points.filter(
        Exists(SamplePoint.reporters.through.objects.filter(samplepoint_id=OuterRef("pk")))
    )
    missing = set(queries.missing_points(points, period).values_list("pk", flat=True))
    if not missing:
        return {"created": 0, "renewed": 0}
    now = clock.now()
    with transaction.atomic():
        existing = set(
            Reminder.objects.filter(period=period, kind=kind, point_id__in=missing).values_list(
                "point_id", flat=True
            )
        )
        new = sorted(missing - existing)
        Reminder.objects.bulk_create(
            [Reminder(point_id=pk, period=period, kind=kind, sent_at=now) for pk in new],
            ignore_conflicts=True,  # a concurrent run made the same reminder: one stays
        )
        renewed = 0
        if kind == "manual" and existing:
            renewed = Reminder.objects.filter(
                period=period, kind=kind, point_id__in=existing
            ).update(sent_at=now, read_at=None)
        if new or renewed:
            audit.record(
                "jianfu.monitoring.reminder.sent",
                actor=by,
                object_type="monitoring.reminder",
                extra={
                    "form": form_code,
                    "period": period,
                    "kind": kind,
                    "points": new + sorted(existing if renewed else []),
                },
            )
    return {"created": len(new), "renewed": renewed}


def reminders_due(today: dt.date | None = None) -> list[dict]:
    """The daily job: for the last two periods that have ended, remind the points still missing
    their report — `before_due` from N days before the due day (a runtime setting), `overdue`
    after it, until the period closes."""
    from . import queries

    today = today or clock.today()
    days_before = queries.reminder_days_before_due()
    done = []
    codes = (
        SamplePoint.objects.filter(Q(until__isnull=True) | Q(until__gte=today - dt.timedelta(93)))
        .order_by()
        .values_list("form_code", flat=True)
        .distinct()
    )
    for code in codes:
        form = form_for(code, today)
        last = periods.shift(periods.key_of(today, form.period_type), -1)
        for period in (periods.shift(last, -1), last):
            state = period_state(code, period, today)
            if state in ("closed", "future"):
                continue
            due = due_date(form_for(code, periods.bounds(period)[0]), period)
            if today > due:
                kind = "overdue"
            elif today >= due - dt.timedelta(days=days_before):
                kind = "before_due"
            else:
                continue
            sent = reminders_send(by=None, form_code=code, period=period, kind=kind)
            done.append({"form": code, "period": period, "kind": kind, **sent})
    return done


def reminders_read(*, by, ids: list[int] | None = None) -> int:
    """A reporter marks their reminders read (all of them when ids is None). A notice's read
    state is not business data: not audited."""
    qs = Reminder.objects.filter(point__reporters=by, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return Reminder.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        read_at=clock.now()
    )
