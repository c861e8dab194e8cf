"""Where a signal's evidence can be opened: the registry's list filtered to exactly the records
behind it (the unit alone, the category, the kinds, the months compared), and the sample-point
reports it compared. Each rule says which; the lists' own filters do the selecting, so what the
link shows is what the list would show anyone who asked for the same thing.

A link is offered only to a reader who may open that list (registry.record:view,
monitoring.report:view).
"""

import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import periods as period_keys
from jianfu.core import scope
from jianfu.registry import kinds

from .models import Signal
from .rules.base import CATEGORY_LABELS

# A quota category's registry: the kind whose list the links open.
REGISTRY_OF_CATEGORY = {k.category: k.code for k in kinds.KINDS.values()}
_RANGE = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def months_of(signal: Signal, evidence: dict) -> list[str]:
    """The months a monthly signal covers (an ongoing finding covers several)."""
    listed = [m["period"] for m in evidence.get("months", []) if m.get("period")]
    if listed:
        return sorted(listed)
    first, _sep, last = signal.period.partition("..")
    try:
        return period_keys.between(first, last or first)
    except ValueError:
        return []


def _compared_months(evidence: dict) -> tuple[int, int] | None:
    """(year, last month) of a "YYYY-01..YYYY-MM" comparison in the evidence."""
    m = _RANGE.match(evidence.get("compared") or "")
    if not m:
        return None
    return int(m[3]), int(m[4])


def _as_of_month(evidence: dict) -> int | None:
    value = evidence.get("as_of") or ""
    return int(value[5:7]) if len(value) >= 7 and value[5:7].isdigit() else None


def registry_url(registry: str, unit_id: int, year: int, months=None, **filters) -> str:
    query = {"unit": unit_id, "year": year}
    if months:
        query["month_from"], query["month_to"] = months
    query.update({k: v for k, v in filters.items() if v not in (None, "")})
    return f"{reverse(f'{registry}_list')}?{urlencode(query)}"


def reports_url(*, points=(), county=None, first="", last="") -> str:
    query = [("point", p) for p in points]
    if county:
        query.append(("county", county))
    if first:
        query.append(("period_from", first))
    if last:
        query.append(("period_to", last))
    return f"{reverse('report_list')}?{urlencode(query)}"


def _this_and_last(label_this, label_last, registry, unit_id, year, months, **filters):
    return [
        Link(label_this, registry_url(registry, unit_id, year, months, **filters)),
        Link(label_last, registry_url(registry, unit_id, year - 1, months, **filters)),
    ]


# --- Registry rules -----------------------------------------------------------------------------


def _quota_pacing(signal, evidence):
    registry = REGISTRY_OF_CATEGORY.get(signal.subject)
    if not registry:
        return []
    label = _("本年计入指标的%(what)s") % {"what": CATEGORY_LABELS.get(signal.subject, "")}
    return [Link(label, registry_url(registry, signal.unit_id, int(signal.period), counted=1))]


def _quota_rising(signal, evidence):
    registry, compared = REGISTRY_OF_CATEGORY.get(signal.subject), _compared_months(evidence)
    if not registry or not compared:
        return []
    year, month = compared
    what = CATEGORY_LABELS.get(signal.subject, "")
    return _this_and_last(
        _("本年 1–%(m)s 月计入指标的%(what)s") % {"m": month, "what": what},
        _("上年同期计入指标的%(what)s") % {"what": what},
        registry,
        signal.unit_id,
        year,
        (1, month),
        counted=1,
    )


GAMING = {
    "white_header": ("document", {"kind": "white_kinds"}, _("白头类文件")),
    "remote_inspection": ("inspection", {"method": "remote_methods"}, _("电话、书面督查")),
    "video_grassroots": (
        "meeting",
        {"form": "video", "grassroots": 1},
        _("要求基层参加的视频会议"),
    ),
    "document_length": ("document", {"counted": 1}, _("计入指标的发文")),
}
# The other side of each comparison: what fell while the share above rose.
GAMING_OTHER = {
    "white_header": ("document", {"kind": "red_kinds"}, _("红头类文件")),
    "remote_inspection": ("inspection", {"method": "on_site"}, _("实地督查")),
}


