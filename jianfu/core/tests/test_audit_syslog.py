"""Audit entries and checkpoints reach a real syslog receiver (a UDP socket on 127.0.0.1) in the
framing SysLogHandler writes: <PRI>jianfu[pid]: message, facility local0, severity info."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.core import audit, services, syslog_forward
from jianfu.core.models import AuditEntry

ROOT = Path(__file__).resolve().parents[3]
# local0 (16) * 8 + info (6)
FRAME = re.compile(r"^<134>jianfu\[(\d+)\]: (.*)\x00?$", re.S)


@pytest.fixture
def receiver():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


@pytest.fixture
def forwarding(receiver):
    """The handler settings.LOGGING installs when JIANFU_SYSLOG_ADDRESS names the receiver."""
    host, port = receiver.getsockname()
    handler = syslog_forward.handler(f"{host}:{port}")
    log = logging.getLogger(syslog_forward.LOGGER)
    log.addHandler(handler)
    yield
    log.removeHandler(handler)
    handler.close()


def _message(sock) -> str:
    data, _addr = sock.recvfrom(65536)
    match = FRAME.match(data.decode())
    assert match, data
    return match.group(2).rstrip("\x00")


@pytest.mark.django_db
def test_a_committed_write_reaches_syslog_with_who_what_where_and_its_hash(
    login, units, receiver, forwarding, django_capture_on_commit_callbacks
):
    client = login("sysadmin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("unit_edit", args=[units["TA01"].pk]),
            {
                "code": "TA01",
                "name": "甲一镇新名",
                "short_name": "",
                "kind": "township",
                "parent_code": "TA",
            },
            REMOTE_ADDR="10.1.2.3",
        )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(code="jianfu.core.unit.updated").latest("seq")
    kind, _, body = _message(receiver).partition(" ")
    sent = json.loads(body)
    assert kind == "audit"
    assert sent["seq"] == entry.seq and sent["hash"] == entry.hash
    assert sent["code"] == "jianfu.core.unit.updated" and sent["success"] is True
    assert sent["actor"] == "sysadmin" and sent["ip"] == "10.1.2.3"
    assert sent["object"] == f"core.unit:{units['TA01'].pk}"


@pytest.mark.django_db
def test_a_rolled_back_write_is_not_forwarded(
    people, units, receiver, forwarding, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.unit_update(by=people["sysadmin"], unit=units["TA01"], name="回滚")
        raise RuntimeError("the caller fails after the write")
    assert callbacks == []
    receiver.settimeout(0.5)
    with pytest.raises(TimeoutError):
        receiver.recvfrom(65536)


@pytest.mark.django_db
def test_a_checkpoint_goes_to_syslog_as_written_to_the_file(
    settings, tmp_path, people, units, receiver, forwarding
):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path
    services.unit_update(by=people["sysadmin"], unit=units["TA01"], name="甲一镇新")
    seq, digest = audit.write_checkpoint()
    kind, _, line = _message(receiver).partition(" ")
    assert kind == "audit-head"
    assert line == audit.checkpoint_path().read_text().strip()
    assert f" head {seq} {digest} " in line


def test_the_setting_routes_the_logger_to_the_address(receiver, tmp_path):
    host, port = receiver.getsockname()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        JIANFU_SYSLOG_ADDRESS=f"{host}:{port}",
        JIANFU_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="jianfu.settings",
        PYTHONPATH=str(ROOT),
    )
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('jianfu.audit.syslog').info('probe 探针')"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=60)
    assert _message(receiver) == "probe 探针"


def test_addresses_are_read_as_a_socket_path_or_host_and_port():
    assert syslog_forward.parse_address("/dev/log") == "/dev/log"
    assert syslog_forward.parse_address("10.0.0.5:5514") == ("10.0.0.5", 5514)
    assert syslog_forward.parse_address("loghost") == ("loghost", 514)
