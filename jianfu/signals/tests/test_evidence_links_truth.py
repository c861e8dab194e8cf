"""The truthfulness signals' evidence opens: each link leads to the list of the very sample-point
reports the rule compared (the point's reports of those months, the county's points), without a
form error; the report list refuses points outside one's scope and broken months."""

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core import periods as period_keys
from jianfu.core.models import User
from jianfu.monitoring.models import Report, SamplePoint
from jianfu.signals import runner
from jianfu.signals.models import Signal

from . import truth_factories as tf
from .evidence_pages import REPORT_ROW as ROW
from .evidence_pages import links
from .evidence_pages import report_rows as shown

PLANTED = {
    (0, "township", 0): "copy_forward",
    (0, "village", 0): "outliers",
    (0, "village", 1): "heaping",
}
TRUTH = ["truth_outliers", "truth_consistency", "truth_copies", "truth_digits", "truth_benford"]


def _build():
    built = tf.build(point_patterns=PLANTED, county_patterns={1: "copy_peer"})
    # One report that cannot be true: more documents from the county than documents at all.
    clean = built.clean()[0]
    r = Report.objects.filter(point__unit=clean, period="2025-05").get()
    r.values = {**r.values, "docs_total": 3, "docs_county": 9}
    r.save()
    with clock.frozen(tf.AS_OF):
        tf.tc.clear_cache()
        runner.run(as_of=tf.AS_OF, rules=TRUTH)
    return built


demo = pytest.fixture(scope="module")(tf.module_fixture(_build))


@pytest.fixture
def office(demo, db, client):
    user = User.objects.get(username="truth-office")
    User.objects.filter(pk=user.pk).update(
        must_change_password=False, password_changed_at=clock.now()
    )
    client.force_login(user)
    return client


def reports(**filters) -> set[int]:
    return set(Report.objects.filter(**filters).values_list("pk", flat=True))


def test_every_truth_signal_links_to_the_reports_it_compared(office):
    seen = set()
    for signal in Signal.objects.filter(rule__in=TRUTH):
        e = signal.evidence
        found = links(office, signal)
        assert len(found) == 1, (signal, found)
        rows = shown(office, found[0][1])
        months = sorted(m["period"] for m in e.get("months", [])) or [signal.period]
        kind = (signal.rule, signal.subject)
        seen.add(kind)
        assert set(e.get("reports", [])) <= rows, kind
        if signal.rule == "truth_benford":
            first, last = e["compared"].split("..")
            county = {"point__county_id": signal.unit_id}
            assert rows == reports(**county, period__gte=first, period__lte=last)
        elif signal.subject == "peer":
            assert rows == reports(
                point_id__in=e["points"], period__gte=months[0], period__lte=months[-1]
            )
        elif signal.rule == "truth_outliers":
            start = min(m["compared"].split("..")[0] for m in e["months"])
            assert rows == reports(point_id=e["point"], period__gte=start, period__lte=months[-1])
        else:  # the very reports: the month's (and the month before, for a copy of it)
            assert rows == set(e["reports"]), kind
    assert {
        ("truth_outliers", ""),
        ("truth_consistency", ""),
        ("truth_copies", "previous"),
        ("truth_copies", "peer"),
        ("truth_digits", ""),
    } <= seen


def test_the_copying_point_is_one_signal_over_its_months(demo, office):
    unit = demo.unit("copy_forward")
    signals = Signal.objects.filter(rule="truth_copies", subject="previous", unit=unit)
    assert signals.count() == 1
    s = signals.get()
    months = [m["period"] for m in s.evidence["months"]]
    assert len(months) >= 3 and s.period == f"{months[0]}..{months[-1]}"
    assert months == period_keys.between(months[0], months[-1])
    body = office.get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert f"持续发现：共 {len(months)} 个月" in body
    listed = office.get(reverse("signal_list")).content.decode()
    assert f"共 {len(months)} 个月" in listed


def test_the_report_list_refuses_what_it_cannot_show(demo, db, client, units):
    client.force_login(User.objects.get(username="office"))  # the test city's office
    other = SamplePoint.objects.exclude(unit__code="TA0101").first()
    mine = SamplePoint.objects.get(unit__code="TA0101")
    url = reverse("report_list")
    body = client.get(url, {"point": other.pk}).content.decode()
    assert "不存在或不在您的范围内" in body and not ROW.search(body)
    body = client.get(url, {"point": mine.pk, "period_from": "2025-13"}).content.decode()
    assert "is-invalid" in body and not ROW.search(body)
    body = client.get(
        url, {"point": mine.pk, "period_from": "2025-06", "period_to": "2025-01"}
    ).content.decode()
    assert "截止月份（2025-01）不能早于起始月份（2025-06）。" in body
    client.force_login(User.objects.get(username="contact_a"))
    assert client.get(url, {"point": mine.pk}).status_code == 403
