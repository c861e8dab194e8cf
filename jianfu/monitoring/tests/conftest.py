import pytest

from jianfu.core.models import User
from jianfu.monitoring.models import SamplePoint


@pytest.fixture
def point(db):
    return SamplePoint.objects.get(unit__code="TA0101")


@pytest.fixture
def reporter(db):
    return User.objects.get(username="reporter")
