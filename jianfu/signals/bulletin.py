"""The signals' bulletin sections: the signals confirmed in the period — indicators rising year on
year and gaming of the quotas (rules of group "quota"), and truthfulness problems of the sample
points' reports (groups "truth" and "felt", internal only). Each line is the signal's own
headline, linked to the signal page."""

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import bulletin_sections as bs

from .display import headline, rule_label, shown
from .models import SignalStatus
from .queries import signals_for
from .rules import RULES

QUOTA_GROUPS = ("quota",)
TRUTH_GROUPS = ("truth", "felt")


def confirmed(ctx: bs.Context, groups: tuple[str, ...]):
    """The signals of `groups` confirmed in the period, in the principal's scope (the inbox's
    "已确认" filter, narrowed to the period's decision dates)."""
    codes = [c for c, r in RULES.items() if r.group in groups]
    return (
        signals_for(ctx.principal)
        .filter(
            status=SignalStatus.CONFIRMED,
            rule__in=codes,
            decided_at__date__gte=ctx.start,
            decided_at__date__lte=ctx.end,
        )
        .select_related("unit")
        .order_by("-severity", "unit__path", "rule", "pk")
    )


def _part(ctx: bs.Context, groups: tuple[str, ...], public: bool) -> bs.Part:
    signals = list(confirmed(ctx, groups))
    by_rule = Counter(s.rule for s in signals)
    part = bs.Part(
        url=reverse("signal_list") + "?status=confirmed",
        figures=[bs.figure(_("本期确认"), len(signals))]
        + [bs.figure(rule_label(code), n) for code, n in sorted(by_rule.items())],
    )
    for s in signals:
        text = headline(s, shown(s)[0]) or rule_label(s.rule)
        name = s.unit.short_name or s.unit.name
        part.lines.append(
            bs.line(
                _("%(unit)s：%(what)s（%(period)s）。")
                % {"unit": name, "what": text, "period": s.period},
                reverse("signal_detail", args=[s.pk]),
                public=public,
                unit=s.unit_id,
            )
        )
    units = Counter(s.unit.short_name or s.unit.name for s in signals)
    if units:
        top = units.most_common(10)
        part.chart = {
            "title": _("确认信号较多的单位"),
            "labels": [u for u, _n in top],
            "values": [n for _u, n in top],
            "mark": None,
            "unit": "",
        }
    return part


def build_quota(ctx: bs.Context) -> bs.Part:
    return _part(ctx, QUOTA_GROUPS, public=True)


def build_truth(ctx: bs.Context) -> bs.Part:
    return _part(ctx, TRUTH_GROUPS, public=False)


def register() -> None:
    bs.register(
        bs.Section("signals", gettext_lazy("指标反弹和变相规避问题（已确认）"), 20, build_quota)
    )
    bs.register(
        bs.Section(
            "truth", gettext_lazy("样本点填报真实性问题（已确认）"), 40, build_truth, public=False
        )
    )
