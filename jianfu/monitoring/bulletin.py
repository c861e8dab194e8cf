"""The sample points' bulletin section: reporting rates by county for the period's reporting
periods, as the completeness page shows them (monitoring/points/queries.completeness), the
counties below full reporting named."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock, periods

from .points import queries


def period_keys(forms: queries.Forms, code: str, ctx: bs.Context) -> list[str]:
    """The reporting periods of the bulletin's period whose due day has passed: a period still
    being filled is not judged (the completeness page's rule, queries.last_counted)."""
    ptype = forms.period_type(code, ctx.end)
    keys = periods.between(periods.key_of(ctx.start, ptype), periods.key_of(ctx.end, ptype))
    last = queries.last_counted(forms, code, clock.today(), queries.closures(code))
    return [k for k in keys if k <= last]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def build(ctx: bs.Context) -> bs.Part:
    forms = queries.Forms()
    code = queries.default_form_code(forms)
    keys = period_keys(forms, code, ctx)
    if not keys:
        return bs.Part(note=_("本期样本点填报尚未到截止日期，下期通报。"))
    c = queries.completeness(ctx.principal, form_code=code, period_keys=keys)
    part = bs.Part(
        figures=[
            bs.figure(_("应报"), c.total.expected),
            bs.figure(_("实报"), c.total.received),
            bs.figure(_("报送率"), _pct(c.total.completeness)),
            bs.figure(_("按时报送率"), _pct(c.total.timeliness)),
        ],
        note=_("样本点按期填报情况（%(periods)s）。") % {"periods": "、".join(keys)},
    )
    url = reverse("completeness") + "?" + urlencode({"form": code, "last": keys[-1], "n": 12})
    part.url = url
    rows = sorted(
        (r for r in c.by_county if r.total.expected), key=lambda r: r.total.completeness or 0
    )
    for r in rows:
        t = r.total
        if t.received >= t.expected and t.on_time >= t.expected:
            continue
        part.lines.append(
            bs.line(
                _(
                    "%(unit)s样本点应报%(expected)s份、实报%(received)s份，报送率%(rate)s，"
                    "按时报送率%(on_time)s。"
                )
                % {
                    "unit": r.label,
                    "expected": t.expected,
                    "received": t.received,
                    "rate": _pct(t.completeness),
                    "on_time": _pct(t.timeliness),
                },
                url,
                unit=r.key if isinstance(r.key, int) else None,
            )
        )
    if rows:
        part.chart = {
            "title": _("各县（市、区）样本点报送率"),
            "labels": [r.label for r in rows][:15],
            "values": [round(r.total.completeness or 0, 1) for r in rows][:15],
            "mark": None,
            "unit": "%",
        }
    if not c.total.expected:
        part.figures = []
    return part


def register() -> None:
    bs.register(bs.Section("monitoring", gettext_lazy("基层样本点填报情况"), 30, build))
