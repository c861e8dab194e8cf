"""Every role sees and changes exactly what it should — through pages and the API.

One table of URL × role × expected status (outside one's units: 404; inside, without the
permission: 403; a record no role on the account's side ever sees: 404), then what each role's
lists actually contain. The table of every URL is core/tests/test_access_table.py.
"""

import pytest
from django.urls import reverse

from jianfu.core import scope
from jianfu.core.models import Unit, User

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


def _pk(code):
    return Unit.objects.get(code=code).pk


def _user(name):
    return User.objects.get(username=name).pk


# (url builder, {role: expected status}); roles not listed expect the `default`.
PAGES = [
    (lambda: reverse("home"), {}, 200),
    (lambda: reverse("unit_list"), {"auditor": 403, "secadmin": 403}, 200),
    (
        lambda: reverse("unit_detail", args=[_pk("TA01")]),
        {"contact_b": 404, "reporter": 404, "auditor": 403, "secadmin": 403},
        200,
    ),
    (
        lambda: reverse("unit_detail", args=[_pk("TA0101")]),
        {"contact_b": 404, "auditor": 403, "secadmin": 403},
        200,
    ),
    (
        lambda: reverse("unit_detail", args=[_pk("TB01")]),
        {"contact_a": 404, "reporter": 404, "auditor": 403, "secadmin": 403},
        200,
    ),
    (
        lambda: reverse("unit_edit", args=[_pk("TA01")]),
        # maintaining units is the system administrator's: a business role never edits a unit,
        # so the page of one does not exist for it (404)
        {"sysadmin": 200, "secadmin": 403, "auditor": 403},
        404,
    ),
    (lambda: reverse("unit_create"), {"sysadmin": 200}, 403),
    (lambda: reverse("unit_import"), {"sysadmin": 200}, 403),
    (lambda: reverse("unit_export"), {"auditor": 403, "secadmin": 403}, 200),
    (lambda: reverse("account_list"), {"sysadmin": 200, "secadmin": 200}, 403),
    (
        lambda: reverse("account_detail", args=[_user("contact_a")]),
        # a business role never sees accounts: 404, as for a missing one
        {"sysadmin": 200, "secadmin": 200, "auditor": 403},
        404,
    ),
    (lambda: reverse("account_create"), {"sysadmin": 200}, 403),
    (lambda: reverse("setting_list"), {"office": 200, "leader": 200, "secadmin": 200}, 403),
    (lambda: reverse("token_list"), {"secadmin": 200}, 403),
    (lambda: reverse("audit_list"), {"auditor": 200}, 403),
    (lambda: "/api/units", {"auditor": 403, "secadmin": 403}, 200),
    (
        lambda: f"/api/units/{_pk('TB01')}",
        {"contact_a": 404, "reporter": 404, "auditor": 403, "secadmin": 403},
        200,
    ),
    (
        lambda: f"/api/units/{_pk('TA0101')}",
        {"contact_b": 404, "auditor": 403, "secadmin": 403},
        200,
    ),
]

CASES = [(i, role) for i in range(len(PAGES)) for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "role"), CASES)
def test_status_table(login, page, role):
    url_of, overrides, default = PAGES[page]
    response = login(role).get(url_of())
    assert response.status_code == overrides.get(role, default), (role, url_of())


@pytest.mark.django_db
def test_forbidden_page_says_why_in_chinese(login):
    response = login("leader").get(reverse("unit_create"))
    assert response.status_code == 403
    assert "维护单位" in response.content.decode()
    api = login("auditor").get("/api/units")
    assert api.status_code == 403
    assert "查看单位" in api.json()["detail"]


def _visible_codes(username):
    user = User.objects.get(username=username)
    units = scope.visible(Unit.objects.all(), user, perm="core.unit:view", unit_field=None)
    return set(units.values_list("code", flat=True))


