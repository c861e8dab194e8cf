"""The points' answers kept by county and month (reports/means.py) follow every change: a new
report, a correction, a deletion; and the pages reading them (felt against registered, the
dashboard's panel) show the same means as reading each report."""

import pytest

from jianfu.core.models import User
from jianfu.monitoring import dashboard
from jianfu.monitoring.felt import queries as felt
from jianfu.monitoring.models import Report
from jianfu.monitoring.reports import means

from .test_submit import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(monkeypatch):
    """Kept as outside a transaction (a test runs inside one, rolled back after)."""
    means.forget()
    monkeypatch.setattr(means, "_may_keep", lambda: True)
    yield
    means.forget()


def test_the_kept_means_follow_a_new_report_a_correction_and_a_deletion(kept, reporter, point):
    county = point.county_id
    assert means.by_county(["2025-03"]) == {}
    submit(reporter, point, docs_county=15, burden_score=4)
    cell = means.by_county(["2025-03"])["2025-03"][county]
    assert (cell.n, cell.mean("docs_county"), cell.mean("burden_score")) == (1, 15, 4)
    submit(reporter, point, docs_county=21)  # a correction: the same report, a new version
    assert means.by_county(["2025-03"])["2025-03"][county].mean("docs_county") == 21
    assert felt.felt([county], [2025])[county]["documents"][2025][2] == 21
    submit(reporter, point, period="2025-02", docs_county=9)
    both = means.by_county(["2025-02", "2025-03"])
    assert both["2025-02"][county].mean("docs_county") == 9
    assert both["2025-03"][county].mean("docs_county") == 21
    Report.objects.filter(period="2025-03").delete()
    assert list(means.by_county(["2025-02", "2025-03"])) == ["2025-02"]


def test_the_dashboard_panel_reads_the_same_means_as_each_report(kept, reporter, point):
    submit(reporter, point, docs_total=30, burden_score=2)
    office = User.objects.get(username="office")
    kept_figures = dashboard.monthly(office, None, ["2025-03"])["2025-03"]
    assert (kept_figures["n"], kept_figures["burden"], kept_figures["docs"]) == (1, 2, 30)
    # A unit below the county (a part of its points): read from the reports directly.
    own = dashboard.monthly(office, point.unit, ["2025-03"])["2025-03"]
    assert (own["n"], own["burden"], own["docs"]) == (1, 2, 30)


def test_a_correction_is_seen_whatever_its_version_rows_id(kept, reporter, point):
    """On PostgreSQL a correction may commit after a later-numbered one was already read: its
    version row's id is then below the highest seen. The report's own version still moves, so
    the period is read again; here the correction is written with no version row at all."""
    county = point.county_id
    submit(reporter, point, docs_county=15)
    assert means.by_county(["2025-03"])["2025-03"][county].mean("docs_county") == 15
    report = Report.objects.get(point=point, period="2025-03")
    Report.objects.filter(pk=report.pk).update(
        values={**report.values, "docs_county": 40}, version=report.version + 1
    )
    assert means.by_county(["2025-03"])["2025-03"][county].mean("docs_county") == 40
