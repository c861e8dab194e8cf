"""The shared test city, built once per test process, and its named people.

city 测试市 (T)
├── county A 甲县 (TA) ── township 甲一镇 (TA01) ── village 甲一村 (TA0101)
├── county B 乙县 (TB) ── township 乙一镇 (TB01)
└── department 市教育局 (TD01)

office, leader, discipline, sysadmin, secadmin, auditor: home unit the city
contact_a: county A; contact_b: county B (must see nothing of A); reporter: village 甲一村, a sample
point of county A
"""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password

PASSWORD = "Jianfu@2025"


def build_city():
    from jianfu.core.models import RoleGrant, Unit, User

    add = Unit.objects.add_child
    city = Unit.objects.add_root(
        {"code": "T", "name": "测试市", "short_name": "测试", "kind": "city"}
    )
    a = add(city, {"code": "TA", "name": "甲县", "kind": "county"})
    b = add(city, {"code": "TB", "name": "乙县", "kind": "county"})
    add(city, {"code": "TD01", "name": "市教育局", "short_name": "教育局", "kind": "department"})
    ta01 = add(a, {"code": "TA01", "name": "甲一镇", "kind": "township"})
    add(ta01, {"code": "TA0101", "name": "甲一村", "kind": "village"})
    add(b, {"code": "TB01", "name": "乙一镇", "kind": "township"})
    hashed = make_password(PASSWORD)
    people = {
        "office": ("T", ["office"]),
        "leader": ("T", ["leader"]),
        "discipline": ("T", ["discipline"]),
        "sysadmin": ("T", ["sysadmin"]),
        "secadmin": ("T", ["secadmin"]),
        "auditor": ("T", ["auditor"]),
        "contact_a": ("TA", ["contact"]),
        "contact_b": ("TB", ["contact"]),
        "reporter": ("TA0101", ["reporter"]),
    }
    for username, (code, roles) in people.items():
        user = User.objects.create(
            username=username,
            password=hashed,
            full_name=username,
            home_unit=Unit.objects.get(code=code),
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    # 甲一村 is a monitoring sample point of county A, reported by `reporter`.
    from jianfu.monitoring.models import SamplePoint

    point = SamplePoint.objects.create(
        unit=Unit.objects.get(code="TA0101"),
        county=Unit.objects.get(code="TA"),
        kind="village",
        since=dt.date(2023, 1, 1),
    )
    point.reporters.set([User.objects.get(username="reporter")])
    # As in the demo, the test city's people log in with a password alone (the fixtures, the live
    # server's clients, the browser tests); the two-factor tests turn the setting on themselves.
    from jianfu.core.models import RuntimeSetting

    RuntimeSetting.objects.create(key="security.two_factor_roles", value="")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_city()


@pytest.fixture(autouse=True)
def _audit_heads_of_this_test(tmp_path_factory):
    """Each test writes the audit chain's signed heads in a directory of its own. In the shared
    var/ directory, a head written by one test (the nightly run's checkpoint, a backup) stayed
    there, and a later test's `audit.verify()` read it against its own chain and failed, as did
    a test in the other test process that read it meanwhile."""
    from django.conf import settings

    before = settings.AUDIT_CHECKPOINT_DIR
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-heads")
    yield
    settings.AUDIT_CHECKPOINT_DIR = before


@pytest.fixture(autouse=True)
def _office_language():
    """Each test starts in the office's language: a request with the English cookie activates
    English in the thread, and a service called directly after it (an import's messages, say)
    would speak English in the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Runtime settings and report forms are cached per process; a test's rows end with its
    transaction, so do the caches."""
    from jianfu.core import runtime
    from jianfu.monitoring.reports import services

    runtime.invalidate()
    services.forget_forms()
    yield
    runtime.invalidate()
    services.forget_forms()


@pytest.fixture
def units(db):
    from jianfu.core.models import Unit

    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def people(db):
    from jianfu.core.models import User

    return {u.username: u for u in User.objects.select_related("home_unit")}


@pytest.fixture
def login(client):
    """login("office") → a test client signed in as that person."""

    def _login(username: str):
        from jianfu.core.models import User

        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture(scope="session")
def granian_server(worker_id):
    """The real server (granian, as `jianfu serve` runs it) on its own database with this test
    city: for what the test client cannot show (CSRF, tokens, uploads, the phone flow)."""
    from jianfu.testing.live import LiveServer

    server = LiveServer(suffix=worker_id).start()
    yield server
    server.stop()


def _flush_past_the_audit_triggers():
    """A transactional test ends with a flush that deletes every row. PostgreSQL's flush
    truncates as the table owner, which the audit table's trigger allows; SQLite's deletes row by
    row, which its triggers refuse: lift them for the flush only."""
    from django.test import TransactionTestCase

    teardown = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        from django.db import connections

        from jianfu.testing.insider import append_only

        lifted = [connections[a] for a in self._databases_names(include_mirrors=False)]
        lifted = [c for c in lifted if c.vendor == "sqlite"]
        for conn in lifted:
            append_only.remove(conn)
        try:
            teardown(self)
        finally:
            for conn in lifted:
                append_only.install(conn)

    TransactionTestCase._fixture_teardown = _fixture_teardown


_flush_past_the_audit_triggers()
