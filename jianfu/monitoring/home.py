"""The monitoring app's home-page cards and the reporter's panel: the office's sample points
missing this period's report, a leader's reporting rate, and — at the top of a reporter's home —
the reminders addressed to them with the report to fill as the one big button."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from .points import queries
from .reports import views as report_views


def _completeness_url(form_code: str, **params) -> str:
    if form_code != "burden":
        params = {"form": form_code, **params}
    return reverse("completeness") + ("?" + urlencode(params) if params else "")


def missing(user, today) -> list[home.Card]:
    m = queries.missing_now(user, today)
    if m.due is None:
        note, tone = "", "normal"
    elif today > m.due:
        note = _("%(p)s 已过截止日 %(d)s") % {"p": m.period, "d": m.due.isoformat()}
        tone = "urgent"
    else:
        note = _("%(p)s 截止 %(d)s") % {"p": m.period, "d": m.due.isoformat()}
        tone = "warning"
    return [
        home.Card(
            _("本期未报的样本点"),
            _completeness_url(m.form_code, missing=m.period) + "#missing",
            count=m.missing,
            note=note,
            tone=tone,
            icon="clipboard-data",
        )
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def glance(user, today) -> list[home.Card]:
    code, period, f = queries.rate_now(user, today)
    alert_c, alert_t = queries.alert_lines()
    low = f.completeness is not None and f.completeness < alert_c
    url = _completeness_url(code)
    return [
        home.Card(
            _("样本点报送率"),
            url,
            value=_pct(f.completeness),
            note=_("%(p)s 完整率") % {"p": period},
            tone="urgent" if low else "calm",
            parts=(
                home.Part(
                    _("及时率"),
                    _pct(f.timeliness),
                    url,
                    "warning" if f.timeliness is not None and f.timeliness < alert_t else "normal",
                ),
                home.Part(_("应报 / 已报"), f"{f.expected} / {f.received}", url),
                home.Part(
                    _("缺报"),
                    f.missing,
                    _completeness_url(code, missing=period) + "#missing",
                    "urgent" if f.missing else "normal",
                ),
            ),
            icon="clipboard-data",
        )
    ]


def home_panel(request) -> dict | None:
    """What the top of a reporter's home shows: the reminders addressed to them, and the most
    pressing report as the one big button. Opening the report from it (or dismissing a reminder)
    marks the reminders of that period read, in the same tap: the button posts to reminder_read,
    which goes on to the form."""
    user = request.user
    points = report_views.my_points(user)
    if not points:
        return None
    rows = [r for p in points for r in report_views.period_rows(p)]
    urgent = report_views.most_urgent(rows)
    fillable = {(r.point.pk, r.period): r for r in rows if r.can_fill and r.report is None}
    reminders = [
        {
            "item": item,
            "label": report_views.safe_label(item.period),
            "row": fillable.get((item.point_id, item.period)),
        }
        for item in queries.reminders_for(user)
    ]
    urgent_ids = [
        i
        for r in reminders
        if urgent and (r["item"].point_id, r["item"].period) == (urgent.point.pk, urgent.period)
        for i in r["item"].ids
    ]
    return {
        "urgent": urgent,
        "urgent_ids": urgent_ids,
        "waiting": sum(1 for r in rows if r.status in ("due", "overdue")),
        "points": points,
        "reminders": reminders,
    }


def register() -> None:
    home.register(
        "monitoring.missing",
        missing,
        roles=[Role.OFFICE],
        perms=["monitoring.point:manage"],
        order=40,
    )
    home.register(
        "monitoring.glance",
        glance,
        section=home.GLANCE,
        roles=[Role.LEADER],
        perms=["monitoring.point:view"],
        order=40,
    )
    home.register_panel(
        "monitoring.report",
        "monitoring/home_report_panel.html",
        home_panel,
        perms=[report_views.SUBMIT],
        order=10,
    )
