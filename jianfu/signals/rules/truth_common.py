"""What the truthfulness checks of sample-point reports share: the reports read once into an array
(points × months × numeric answers), the window of months they judge, and the labels of the
figures and series their evidence carries.

One read for all of them. The runner passes every rule of a run the same settings dict; the first
truth rule of the run reads the reports (one query: point, period, id, form and the numeric
answers, taken out of the JSON by the database) and the others reuse that array, so a run sees one
consistent snapshot and reads it once. A new run (a new settings dict) reads again.

Months. The checks judge the window: the twelve months closed before as_of (the month as_of falls
in is not due yet). Baselines reach back up to 24 months before each month judged, so 36 months
are read; the whole-history checks (digits, Benford) use those 36 months.

Which points. Every point with reports is read, whatever units the run was asked for: peers,
multiple-testing corrections and the calibration of the copy check need them all. Findings are
kept for the units asked for (the point's unit, or its county for county-wide findings).
"""

import datetime as dt
import weakref
from dataclasses import dataclass, field

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jianfu.core import periods as period_keys
from jianfu.core.models import Unit
from jianfu.monitoring.models import Answer, Report, ReportForm, SamplePoint

from .base import FIGURES, SERIES, UNIT_SUFFIX

WINDOW = 12  # months judged
BASELINE = 24  # months a baseline reaches back
READ = WINDOW + BASELINE  # months read

# Short names of the default form's questions, for the evidence.
SHORT = {
    "docs_total": _("收到上级文件"),
    "docs_city": _("其中市级文件"),
    "docs_county": _("其中县级文件"),
    "docs_township": _("其中乡镇文件"),
    "meetings_total": _("参加上级会议"),
    "meetings_hours": _("参会小时数"),
    "meetings_video": _("其中视频会议"),
    "meetings_county": _("其中县级会议"),
    "inspections_total": _("接受督查检查考核"),
    "inspection_days": _("迎检工作日"),
    "inspections_remote": _("其中电话、书面督查"),
    "inspections_county": _("其中县级督查"),
    "forms_filled": _("填报统计报表"),
    "trace_demands": _("留痕要求"),
    "app_checkins": _("要求打卡的 App、小程序、工作群"),
    "hours_burden_week": _("每周用于上述事项的小时数"),
    "hours_service_week": _("每周服务群众的小时数"),
    "burden_score": _("负担感受评分"),
}
UNIT_OF_TYPE = {"int": "n", "hours": "h", "score": "n"}

# Per-question figures: "<question key>:<metric>".
METRICS = {
    "value": _("本期填报"),
    "median": _("历史中位数"),
    "low": _("合理区间下限"),
    "high": _("合理区间上限"),
    "min": _("历史最小值"),
    "max": _("历史最大值"),
    "z": _("修正 z 值（与本点历史比）"),
    "peer_z": _("修正 z 值（与同类样本点比）"),
    "peer_ratio": _("本期与历史中位数之比"),
    "peer_median_ratio": _("同类样本点的同一比值（中位数）"),
}

FIGURES.update(
    {
        f"{key}:{metric}": format_lazy(_("{}：{}"), short, label)
        for key, short in SHORT.items()
        for metric, label in METRICS.items()
    }
)
SERIES.update({f"q:{key}": short for key, short in SHORT.items()})
UNIT_SUFFIX.setdefault("n", "")
UNIT_SUFFIX.setdefault("h", _("小时"))
UNIT_SUFFIX.setdefault("sci", "")


def label(key: str) -> str:
    return str(SHORT.get(key, key))


# --- Months -------------------------------------------------------------------------------------


def last_closed(as_of: dt.date) -> str:
    return period_keys.key_of(as_of.replace(day=1) - dt.timedelta(days=1))


def window(as_of: dt.date) -> list[str]:
    """The months judged: the twelve closed before as_of."""
    last = last_closed(as_of)
    return period_keys.between(period_keys.shift(last, -(WINDOW - 1)), last)


