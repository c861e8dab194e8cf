"""Backup and restore, end to end through the `jianfu` command on real databases: an
installation with data, files and audit entries is backed up, restored into a fresh empty
database (PostgreSQL: a new database; SQLite: a new file in a new var directory) and its audit
chain verifies there."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from jianfu.testing.live import _drop_postgres_database, _postgres_database

ROOT = Path(__file__).resolve().parents[3]
# The keys travel apart from backups: both installations are given the same ones.
KEYS = {"JIANFU_AUDIT_KEY": "5a" * 16, "JIANFU_SM4_KEY": "a5" * 16}

SNAPSHOT = """
import json
from jianfu.core.models import AuditEntry, Unit, User
from django.conf import settings
files = sorted(
    (str(p.relative_to(settings.MEDIA_ROOT)), p.read_text())
    for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()
)
print(json.dumps({
    "units": sorted(Unit.objects.values_list("code", "name")),
    "users": sorted(User.objects.values_list("username", "password", "is_active")),
    "audit": list(AuditEntry.objects.order_by("seq").values_list("seq", "code", "hash")),
    "files": files,
}, ensure_ascii=False))
"""

WRITES = """
from jianfu.core import services
from jianfu.core.models import Unit, User
from django.conf import settings
admin = User.objects.get(username="sysadmin")
for i in range(3):
    services.unit_update(by=admin, unit=Unit.objects.get(code="TA01"), name=f"甲一镇{i}")
folder = settings.MEDIA_ROOT / "uploads"
folder.mkdir(parents=True, exist_ok=True)
(folder / "台账.txt").write_text("上传的文件")
"""


class Site:
    """One installation: its own var directory, database and checkpoint directory."""

    def __init__(self, name: str):
        self.root = Path(tempfile.mkdtemp(prefix=f"jianfu-{name}-"))
        suite_db = os.environ.get("DATABASE_URL", "")
        if suite_db.startswith("postgres"):
            self.database_url = _postgres_database(suite_db, f"jianfu_{name}_{os.getpid()}")
        else:
            self.database_url = f"sqlite:///{self.root / 'var' / 'jianfu.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            KEYS,
            DATABASE_URL=self.database_url,
            JIANFU_VAR_DIR=str(self.root / "var"),
            JIANFU_AUDIT_CHECKPOINT_DIR=str(self.root / "heads"),
            JIANFU_TESTING="1",
            DJANGO_SETTINGS_MODULE="jianfu.settings",
            PYTHONPATH=str(ROOT),
        )
        self.env = env

    def jianfu(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "jianfu.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def snapshot(self) -> dict:
        return json.loads(self.python(SNAPSHOT))

    def drop(self) -> None:
        if self.database_url.startswith("postgres"):
            _drop_postgres_database(self.database_url)


@pytest.fixture
def sites():
    made: list[Site] = []

    def make(name):
        made.append(Site(name))
        return made[-1]

    yield make
    for site in made:
        site.drop()


def test_a_backup_restores_into_an_empty_database_with_its_files_and_a_verified_chain(
    sites, tmp_path
):
    source = sites("bk_src")
    assert source.jianfu("migrate", "--noinput", "-v", "0").returncode == 0
    source.python("from jianfu.conftest import build_city; build_city()\n" + WRITES)
    before = source.snapshot()

    made = source.jianfu("backup", "--to", str(tmp_path))
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().rpartition("：")[2])
    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["parts"]) >= {"files.tar", "chain-heads.log"}
    # The backup's own entry was written before the dump, so the backup holds it.
    after_backup = source.snapshot()
    assert after_backup["audit"][-1][1] == "jianfu.core.backup.made"
    assert manifest["audit_head"]["seq"] == after_backup["audit"][-1][0]

    target = sites("bk_dst")
    restored = target.jianfu("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "审计链校验通过" in restored.stdout
    verify = target.jianfu("audit", "verify")
    assert verify.returncode == 0, verify.stderr

    got = target.snapshot()
    assert got["units"] == before["units"] and got["users"] == before["users"]
    assert got["files"] == before["files"] == [["uploads/台账.txt", "上传的文件"]]
    # The chain is the backup's, then the restore's own entry after it.
    assert got["audit"][:-1] == after_backup["audit"]
    assert got["audit"][-1][1] == "jianfu.core.backup.restored"

    # The restored database keeps the audit table append-only.
    refused = target.python(
        "from django.db import DatabaseError, connection\n"
        "try:\n"
        "    connection.cursor().execute('DELETE FROM core_auditentry')\n"
        "except DatabaseError as exc:\n"
        "    print('refused:', exc)\n"
    )
    assert "refused: audit entries are append-only" in refused

    # A second restore into the now non-empty database is refused, and nothing is changed.
    again = target.jianfu("restore", str(backup))
    assert again.returncode != 0 and "不是空的" in again.stderr
    assert target.snapshot() == got


def test_a_damaged_backup_is_refused_before_anything_is_restored(sites, tmp_path):
    backup = tmp_path / "jianfu-backup-x"
    backup.mkdir()
    (backup / "files.tar").write_bytes(b"changed")
    (backup / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "vendor": "sqlite",
                "audit_head": {"seq": 0, "hash": "0" * 64},
                "parts": {"files.tar": {"sha256": "0" * 64, "bytes": 7}},
            }
        )
    )
    target = sites("bk_bad")
    done = target.jianfu("restore", str(backup))
    assert done.returncode != 0 and "files.tar" in done.stderr and "校验值不符" in done.stderr
    assert not (target.root / "var" / "files").exists() or not any(
        (target.root / "var" / "files").iterdir()
    )