@pytest.mark.django_db
def test_each_role_sees_exactly_its_units():
    everything = {"T", "TA", "TB", "TD01", "TA01", "TA0101", "TB01"}
    assert _visible_codes("office") == everything
    assert _visible_codes("leader") == everything
    assert _visible_codes("discipline") == everything
    assert _visible_codes("sysadmin") == everything
    assert _visible_codes("contact_a") == {"TA", "TA01", "TA0101"}
    assert _visible_codes("contact_b") == {"TB", "TB01"}
    assert _visible_codes("reporter") == {"TA0101"}


@pytest.mark.django_db
def test_api_list_is_scoped(login):
    codes = {u["code"] for u in login("contact_b").get("/api/units").json()["items"]}
    assert codes == {"TB", "TB01"}


@pytest.mark.django_db
def test_leader_reads_everything_but_changes_nothing(login):
    client = login("leader")
    pk = _pk("TA01")
    assert (
        client.post(
            reverse("unit_edit", args=[pk]),
            {"code": "TA01", "name": "改名", "kind": "township", "parent_code": "TA"},
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/units/{pk}", {"name": "改名"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Unit.objects.get(pk=pk).name == "甲一镇"


@pytest.mark.django_db
def test_sysadmin_manages_units_but_reads_no_audit_log_and_grants_no_roles(login, people):
    client = login("sysadmin")
    response = client.post(
        reverse("unit_create"),
        {"code": "TA02", "name": "甲二镇", "kind": "township", "parent_code": "TA"},
    )
    assert response.status_code == 302
    assert Unit.objects.get_parent(Unit.objects.get(code="TA02")).code == "TA"
    assert client.get(reverse("audit_list")).status_code == 403
    grant = client.post(
        reverse("account_roles", args=[people["contact_a"].pk]),
        {"role": "office", "action": "grant"},
    )
    assert grant.status_code == 403
    assert "office" not in User.objects.get(username="contact_a").role_codes


@pytest.mark.django_db
def test_secadmin_grants_roles_but_manages_no_units(login, people):
    client = login("secadmin")
    response = client.post(
        reverse("account_roles", args=[people["contact_a"].pk]),
        {"role": "leader", "action": "grant"},
    )
    assert response.status_code == 302
    assert "leader" in User.objects.get(username="contact_a").role_codes
    assert (
        client.post(
            reverse("unit_create"),
            {"code": "X1", "name": "X", "kind": "township", "parent_code": "TA"},
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_county_contact_cannot_reach_other_county_by_id(login):
    client = login("contact_a")
    assert client.get(reverse("unit_detail", args=[_pk("TB")])).status_code == 404
    assert client.get(reverse("unit_list") + f"?parent={_pk('TB')}").status_code == 404
    assert client.get(f"/api/units?parent={_pk('TB')}").status_code == 404


@pytest.mark.django_db
def test_export_contains_only_units_in_scope(login):
    from jianfu.core import excel

    response = login("contact_a").get(reverse("unit_export"))
    rows = excel.read_rows("x.xlsx", response.content)
    codes = {str(r[0]) for r in rows[1:]}
    assert codes == {"TA", "TA01", "TA0101"}


@pytest.mark.django_db
def test_inactive_account_sees_nothing(people):
    user = people["office"]
    user.is_active = False
    assert scope.scope_of(user) == scope.EMPTY


@pytest.mark.django_db
def test_a_role_granted_or_revoked_reaches_a_session_already_open(people):
    from django.test import Client

    from jianfu.core import services

    contact = Client()
    contact.force_login(people["contact_a"])
    assert contact.get(reverse("setting_list")).status_code == 403
    services.role_grant(by=people["secadmin"], user=people["contact_a"], role="leader")
    assert contact.get(reverse("setting_list")).status_code == 200
    services.role_revoke(by=people["secadmin"], user=people["contact_a"], role="leader")
    assert contact.get(reverse("setting_list")).status_code == 403