def _gaming(signal, evidence):
    compared = _compared_months(evidence)
    if not compared or signal.subject not in GAMING:
        return []
    year, month = compared
    out = []
    for registry, filters, what in filter(
        None, (GAMING.get(signal.subject), GAMING_OTHER.get(signal.subject))
    ):
        out += _this_and_last(
            _("本年 1–%(m)s 月%(what)s") % {"m": month, "what": what},
            _("上年同期%(what)s") % {"what": what},
            registry,
            signal.unit_id,
            year,
            (1, month),
            **filters,
        )
    return out


def _inspection_plan(signal, evidence):
    month = _as_of_month(evidence) or 12
    url = registry_url("inspection", signal.unit_id, int(signal.period), (1, month), in_plan=0)
    return [Link(_("本年 1–%(m)s 月计划外督查检查考核") % {"m": month}, url)]


# --- Sample-point reports -----------------------------------------------------------------------

FELT_REGISTRY = {
    "documents": ("document", {"grassroots": 1}, _("发至基层的文件")),
    "meetings": ("meeting", {"grassroots": 1}, _("要求基层参加的会议")),
    "inspections": ("inspection", {}, _("督查检查考核")),
}


def _felt(signal, evidence):
    compared = _compared_months(evidence)
    if not compared:
        return []
    year, month = compared
    out = []
    if signal.subject in FELT_REGISTRY:
        registry, filters, what = FELT_REGISTRY[signal.subject]
        out += _this_and_last(
            _("本年 1–%(m)s 月县级登记的%(what)s（含县直部门）") % {"m": month, "what": what},
            _("上年同期县级登记的%(what)s（含县直部门）") % {"what": what},
            registry,
            signal.unit_id,
            year,
            (1, month),
            departments=1,
            **filters,
        )
    for y, label in (
        (year, _("本年 1–%(m)s 月本县样本点的填报")),
        (year - 1, _("上年同期本县样本点的填报")),
    ):
        out.append(
            Link(
                label % {"m": month},
                reports_url(county=signal.unit_id, first=f"{y}-01", last=f"{y}-{month:02d}"),
            )
        )
    return out


def _truth(signal, evidence):
    whole_history = (evidence.get("compared") or "").partition("..")
    if signal.rule == "truth_benford":  # every point of the county, over the months read
        url = reports_url(county=signal.unit_id, first=whole_history[0], last=whole_history[2])
        return [Link(_("本县样本点在比较期间的填报"), url)]
    point = evidence.get("point")
    if signal.rule == "truth_digits":
        if not point:
            return []
        url = reports_url(points=[point], first=whole_history[0], last=whole_history[2])
        return [Link(_("该样本点在比较期间的填报"), url)]
    months = months_of(signal, evidence)
    if not months:
        return []
    first, last = months[0], months[-1]
    if signal.subject == "peer":
        points = sorted(
            {p for m in evidence.get("months", []) for p in m.get("points", [])}
            | set(evidence.get("points", []))
        )
        url = reports_url(points=points, first=first, last=last)
        return [Link(_("相互比对的样本点当月填报"), url)]
    if not point:
        return []
    if signal.rule == "truth_outliers":
        starts = [
            (e.get("compared") or "").partition("..")[0]
            for e in [evidence, *evidence.get("months", [])]
        ]
        first = min([s for s in starts if s] or [first])
        label = _("该样本点的填报（历史基线和异常月份）")
    elif signal.subject == "previous":
        first = period_keys.shift(first, -1)
        label = _("该样本点相互比对的填报（上月和本月）")
    else:
        label = _("该样本点当月的填报")
    return [Link(label, reports_url(points=[point], first=first, last=last))]


RULE_LINKS = {
    "quota_pacing": _quota_pacing,
    "quota_rising": _quota_rising,
    "gaming": _gaming,
    "inspection_plan": _inspection_plan,
    "felt_registered": _felt,
    "truth_outliers": _truth,
    "truth_consistency": _truth,
    "truth_copies": _truth,
    "truth_digits": _truth,
    "truth_benford": _truth,
}


def evidence_links(signal: Signal, evidence: dict, user) -> list[Link]:
    build = RULE_LINKS.get(signal.rule)
    if build is None:
        return []
    may_registry = scope.can(user, "registry.record:view")
    may_reports = scope.can(user, "monitoring.report:view")
    report_list = reverse("report_list")
    return [
        link
        for link in build(signal, evidence)
        if (may_reports if link.url.startswith(report_list) else may_registry)
    ]
