"""Writes of the reports: submitting a report and correcting it, and the office's closing of a
period. A submission is idempotent on the key the device generated; a correction is a new
version; every version is kept. The form in force and a period's state are read here too, since
every submission asks them first."""

import datetime as dt
import functools
import time

from django.db import IntegrityError, connection, connections, transaction
from django.utils.translation import gettext as _

from jianfu.core import audit, clock, inputs, periods, prepared, scope
from jianfu.core.errors import DomainError

from ..models import PeriodClosure, Report, ReportForm, ReportVersion, SamplePoint
from . import validation

audit.describe(
    {
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


# Forms change a few times a year and every submission needs one: each process keeps the versions
# of a form for a minute (a new version is a new row, seen by every process within that minute).
# A new version comes from a data migration (see docs/architecture.md), run by another process;
# whatever writes one in this process calls forget_forms() after the write.
FORMS_CACHE_SECONDS = 60.0
_forms: dict[str, tuple[float, list[ReportForm]]] = {}


def _versions(code: str) -> list[ReportForm]:
    now = time.monotonic()
    cached = _forms.get(code)
    if cached is None or cached[0] <= now:
        versions = list(ReportForm.objects.filter(code=code).order_by("-valid_from", "-version"))
        cached = _forms[code] = (now + FORMS_CACHE_SECONDS, versions)
    return cached[1]


def forget_forms() -> None:
    """Read the forms afresh on the next submission."""
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
    with prepared.cursor() as cursor:
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
        # The audit entry is built before the insert, which also takes the chain's head: nothing
        # of it then runs while the head is locked.
        pending = audit.pending(
            "jianfu.monitoring.report.submitted",
            actor=by,
            object_type=Report._meta.label_lower,
            extra={"version": 1, "period": period, "late": late},
        )
        # Another first report stored meanwhile fails the (point, period) constraint here, and
        # report_submit stores this one again as its correction.
        head = _insert_first(report, version)
        pending.entry.object_id = str(report.pk)
        # The transaction's last statement: sent with its COMMIT.
        pending.append(head=head, last=True)
    else:
        changes = audit.diff(report.values, values)
        report.values, report.reporter, report.submitted_at = values, by, now
        report.version += 1
        report.save(update_fields=["values", "reporter", "submitted_at", "version"])
        version.report, version.version = report, report.version
        version.save(force_insert=True)
        audit.record(
            "jianfu.monitoring.report.corrected",
            actor=by,
            obj=report,
            changes=changes,
            extra={"version": report.version, "period": period, "late": late},
            last=True,
        )
    return report, version, True


def _insert_first(report: Report, version: ReportVersion) -> tuple[int, str] | None:
    """Store a period's first report and its first version: one round trip on PostgreSQL (a
    data-modifying CTE, which also locks and reads the audit chain's head for the entry that
    follows: returned), two plain statements elsewhere (None). This is the month-end burst's
    write, and building two ORM inserts cost more than running them. The values still go through
    each field's own database conversion."""
    r_fields, v_fields, both, insert_report, insert_version = _first_statements(connection.alias)
    r_params = [f.get_db_prep_save(getattr(report, f.attname), connection) for f in r_fields]
    v_params = [f.get_db_prep_save(getattr(version, f.attname), connection) for f in v_fields]
    head = None
    # The transaction's first statement: sent with its BEGIN where it can be.
    row = prepared.begin_with(both, r_params + v_params) if both else None
    if row is None:
        with prepared.cursor() as cursor:
            if both:
                cursor.execute(both, r_params + v_params)
                row = cursor.fetchone()
            else:
                cursor.execute(insert_report, r_params)
                report.pk = cursor.fetchone()[0]
                cursor.execute(insert_version, [report.pk, *v_params])
                version.pk = cursor.fetchone()[0]
    if row is not None:
        report.pk, version.pk, *head = row
        # No head row (never, after the migrations): record() locks it itself.
        head = tuple(head) if head[0] is not None else None
    version.report = report
    report._state.adding = version._state.adding = False
    return head


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
            f"WITH r AS ({insert_report}), v AS (INSERT INTO {v_table} (report_id, {v_columns})"  # noqa: S608
            f" VALUES ((SELECT id FROM r), {v_marks}) RETURNING report_id, id)"
            f" SELECT v.report_id, v.id, h.seq, h.hash FROM v"
            f" LEFT JOIN LATERAL ({audit.HEAD_LOCK_SQL}) h ON true"
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