def read_months(as_of: dt.date) -> list[str]:
    last = last_closed(as_of)
    return period_keys.between(period_keys.shift(last, -(READ - 1)), last)


def history_range(months: list[str]) -> str:
    return f"{months[0]}..{months[-1]}" if months else ""


def year_of(as_of: dt.date) -> str:
    """The period key of the whole-history findings: the year of the last closed month."""
    return last_closed(as_of)[:4]


# --- The array ----------------------------------------------------------------------------------


@dataclass
class Data:
    as_of: dt.date
    months: list[str]  # READ months, ascending
    keys: list[str]  # numeric answers, in the form's order
    types: dict[str, str]  # key → "int" | "hours" | "score"
    point_ids: np.ndarray  # (P,)
    unit_ids: np.ndarray  # (P,)
    county_ids: np.ndarray  # (P,)
    region_ids: np.ndarray  # (P,) the county's parent (the city)
    kinds: list[str]  # (P,)
    names: list[str]  # (P,) the point's unit name
    values: np.ndarray  # (P, T, K), NaN where missing
    report_ids: np.ndarray  # (P, T), 0 where missing
    form_ids: np.ndarray  # (P, T), 0 where missing
    forms: dict[int, list[dict]] = field(default_factory=dict)  # form id → questions

    @property
    def present(self) -> np.ndarray:
        return self.report_ids > 0

    def col(self, key: str) -> int:
        return self.keys.index(key)

    def t(self, key: str) -> int:
        return self.months.index(key)

    def window_t(self) -> range:
        first = self.t(window(self.as_of)[0])
        return range(first, len(self.months))


_cache: dict = {"settings": None, "key": None, "data": None}


def load(as_of: dt.date, settings: dict | None = None) -> Data | None:
    """The reports of the 36 months up to the last closed one, or None when there are none."""
    key = as_of
    ref = _cache["settings"]
    if settings is not None and ref is not None and ref() is settings and _cache["key"] == key:
        return _cache["data"]
    data = _read(as_of)
    if settings is not None:
        try:
            _cache.update(settings=weakref.ref(settings), key=key, data=data)
        except TypeError:  # a plain dict cannot be weakly referenced
            _cache.update(settings=_Strong(settings), key=key, data=data)
    return data


class _Strong:
    """A reference that holds on (plain dicts take no weak references); compared by identity."""

    def __init__(self, obj):
        self.obj = obj

    def __call__(self):
        return self.obj


def clear_cache() -> None:
    _cache.update(settings=None, key=None, data=None)


def _form_keys() -> tuple[list[str], dict[str, str], dict[int, list[dict]]]:
    forms = {}
    keys: list[str] = []
    types: dict[str, str] = {}
    for pk, questions in ReportForm.objects.order_by("-valid_from", "-version").values_list(
        "pk", "questions"
    ):
        forms[pk] = questions
        for q in questions:
            if q.get("type") in ("int", "hours", "score") and q["key"] not in types:
                keys.append(q["key"])
                types[q["key"]] = q["type"]
    return keys, types, forms


