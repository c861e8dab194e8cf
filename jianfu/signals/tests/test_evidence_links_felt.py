"""A felt-against-registered signal's evidence opens: what the county (with its county departments)
registered as reaching the grassroots in the months compared, this year and last, and the reports
of its sample points for those months — exactly those rows."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.monitoring.felt import queries as felt
from jianfu.monitoring.models import Report
from jianfu.registry.models import Document, Inspection, Meeting
from jianfu.signals import runner
from jianfu.signals.models import Signal

from . import test_felt
from . import truth_factories as tf
from .evidence_pages import links, registry_rows, report_rows

demo = pytest.fixture(scope="module")(tf.module_fixture(lambda: _build()))


def _build():
    built = test_felt._build()
    county = built.unit("felt")
    dept = next(u for u in Unit.objects.get_descendants(county) if u.kind == "county_department")
    township = next(u for u in Unit.objects.get_descendants(county) if u.kind == "township")
    # Registered by a county department (counts for the county) and by a township (does not).
    test_felt.factories.documents(dept, 2025, [2] * 8)
    test_felt.factories.documents(township, 2025, [2] * 8)
    with clock.frozen(tf.AS_OF):
        runner.run_rules(as_of=tf.AS_OF, group="felt", unit_ids=[county.pk])
    return built


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_each_felt_signal_links_to_the_registered_records_and_the_reports(demo, db, client):
    user = User.objects.get(username="truth-office")
    User.objects.filter(pk=user.pk).update(
        must_change_password=False, password_changed_at=clock.now()
    )
    client.force_login(user)
    county = demo.unit("felt")
    owners = list(felt.members([county.pk]))
    this = (dt.date(2025, 1, 1), dt.date(2025, 8, 31))
    last = (dt.date(2024, 1, 1), dt.date(2024, 8, 31))
    registered = {
        "documents": lambda r: _ids(
            Document.objects.filter(unit__in=owners, issued_on__range=r, reaches_grassroots=True)
        ),
        "meetings": lambda r: _ids(
            Meeting.objects.filter(unit__in=owners, held_on__range=r, grassroots_required=True)
        ),
        "inspections": lambda r: _ids(
            Inspection.objects.filter(unit__in=owners, starts_on__range=r)
        ),
    }
    points = {"point__county": county}
    felt_reports = [
        _ids(Report.objects.filter(**points, period__gte="2025-01", period__lte="2025-08")),
        _ids(Report.objects.filter(**points, period__gte="2024-01", period__lte="2024-08")),
    ]
    signals = Signal.objects.filter(rule="felt_registered", unit=county)
    assert {s.subject for s in signals} == {"documents", "meetings", "inspections"}
    for signal in signals:
        found = links(client, signal)
        want = [registered[signal.subject](this), registered[signal.subject](last)]
        assert len(found) == 4, found
        for (_label, url), rows in zip(found[:2], want, strict=True):
            assert rows and registry_rows(client, url) == rows, url
        for (_label, url), rows in zip(found[2:], felt_reports, strict=True):
            assert rows and report_rows(client, url) == rows, url
