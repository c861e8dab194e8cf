"""The home page's registry of cards: apps register, core imports none of them; a card shows to
the roles and codes it names; an empty to-do list says so in one line; accounts without a work
queue keep their links."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from jianfu.core import home

CORE = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db
APPS = ("registry", "monitoring", "signals", "rectification", "demo")


def test_core_imports_no_app():
    for path in CORE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not any(name.startswith(f"jianfu.{app}") for app in APPS), (path, name)


def test_every_app_registers_its_cards():
    keys = set(home.PROVIDERS)
    assert {
        "signals.waiting",
        "rectification.verify",
        "rectification.rounds",
        "rectification.ledger",
        "rectification.exams",
        "monitoring.missing",
        "registry.quotas",
        "signals.glance",
        "rectification.glance",
        "registry.glance",
        "monitoring.glance",
    } <= keys
    assert "monitoring.report" in home.PANELS


def test_a_registration_names_known_codes_and_sections():
    with pytest.raises(KeyError):
        home.register("x.bad", lambda user, today: [], perms=["no.such:code"])
    with pytest.raises(ValueError):
        home.register("x.bad", lambda user, today: [], section="sidebar")
    with pytest.raises(ValueError):
        home.Card("标题", "/", count=1, tone="loud")
    assert "x.bad" not in home.PROVIDERS


@pytest.fixture
def extra_card():
    """A card registered for the office only, with a code the office holds."""
    calls = []

    def compute(user, today):
        calls.append(user.username)
        return [home.Card("测试待办", "/somewhere/", count=len(calls), tone="urgent")]

    home.register("test.extra", compute, roles=["office"], perms=["core.unit:view"], order=1)
    yield calls
    del home.PROVIDERS["test.extra"]


def test_a_card_shows_to_its_roles_only(extra_card, login):
    page = login("office").get(reverse("home")).content.decode()
    assert "测试待办" in page and 'href="/somewhere/"' in page
    assert "测试待办" not in login("leader").get(reverse("home")).content.decode()
    assert "测试待办" not in login("contact_a").get(reverse("home")).content.decode()
    assert extra_card == ["office"]  # nobody else's page even computed it


def test_an_empty_to_do_list_says_so_in_one_line(login):
    # The test city has no signals, measures or rounds; its one sample point left monitoring
    # long ago, so no report is missing either. (The model is read by name: core's tests, like
    # core, import no app.)
    from django.apps import apps

    apps.get_model("monitoring", "SamplePoint").objects.update(until="2023-01-31")
    page = login("office").get(reverse("home")).content.decode()
    assert "待办事项" in page and "没有待办事项" in page
    assert "jf-todo " not in page


# The discipline commission has a work queue since accountability (clues to dispose of, its
# clocks and approvals, tour findings, typical cases to approve).
@pytest.mark.parametrize("username", ["secadmin", "auditor"])
def test_accounts_without_a_work_queue_keep_their_links(login, username):
    page = login(username).get(reverse("home")).content.decode()
    assert "常用功能" in page
    assert "待办事项" not in page and "没有待办事项" not in page


def test_the_system_administrators_work_is_what_does_not_run(login):
    """Problems of the running platform (core.operations) are the system administrator's to-do:
    none while all runs (the cards' own tests put one there)."""
    page = login("sysadmin").get(reverse("home")).content.decode()
    assert "没有待办事项" in page and "运行异常" not in page


def test_the_auditor_keeps_the_audit_log_link(login):
    page = login("auditor").get(reverse("home")).content.decode()
    assert reverse("audit_list") in page
