"""Reading the pages a signal's evidence links open: the links on a signal's page, and the rows of
the registry's list and of the report list they lead to (every page of them), with no form
error."""

import re

from django.urls import reverse

DETAIL = re.compile(r'href="/registry/(documents|meetings|inspections)/(\d+)/"')
TOTAL = re.compile(r"共 <strong>(\d+)</strong> 条")
REPORT_ROW = re.compile(r'<tr data-report="(\d+)">')
LINK = re.compile(r'<a href="([^"]+)" class="jf-evidence-link">([^<]+)</a>')


def links(client, signal) -> list[tuple[str, str]]:
    response = client.get(reverse("signal_detail", args=[signal.pk]))
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    return [(label, url.replace("&amp;", "&")) for url, label in LINK.findall(body)]


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    assert "is-invalid" not in body and "alert-danger" not in body, url
    return body


def registry_rows(client, url) -> set[int]:
    """The record ids the registry list shows at `url`."""
    body = _page(client, url)
    total = int(TOTAL.search(body).group(1))
    ids = {int(pk) for _kind, pk in DETAIL.findall(body)}
    page = 2
    while len(ids) < total and page < 30:
        ids |= {int(pk) for _kind, pk in DETAIL.findall(_page(client, f"{url}&page={page}"))}
        page += 1
    assert len(ids) == total
    return ids


def report_rows(client, url) -> set[int]:
    """The report ids the report list shows at `url`."""
    body = _page(client, url)
    ids = set(map(int, REPORT_ROW.findall(body)))
    page = 2
    while f"page={page}" in body and page < 30:
        body = _page(client, f"{url}&page={page}")
        ids |= set(map(int, REPORT_ROW.findall(body)))
        page += 1
    return ids
