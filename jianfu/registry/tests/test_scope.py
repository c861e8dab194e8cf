"""Every registry page and endpoint answers each role as it should: outside one's units 404 (the
record does not exist), inside without the permission 403, otherwise 200. One table of URL × role
× status; a test checks that every URL of the app is in it."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.registry import urls as registry_urls
from jianfu.registry.models import Document, Inspection, Meeting
from jianfu.registry.quotas import views as quota_views
from jianfu.registry.records import services, views

ROLES = [
    "office",
    "leader",
    "discipline",
    "contact_a",
    "contact_b",
    "reporter",
    "sysadmin",
    "secadmin",
    "auditor",
]
READERS = {"office", "leader", "discipline", "contact_a", "contact_b"}
EDITORS = {"office", "contact_a", "contact_b"}


def only(allowed: set[str], **overrides) -> dict[str, int]:
    table = {role: 200 if role in allowed else 403 for role in ROLES}
    table.update(overrides)
    return table


# A record of county A: contact_b and the reporter (a village of A, but unit-only) do not see it;
# nor do the three administrators, who never see business records (404, as for a missing id).
OUTSIDE = {"contact_b": 404, "reporter": 404, "sysadmin": 404, "secadmin": 404, "auditor": 404}
RECORD_READ = only(READERS, **OUTSIDE)
RECORD_WRITE = only({"office", "contact_a"}, **OUTSIDE)

PAGES = {}
for code in ("document", "meeting", "inspection"):
    PAGES |= {
        f"{code}_list": (lambda r, c=code: reverse(f"{c}_list"), only(READERS)),
        f"{code}_export": (lambda r, c=code: reverse(f"{c}_export"), only(READERS)),
        f"{code}_create": (lambda r, c=code: reverse(f"{c}_create"), only(EDITORS)),
        f"{code}_import": (lambda r, c=code: reverse(f"{c}_import"), only(EDITORS)),
        f"{code}_template": (lambda r, c=code: reverse(f"{c}_template"), only(EDITORS)),
        f"{code}_counting": (lambda r, c=code: reverse(f"{c}_counting"), only(EDITORS)),
        f"{code}_detail": (lambda r, c=code: reverse(f"{c}_detail", args=[r[c]]), RECORD_READ),
        f"{code}_edit": (lambda r, c=code: reverse(f"{c}_edit", args=[r[c]]), RECORD_WRITE),
        f"{code}_delete": (lambda r, c=code: reverse(f"{c}_delete", args=[r[c]]), RECORD_WRITE),
        f"api_{code}_list": (lambda r, c=code: f"/api/registry/{c}s", only(READERS)),
        f"api_{code}_detail": (lambda r, c=code: f"/api/registry/{c}s/{r[c]}", RECORD_READ),
    }
PAGES |= {
    "quota_settings": (lambda r: reverse("quota_settings"), only(READERS)),
    "quota_import": (lambda r: reverse("quota_import"), only({"office"})),
    "quota_template": (lambda r: reverse("quota_template"), only({"office"})),
    "counting_rules": (lambda r: reverse("counting_rules"), only(READERS)),
    "api_quotas": (lambda r: "/api/registry/quotas", only(READERS)),
}
# POST-only URLs, tested below and in test_pages.
POST_ONLY = {"quota_cell", "quota_bulk"}


@pytest.fixture
def records(people, units):
    office, a = people["office"], units["TA"]
    with clock.frozen(dt.date(2025, 6, 15)):
        d = services.record_create(
            Document,
            by=office,
            unit=a,
            title="甲县发文",
            number="甲1",
            issued_on=dt.date(2025, 3, 1),
            kind="red_header",
        )
        m = services.record_create(
            Meeting, by=office, unit=a, title="甲县会议", held_on=dt.date(2025, 3, 1),
            level="county", form="in_person",
        )  # fmt: skip
        i = services.record_create(
            Inspection, by=office, unit=a, title="甲县检查", kind="check", method="on_site",
            starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 1),
        )  # fmt: skip
    return {"document": d.pk, "meeting": m.pk, "inspection": i.pk}


CASES = [(name, role) for name in PAGES for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES)
def test_status_table(login, records, name, role):
    url_of, expected = PAGES[name]
    response = login(role).get(url_of(records))
    assert response.status_code == expected[role], (name, role, response.status_code)


def test_every_registry_url_is_in_the_table():
    # The registry pages of views.py (the quota status pages have their own tests).
    modules = {views.__name__, quota_views.__name__}
    names = {p.name for p in registry_urls.urlpatterns if p.callback.__module__ in modules}
    assert names - POST_ONLY <= set(PAGES), sorted(names - POST_ONLY - set(PAGES))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_writes_by_post_follow_the_same_rules(login, records, units, role):
    """Edit and delete by POST: 404 outside, 403 without the code; the record survives."""
    client = login(role)
    edit = client.post(reverse("document_edit", args=[records["document"]]), {"title": "x"})
    delete = client.post(reverse("document_delete", args=[records["document"]]))
    expected = RECORD_WRITE[role]
    if expected == 200:
        assert edit.status_code == 400  # the form's own errors: the request got through
        assert delete.status_code == 302
        assert not Document.objects.filter(pk=records["document"]).exists()
    else:
        assert (edit.status_code, delete.status_code) == (expected, expected)
        assert Document.objects.get(pk=records["document"]).title == "甲县发文"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_sets_quotas(login, units, role):
    data = {"unit": units["TA"].pk, "year": 2025, "category": "document", "limit": "5"}
    cell = login(role).post(reverse("quota_cell"), data)
    bulk = login(role).post(
        reverse("quota_bulk"),
        {"year": "2025", "category": "all", "units": "both", "cut_pct": "30", "confirm": "1"},
    )
    expected = 302 if role == "office" else 403
    assert (cell.status_code, bulk.status_code) == (expected, expected)


@pytest.mark.django_db
def test_contact_cannot_set_a_quota_of_a_unit_outside_by_id(login, units):
    # Even the office's own cell endpoint answers 404 for a unit outside the account's units.
    data = {"unit": units["TB"].pk, "year": 2025, "category": "document", "limit": "5"}
    assert login("contact_a").post(reverse("quota_cell"), data).status_code == 403
    outside = {"unit": 999999, "year": 2025, "category": "document", "limit": "5"}
    assert login("office").post(reverse("quota_cell"), outside).status_code == 404


@pytest.mark.django_db
def test_a_contact_cannot_move_a_record_to_a_unit_outside(people, records, units):
    from jianfu.core.errors import DomainError

    document = Document.objects.get(pk=records["document"])
    with pytest.raises(DomainError) as refused:
        services.record_update(document, by=people["contact_a"], unit=units["TB"])
    assert refused.value.field == "unit"
    assert Document.objects.get(pk=document.pk).unit == units["TA"]


@pytest.mark.django_db
def test_navigation_shows_the_pages_each_role_may_open(login):
    office = login("office").get(reverse("home")).content.decode()
    for label in ("发文登记", "会议登记", "督查检查考核", "硬性指标", "计数规则"):
        assert label in office
    auditor = login("auditor").get(reverse("home")).content.decode()
    assert "发文登记" not in auditor and "硬性指标" not in auditor
