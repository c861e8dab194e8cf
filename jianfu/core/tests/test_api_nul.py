"""A NUL or another control character in a path or query parameter is a 4xx with a code, never a
server error: PostgreSQL refuses NUL in text, so an unchecked parameter reached the database and
answered 500 there."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/units?q=%00",
        "/api/units?kind=%00",
        "/api/registry/documents?unit=%00",
        "/api/registry/documents/by-external-id/OA%00?unit=TA",
        "/api/registry/documents/by-external-id/OA-1?unit=T%00A",
        "/api/registry/quotas?unit=%00",
        "/api/monitoring/points/1/periods/2025%00/form",
        "/api/rectification/problems?unit=%00",
    ],
)
def test_a_nul_in_a_parameter_is_a_4xx_with_a_code(login, url):
    response = login("office").get(url)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.json()["code"]
