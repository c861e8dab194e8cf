"""The monitoring app's home-page cards and the reporter's panel: the office's sample points
missing this period's report, a leader's reporting rate, and — at the top of a reporter's home —
the reminders addressed to them with the report to fill as the one big button."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from .points import queries


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


def register() -> None:
    from .reports import views as report_views

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
        report_views.home_panel,
        perms=[report_views.SUBMIT],
        order=10,
    )
