"""The month's reports as they arrive, on the system administrator's status page (core.operations):
how many came in the last quarter hour, hour and day, and how far the period being reported is.
Counts only, never what a report says; three queries."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jianfu.core import operations, periods

from .models import ReportVersion, SamplePoint
from .points import queries


def section(now: dt.datetime) -> operations.Section:
    counts = ReportVersion.scoped.filter(submitted_at__gte=now - dt.timedelta(hours=24)).aggregate(
        quarter=Count("pk", filter=Q(submitted_at__gte=now - dt.timedelta(minutes=15))),
        hour=Count("pk", filter=Q(submitted_at__gte=now - dt.timedelta(hours=1))),
        day=Count("pk"),
    )
    forms = queries.Forms()
    code = queries.default_form_code(forms)
    period = queries.last_ended(forms, code, timezone.localdate(now))
    points = SamplePoint.scoped.filter(form_code=code)
    total = points.filter(queries.active_q(period)).count()
    reported = total - queries.missing_points(points, period).count()
    due = forms.due(code, period)
    return operations.Section(
        _("样本点填报"),
        [
            operations.Figure(_("最近 15 分钟提交"), str(counts["quarter"])),
            operations.Figure(_("最近 1 小时提交"), str(counts["hour"])),
            operations.Figure(_("最近 24 小时提交"), str(counts["day"])),
            operations.Figure(
                _("%(p)s已提交") % {"p": periods.label(period)},
                _("%(n)s / %(total)s 个样本点") % {"n": reported, "total": total},
                _("%(d)s 截止") % {"d": due.isoformat()} if due else "",
            ),
        ],
    )
