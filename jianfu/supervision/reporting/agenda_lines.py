"""The coordination meeting's lines from information reporting (信息报送滞后单位): units still
silent after a reporting deadline — an open signal of the `reporting_silent` rule — with the
quarter's figures beside each, worst first (most misses in the year)."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.queries import signals_for

from .. import agenda
from . import queries
from .rule import CODE
from .services import VIEW

MAX_LINES = 20


def _figure(signal: Signal, key: str):
    return next((f["value"] for f in signal.evidence.get("figures", []) if f["key"] == key), None)


def lagging(principal, as_of: dt.date, meeting=None) -> list[agenda.Line]:
    signals = list(
        signals_for(principal)
        .filter(rule=CODE, status=SignalStatus.OPEN)
        .select_related("unit")
        .order_by("-severity", "unit__path", "pk")
    )
    if not signals:
        return []
    _key, start, end = queries.period_bounds(None, as_of)
    rows = {r.unit_id: r for r in queries.figures(principal, start, end)}
    by_unit: dict[int, list[Signal]] = {}
    for s in signals:
        by_unit.setdefault(s.unit_id, []).append(s)
    order = sorted(
        by_unit.values(),
        key=lambda ss: (-max(_figure(s, "misses_in_year") or 1 for s in ss), ss[0].unit.path),
    )
    out = []
    for ss in order[:MAX_LINES]:
        unit, first = ss[0].unit, ss[0]
        row = rows.get(unit.pk)
        out.append(
            agenda.Line(
                text=_("%(unit)s未按期报送信息：%(what)s（截止 %(deadline)s，已催报）")
                % {
                    "unit": unit.name,
                    "what": _figure(first, "requirement") or "",
                    "deadline": _figure(first, "reporting_deadline") or "",
                },
                source_kind="supervision.reporting_unit",
                source_id=unit.pk,
                figures=[
                    (_("未按期报送"), len(ss)),
                    (_("本年未报次数"), max(_figure(s, "misses_in_year") or 1 for s in ss)),
                    (_("本季度报送"), row.submitted if row else 0),
                    (_("本季度采用"), row.adopted_total if row else 0),
                    (_("本季度得分"), row.points if row else 0),
                ],
                link=reverse("signal_detail", args=[first.pk]),
                unit_id=unit.pk,
            )
        )
    return out


SOURCE = agenda.Source("reporting", gettext_lazy("信息报送滞后单位"), 25, lagging, perm=VIEW)
