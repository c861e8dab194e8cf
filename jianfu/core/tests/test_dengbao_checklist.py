"""The remaining lines of the 等保 level-3 checklist (GB/T 22239-2019 8.1.4) the application
meets itself: no guessable default account after `jianfu init` (8.1.4.2 b), error pages that leak no
SQL, stack or path (8.1.4.4 d), programs and scripts refused as uploads (8.1.4.4 d), nothing left
behind by logout or an upload (8.1.4.10), and audit entries kept beyond six months (8.1.4.3 c)."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jianfu.conftest import PASSWORD
from jianfu.core import audit, clock, files, scheduler
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PASSWORDS = ["admin", "123456", "password", "Admin@123", PASSWORD]


def jianfu(tmp_path, *args, check=True) -> subprocess.CompletedProcess:
    """The `jianfu` command against a fresh SQLite database of its own, as an operator runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "JIANFU_VAR_DIR": str(tmp_path / "var"),
        "JIANFU_SM4_KEY": "00" * 16,
        "DJANGO_SETTINGS_MODULE": "jianfu.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "jianfu.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


# --- 8.1.4.2 b: no default account, no default password ----------------------------------------

INIT = ["init", "--unit-code", "C", "--unit-name", "某市", "--sysadmin", "wang.sys"]


def test_init_creates_three_named_accounts_none_with_a_guessable_password(tmp_path):
    jianfu(tmp_path, "migrate", "-v", "0")
    out = jianfu(tmp_path, *INIT, "--secadmin", "li.sec", "--auditor", "zhao.aud").stdout
    given = re.findall(r"初始密码: (\S+)", out)
    assert len(set(given)) == 3
    probe = (
        "from django.contrib.auth import authenticate\n"
        "from jianfu.core.models import User\n"
        "print(sorted(User.objects.values_list('username', 'must_change_password')))\n"
        f"tries = {DEFAULT_PASSWORDS!r}\n"
        "names = ['admin', 'administrator', 'root', 'wang.sys', 'li.sec', 'zhao.aud']\n"
        "print(any(authenticate(username=n, password=p) for n in names for p in tries + [n]))\n"
    )
    accounts, any_guessed = jianfu(tmp_path, "shell", "-c", probe).stdout.splitlines()[-2:]
    assert accounts == "[('li.sec', True), ('wang.sys', True), ('zhao.aud', True)]"
    assert any_guessed == "False"


@pytest.mark.parametrize("name", ["admin", "Administrator", "root"])
def test_init_refuses_a_default_administrator_name(tmp_path, name):
    answer = jianfu(tmp_path, *INIT, "--secadmin", name, "--auditor", "zhao.aud", check=False)
    assert answer.returncode != 0
    assert f"用户名“{name}”容易被猜到" in answer.stderr


# --- 8.1.4.4 d: error pages leak nothing -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("jianfu.core.tests.urls_failing")
@pytest.mark.parametrize("url", ["/boom/", "/api/boom"])
def test_a_server_error_shows_no_sql_stack_or_path(url):
    assert not settings.DEBUG
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("SELECT", "core_user", "Traceback", "/srv/", ".py", "RuntimeError", str(ROOT)):
        assert leak not in body, leak
    assert ("系统出错了" in body) if url == "/boom/" else ('"code"' in body)


# --- 8.1.4.4 d: programs and server scripts are not accepted as uploads ------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data",
    [
        ("shell.php", b"<?php system($_GET['c']); ?>"),
        ("cmd.jsp", b'<%@ page import="java.io.*" %><% Runtime.getRuntime().exec("id"); %>'),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
        ("evidence.php", PDF),  # a document's bytes under a script's name
        ("evidence.pdf.jsp", PDF),
    ],
)
def test_scripts_and_programs_are_refused_naming_the_file(name, data):
    with pytest.raises(DomainError) as refused:
        files.check(name, data)
    assert name in str(refused.value.message) and "未上传" in str(refused.value.message)


# --- 8.1.4.10: nothing left behind -------------------------------------------------------------


@pytest.mark.django_db
def test_logout_ends_the_session_and_a_business_page_then_asks_to_log_in(client):
    assert client.login(username="office", password=PASSWORD)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("completeness")).status_code == 200
    answer = client.post(reverse("logout"))
    assert answer.status_code == 302 and "no-store" in answer["Cache-Control"]
    cookie = answer.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value == "" and cookie["max-age"] == 0  # the browser drops it
    again = client.get(reverse("completeness"))
    assert again.status_code == 302 and again["Location"].startswith(reverse("login"))
    # The old cookie, replayed, opens nothing: the session is gone on the server too.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert replay.get(reverse("completeness")).status_code == 302


@pytest.mark.django_db
def test_the_session_cookie_is_http_only_and_same_site(client):
    answer = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    cookie = answer.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # No lasting cookie: it goes when the browser closes.
    assert not cookie["expires"] and not cookie["max-age"]


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_temporary_or_kept_file(login, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every upload goes through a temporary file
    kept = Path(settings.MEDIA_ROOT) / "imports"

    def kept_files():
        return sorted(p for p in kept.rglob("*") if p.is_file())

    before = kept_files()
    client = login("sysadmin")
    for name, data in (("units.xlsx", b"PK\x03\x04" + bytes(100)), ("shell.php", b"<?php ?>")):
        answer = client.post(reverse("unit_import"), {"file": SimpleUploadedFile(name, data)})
        assert answer.status_code in (200, 302, 400)
    assert list(tmp_path.iterdir()) == []
    # Neither refused file was kept among the imported ones.
    assert kept_files() == before


# --- 8.1.4.3 c: audit entries kept at least six months -----------------------------------------


@pytest.mark.django_db
def test_no_nightly_job_removes_audit_entries_even_a_year_on(people):
    start = clock.now()
    with clock.frozen(start - dt.timedelta(days=200)):  # an entry already over six months old
        audit.record("jianfu.core.account.updated", actor=people["office"], obj=people["reporter"])
    entries = set(AuditEntry.objects.values_list("seq", flat=True))
    with clock.frozen(start):
        scheduler.tick()  # the first tick only schedules every job
    with clock.frozen(start + dt.timedelta(days=366)):
        ran = scheduler.tick()
    assert len(ran) == len(scheduler.JOBS)  # every nightly and periodic job ran
    assert entries <= set(AuditEntry.objects.values_list("seq", flat=True))
    assert audit.verify() is None
