"""Writes of the sample points: designating a point and its reporters, changing and closing it,
and reminding the reporters of a missing report."""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jianfu.core import audit, clock, inputs, periods, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind, User

from ..models import Reminder, Report, SamplePoint
from ..reports.services import due_date, form_for, period_state

POINT_KINDS = {UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE}

audit.describe(
    {
        "jianfu.monitoring.point.designated": _("设立监测样本点"),
        "jianfu.monitoring.point.updated": _("修改监测样本点"),
        "jianfu.monitoring.point.closed": _("撤销监测样本点"),
        "jianfu.monitoring.point.reopened": _("恢复监测样本点"),
        "jianfu.monitoring.reminder.sent": _("发送填报提醒"),
    }
)


def county_of(unit: Unit) -> Unit | None:
    paths = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth + 1)]
    return Unit.objects.filter(path__in=paths, kind=UnitKind.COUNTY).order_by("-depth").first()


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
            _notify(form_code, period, kind, new + sorted(existing if renewed else []), now)
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


REMINDER_SUBJECTS = {
    "before_due": _lazy("请按时填报%(point)s%(period)s的监测情况"),
    "overdue": _lazy("%(point)s%(period)s的监测情况已逾期未报"),
    "manual": _lazy("市委办提醒：请填报%(point)s%(period)s的监测情况"),
}


def _notify(form_code: str, period: str, kind: str, point_ids: list[int], now) -> None:
    """The reminders reach the reporters through the notifications too: their inbox, and email or
    the unit's group robot where those are set. Once per point, period and kind (the office's
    manual reminder once a day)."""
    from django.urls import reverse

    from jianfu import notify

    due = due_date(form_for(form_code, periods.bounds(period)[0]), period)
    suffix = f":{timezone.localdate(now).isoformat()}" if kind == "manual" else ""
    items = []
    for point in (
        SamplePoint.objects.filter(pk__in=point_ids)
        .select_related("unit")
        .prefetch_related("reporters__home_unit")
    ):
        names = {"point": point.unit.name, "period": periods.label(period)}
        items.append(
            notify.item(
                key=f"monitoring.reminder:{point.pk}:{period}:{kind}{suffix}",
                recipients=list(point.reporters.all()),
                subject=REMINDER_SUBJECTS[kind] % names,
                body=_("填报截止日期：%(due)s。请登录平台填报本期监测情况。")
                % {"due": due.isoformat()},
                link=reverse("report_fill", args=[point.pk, period]),
            )
        )
    notify.send_many("monitoring.reminder", items)


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
