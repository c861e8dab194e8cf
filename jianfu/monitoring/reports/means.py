"""The points' answers summed by county and month, kept in the process: the felt-against-
registered pages and the dashboard's felt panel read the means of tens of thousands of reports,
and reading them out of each report's JSON on every load cost most of those pages' time at
province size (one JSON parse per report and answer).

Each county × period cell holds the reports, and per answer its sum and how many reports gave
it, so a mean over several counties is exact (the sums added, then divided). A period's cells
are kept until its reports change. A report is created once and corrected in place, each
submission a new ReportVersion (services.submit) that also raises the report's own version by
one; so what changed since the cells were read is told by the periods' count, highest id and sum
of ids of reports (a created or deleted report) and sum of their versions (a correction raises it
by exactly one, whatever order corrections commit in), all read from the Report table alone,
before the cells they stand for (cells read under them can only be newer); only the periods that
moved are read again: at month end the month being reported, not three years. The points'
counties are in the fingerprint too (a point moved to another county takes its reports along).

Inside a transaction (a test, a write that reads) rows that may be rolled back would be kept, so
there the cells are read afresh."""

import threading
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, FloatField, Max, Sum
from django.db.models.functions import Cast

from ..models import Answer, Report, SamplePoint

# The answers read as means: the felt measures, the burden score, the documents received.
KEYS = ("docs_county", "meetings_county", "inspections_county", "burden_score", "docs_total")


@dataclass
class Cell:
    n: int = 0  # reports
    sums: dict = field(default_factory=dict)  # answer → (sum, reports that gave it)

    def add(self, other: "Cell") -> None:
        self.n += other.n
        for key, (total, count) in other.sums.items():
            mine = self.sums.get(key, (0.0, 0))
            self.sums[key] = (mine[0] + total, mine[1] + count)

    def mean(self, key: str) -> float | None:
        total, count = self.sums.get(key, (0.0, 0))
        return total / count if count else None


_KEPT: dict[str, dict] = {}  # database → {"points": fingerprint, period: (fingerprint, cells)}
_LOCK = threading.Lock()


def forget() -> None:
    with _LOCK:
        _KEPT.clear()


def _may_keep() -> bool:
    """Whether what is read now may be kept: only committed rows, outside any transaction."""
    return not connection.in_atomic_block


def by_county(periods, county_ids=None) -> dict[str, dict[int, Cell]]:
    """{period: {county id: Cell}} for the periods asked (the counties asked, or all)."""
    periods = sorted(set(periods))
    if not _may_keep():
        return _read(periods, county_ids)
    prints = {
        row["period"]: (row["n"], row["last"], row["ids"], row["versions"])
        for row in Report.objects.filter(period__in=periods)
        .values("period")
        .annotate(n=Count("pk"), last=Max("pk"), ids=Sum("pk"), versions=Sum("version"))
        .order_by()
    }
    points = tuple(
        SamplePoint.objects.aggregate(n=Count("pk"), last=Max("pk"), c=Sum("county_id")).values()
    )
    db = connection.settings_dict["NAME"]
    kept = _KEPT.get(db, {})
    if kept.get("points") != points:
        kept = {"points": points}
    stale = [p for p in periods if p in prints and kept.get(p, (None,))[0] != prints[p]]
    if stale:
        fresh = _read(stale, None)
        with _LOCK:
            kept = {**kept, **{p: (prints[p], fresh.get(p, {})) for p in stale}}
            _KEPT[db] = kept
    out = {}
    for p in periods:
        if p not in prints:
            continue  # no reports
        cells = kept[p][1]
        if county_ids is not None:
            wanted = set(county_ids)
            cells = {c: cell for c, cell in cells.items() if c in wanted}
        out[p] = cells
    return out


def _read(periods, county_ids) -> dict[str, dict[int, Cell]]:
    qs = Report.objects.filter(period__in=list(periods))
    if county_ids is not None:
        qs = qs.filter(point__county_id__in=list(county_ids))
    return _cells(qs, "point__county_id")


def _cells(reports, by: str) -> dict[str, dict]:
    """One grouped read of `reports` by period and `by`: {period: {by value: Cell}}."""
    sums = {}
    for key in KEYS:
        sums[f"s_{key}"] = Sum(Cast(Answer(key), FloatField()))
        sums[f"c_{key}"] = Count(Answer(key))
    rows = reports.values("period", by).annotate(n=Count("pk"), **sums).order_by()
    out: dict = {}
    for row in rows:
        out.setdefault(row["period"], {})[row[by]] = Cell(
            row["n"],
            {k: (row[f"s_{k}"] or 0.0, row[f"c_{k}"]) for k in KEYS if row[f"c_{k}"]},
        )
    return out


def of_points(points, periods) -> dict[str, Cell]:
    """{period: Cell} of the reports of `points` (a queryset of sample points, already scoped by
    the caller): whole counties from the kept cells, the points of a county only partly in
    `points` read directly."""
    mine = dict(
        points.order_by().values("county_id").annotate(n=Count("pk")).values_list("county_id", "n")
    )
    if not mine:
        return {}
    every = dict(
        SamplePoint.objects.filter(county_id__in=list(mine))
        .order_by()
        .values("county_id")
        .annotate(n=Count("pk"))
        .values_list("county_id", "n")
    )
    whole = [c for c, n in mine.items() if every.get(c) == n]
    part = [c for c, n in mine.items() if every.get(c) != n]
    out: dict[str, Cell] = {}
    for period, cells in by_county(periods, whole).items():
        for cell in cells.values():
            out.setdefault(period, Cell()).add(cell)
    if part:
        qs = Report.objects.filter(
            period__in=list(periods), point__in=points.filter(county_id__in=part)
        )
        for period, cells in _cells(qs, "point__county_id").items():
            for cell in cells.values():
                out.setdefault(period, Cell()).add(cell)
    return out
