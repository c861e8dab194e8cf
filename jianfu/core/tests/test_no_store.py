"""No browser or proxy keeps what the application answers (等保 8.1.4.10 剩余信息保护): every
page, API answer and download reachable by GET — walked from the URL configuration, as the city
office — carries `Cache-Control: no-store`; an API answer to a token does too; static files stay
cacheable."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jianfu.bulletins.tests.conftest import published
from jianfu.core import services as core_services
from jianfu.monitoring.models import SamplePoint

pytestmark = pytest.mark.django_db

# Routes a GET walk must not follow: the language switch answers only POST and the public report
# form is walked anonymously below.
NOT_WALKED = {"set_language"}


def routes(resolver=None, prefix=""):
    """(route, name, has_arguments) for every pattern of jianfu.urls, API included."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name, bool(p.pattern.regex.groupindex)


def assert_no_store(response, where):
    assert "no-store" in response.get("Cache-Control", ""), (where, response.status_code)


def test_every_page_without_arguments_is_no_store(login):
    client = login("office")
    answered = 0
    for route, name, has_args in routes():
        if has_args or name in NOT_WALKED or "<" in route or "(" in route:
            continue
        response = client.get("/" + route)
        assert_no_store(response, route)
        answered += response.status_code == 200
    # The walk reached the pages, not only redirects.
    assert answered > 80


def test_pages_with_arguments_and_downloads_are_no_store(login, people):
    bulletin = published(people)
    point = SamplePoint.objects.get()
    urls = [
        reverse("point_detail", args=[point.pk]),
        reverse("bulletin_detail", args=[bulletin.pk]),
        reverse("bulletin_docx", args=[bulletin.pk]),
        reverse("bulletin_pdf", args=[bulletin.pk]),
        reverse("review_export"),
        reverse("sup_item_template"),
    ]
    client = login("office")
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_no_store(response, url)
    docx = client.get(reverse("bulletin_docx", args=[bulletin.pk]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    account = login("sysadmin").get(reverse("account_detail", args=[people["reporter"].pk]))
    assert account.status_code == 200
    assert_no_store(account, "account_detail")


def test_api_answers_to_a_token_and_public_pages_are_no_store(people, units):
    _token, secret = core_services.token_issue(
        by=people["secadmin"], name="甲县OA", unit=units["TA"], scopes=["core.unit:view"]
    )
    response = Client().get("/api/units", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert_no_store(response, "/api/units")
    for url in (reverse("login"), reverse("clue_report")):
        assert_no_store(Client().get(url), url)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/jianfu.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
