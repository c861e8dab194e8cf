"""The demo is tried from a desk without a phone: its office logs in with the published password
alone, though a fresh install asks the office for a second factor."""

import pytest
from django.urls import reverse

from jianfu.core import runtime, two_factor
from jianfu.core.models import RuntimeSetting, User
from jianfu.demo import generator


@pytest.mark.django_db
def test_the_demo_office_logs_in_with_its_password_alone(client):
    RuntimeSetting.objects.filter(key="security.two_factor_roles").delete()  # a fresh install
    runtime.invalidate()
    generator.populate("tiny", 11, "2025-06-30", username_prefix="demo-")
    office = User.objects.get(username="demo-office")
    assert not two_factor.required_for(office)
    answer = client.post(
        reverse("login"), {"username": "demo-office", "password": generator.DEMO_PASSWORD}
    )
    assert answer.status_code == 302 and answer.url == reverse("home")