def _read(as_of: dt.date) -> Data | None:
    months = read_months(as_of)
    t_of = {m: i for i, m in enumerate(months)}
    keys, types, forms = _form_keys()
    points = list(
        SamplePoint.objects.order_by("pk").values_list(
            "pk", "unit_id", "county_id", "kind", "unit__name"
        )
    )
    if not points or not keys:
        return None
    p_of = {p[0]: i for i, p in enumerate(points)}
    n_p, n_t, n_k = len(points), len(months), len(keys)
    values = np.full((n_p, n_t, n_k), np.nan)
    report_ids = np.zeros((n_p, n_t), dtype=np.int64)
    form_ids = np.zeros((n_p, n_t), dtype=np.int64)
    # The numeric answers only, taken out of the JSON by the database (json_extract / ->>):
    # three times faster than decoding every report's JSON, texts and all, in Python.
    rows = list(
        Report.objects.filter(period__in=months)
        .values_list("point_id", "period", "pk", "form_id", *[Answer(k) for k in keys])
        .order_by()
        .iterator(chunk_size=5000)
    )
    if rows:
        pi = np.fromiter((p_of[r[0]] for r in rows), dtype=np.int64, count=len(rows))
        ti = np.fromiter((t_of[r[1]] for r in rows), dtype=np.int64, count=len(rows))
        report_ids[pi, ti] = [r[2] for r in rows]
        form_ids[pi, ti] = [r[3] for r in rows]
        vectors = [r[4:] for r in rows]
        try:
            block = np.array(vectors, dtype=float)
        except (TypeError, ValueError):  # text in a number field (an import): one by one
            block = np.array([[_number(v) for v in row] for row in vectors], dtype=float)
        values[pi, ti] = block
    counties = {c for _, _, c, _, _ in points}
    parent = _parents(counties)
    return Data(
        as_of=as_of,
        months=months,
        keys=keys,
        types=types,
        point_ids=np.array([p[0] for p in points]),
        unit_ids=np.array([p[1] for p in points]),
        county_ids=np.array([p[2] for p in points]),
        region_ids=np.array([parent.get(p[2], 0) for p in points]),
        kinds=[p[3] for p in points],
        names=[p[4] for p in points],
        values=values,
        report_ids=report_ids,
        form_ids=form_ids,
        forms=forms,
    )


def _number(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _parents(county_ids) -> dict[int, int]:
    paths = dict(Unit.objects.filter(pk__in=list(county_ids)).values_list("pk", "path"))
    parents = dict(
        Unit.objects.filter(path__in={p[: -Unit.steplen] for p in paths.values()}).values_list(
            "path", "pk"
        )
    )
    return {c: parents.get(p[: -Unit.steplen], 0) for c, p in paths.items()}


# --- Findings -----------------------------------------------------------------------------------


def wanted(unit_ids: list[int] | None):
    """A test of whether a unit is among those the run asked for."""
    if unit_ids is None:
        return lambda unit_id: True
    asked = set(unit_ids)
    return lambda unit_id: int(unit_id) in asked


def nothing_asked(unit_ids: list[int] | None, *, counties: bool = False) -> bool:
    """True when the run asked only for units that are neither points nor (for county-wide
    findings) counties with points: then the rule has nothing to say and reads nothing."""
    if unit_ids is None:
        return False
    ids = sorted(set(unit_ids))
    for i in range(0, len(ids), 2000):
        chunk = ids[i : i + 2000]
        if SamplePoint.objects.filter(unit_id__in=chunk).exists():
            return False
        if counties and SamplePoint.objects.filter(county_id__in=chunk).exists():
            return False
    return True


def point_series(data: Data, p: int, key: str) -> dict:
    """A point's monthly answers to one question, a row per year (newest first), as the signal
    page draws them."""
    k = data.col(key)
    by_year: dict[int, list] = {}
    for t, month in enumerate(data.months):
        _, year, m = period_keys.parse(month)
        row = by_year.setdefault(year, [None] * 12)
        v = data.values[p, t, k]
        row[m - 1] = None if np.isnan(v) else _plain(v)
    return {
        "key": f"q:{key}",
        "months": 12,
        "rows": [
            {"year": y, "values": by_year[y]}
            for y in sorted(by_year, reverse=True)
            if any(v is not None for v in by_year[y])
        ],
    }


def _plain(v):
    v = float(v)
    return int(v) if v.is_integer() else round(v, 2)


def plain(v):
    if v is None:
        return None
    try:
        if np.isnan(v):
            return None
    except TypeError:
        return v
    return _plain(v)


def sci(p: float) -> str:
    """A probability as people read it: 0.012, 3.1e-05, < 1e-15."""
    if p is None:
        return "—"
    if p < 1e-15:
        return "< 1e-15"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"
