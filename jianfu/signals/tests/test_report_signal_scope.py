"""Signals built on what sample points report are shown only to those who may read the reports:
a county's contact sees that its points report, not what they say — not even through a signal."""

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.signals.models import Signal


@pytest.fixture
def truth_signal(units):
    now = clock.now()
    return Signal.objects.create(
        rule="truth_copies",
        unit=units["TA0101"],
        period="2025",
        severity=2,
        evidence={},
        threshold={},
        first_raised_at=now,
        last_seen_at=now,
    )


@pytest.fixture
def quota_signal(units):
    now = clock.now()
    return Signal.objects.create(
        rule="quota_pacing",
        unit=units["TA"],
        period="2025",
        subject="document",
        severity=2,
        evidence={},
        threshold={},
        first_raised_at=now,
        last_seen_at=now,
    )


@pytest.mark.django_db
def test_contact_sees_quota_signals_of_the_county_but_not_report_signals(
    login, truth_signal, quota_signal
):
    client = login("contact_a")
    assert client.get(reverse("signal_detail", args=[quota_signal.pk])).status_code == 200
    assert client.get(reverse("signal_detail", args=[truth_signal.pk])).status_code == 404
    listed = client.get(reverse("signal_list"), {"status": "all"}).content.decode()
    assert reverse("signal_detail", args=[truth_signal.pk]) not in listed


@pytest.mark.django_db
def test_office_and_discipline_see_report_signals(login, truth_signal):
    for role in ("office", "discipline"):
        response = login(role).get(reverse("signal_detail", args=[truth_signal.pk]))
        assert response.status_code == 200
