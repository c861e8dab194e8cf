"""Every URL and API operation, as every role and anonymously, on a record inside the account's
units and on one outside them: the table (jianfu/testing/access_table.py) holds what each gets,
and nothing leaks whatever the table says (jianfu/testing/access.py).

After adding a URL: add its path arguments to ARGS, run this file with JIANFU_ACCESS_RENDER set to
a file name, review what the walk saw there and copy the new rows into EXPECTED."""

import os

import pytest

from jianfu.testing import access
from jianfu.testing.access_table import ARGS, EXPECTED

# Two halves, so that two test processes share the walk.
HALVES = {
    "business": ("office", "leader", "contact", "reporter"),
    "others": ("discipline", "sysadmin", "secadmin", "auditor", "anonymous"),
}


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    """The world's evidence files and import uploads are written under a throwaway MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path


def test_every_url_and_api_operation_is_in_the_table():
    missing = access.untabled(access.every_route())
    assert not missing, f"add these routes to jianfu/testing/access_table.py: {missing}"


def test_the_table_names_no_route_that_is_gone():
    names = {r.name for r in access.every_route()}
    assert not (set(EXPECTED) | set(ARGS)) - names


def test_every_role_and_anonymous_has_a_row_for_every_route():
    assert all(set(row) == set(access.PRINCIPALS) for row in EXPECTED.values())


@pytest.mark.django_db
@pytest.mark.parametrize("half", sorted(HALVES))
def test_every_role_gets_what_the_table_says_and_nothing_leaks(half):
    world = access.build_world()
    routes = access.every_route()
    seen = access.walk(world, routes, HALVES[half])
    out = os.environ.get("JIANFU_ACCESS_RENDER")
    if out:  # a maintainer's aid after adding a URL (see above)
        with open(f"{out}.{half}", "w") as f:
            f.write(access.render(seen, routes))
    assert not access.leaks(seen), "\n".join(access.leaks(seen))
    wrong = access.mismatches(seen)
    assert not wrong, "\n".join(wrong[:40])


@pytest.mark.django_db
def test_an_administrator_gets_404_for_a_business_record_that_exists(client):
    """The three administrators cannot tell an existing business record from a missing one."""
    world = access.build_world()
    from django.urls import reverse

    from jianfu.core.scope_guard import unscoped
    from jianfu.registry.models import Document

    with unscoped():
        doc = Document.objects.filter(unit__path__startswith=world.a.path).first()
    for role in ("sysadmin", "secadmin", "auditor"):
        client.force_login(world.accounts[role])
        existing = client.get(reverse("document_detail", args=[doc.pk]))
        missing = client.get(reverse("document_detail", args=[10**9]))
        assert existing.status_code == missing.status_code == 404, role
        assert client.get(f"/api/registry/documents/{doc.pk}").status_code == 404


@pytest.mark.django_db
def test_a_business_role_gets_404_for_an_account_page(client):
    world = access.build_world()
    from django.urls import reverse

    victim = world.accounts["contact"]
    for role in ("office", "leader", "discipline"):
        client.force_login(world.accounts[role])
        assert client.get(reverse("account_detail", args=[victim.pk])).status_code == 404
        roles = client.post(reverse("account_roles", args=[victim.pk]), {"role": "office"})
        assert roles.status_code == 404, role


@pytest.mark.django_db
def test_a_role_that_sees_a_record_but_may_not_change_it_is_told_why(client):
    world = access.build_world()
    from django.urls import reverse

    from jianfu.core.scope_guard import unscoped
    from jianfu.registry.models import Document

    with unscoped():
        doc = Document.objects.filter(unit__path__startswith=world.a.path).first()
    client.force_login(world.accounts["leader"])
    assert client.get(reverse("document_detail", args=[doc.pk])).status_code == 200
    response = client.get(reverse("document_edit", args=[doc.pk]))
    assert response.status_code == 403
    assert "您没有" in response.content.decode()
