"""Backup and restore of one installation: the database, the uploaded files and the audit
chain's written heads, in one timestamped directory with a manifest (sha256 of each part).

The database part is `pg_dump --format=custom` on PostgreSQL and the SQLite backup API on the
embedded database (a consistent copy while the server runs). The keys (SM4, audit) are never in a
backup: they travel separately, so whoever holds a backup cannot read the sealed personal data
or forge the audit chain. Both acts are audited: a backup records its entry before the dump
(so the backup holds it), a restore records its entry after (so the restored chain holds it).
"""

import datetime as dt
import getpass
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, clock

FORMAT = 1
MANIFEST = "manifest.json"
PG_PART = "database.dump"
SQLITE_PART = "database.sqlite3"
FILES_PART = "files.tar"
HEADS_PART = "chain-heads.log"

audit.describe(
    {
        "jianfu.core.backup.made": gettext_lazy("备份数据库与文件"),
        "jianfu.core.backup.restored": gettext_lazy("从备份恢复数据库与文件"),
    }
)


class BackupError(Exception):
    """A backup that cannot be made or restored; the message is for the operator."""


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pg_env_args() -> tuple[dict, list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(
            _("%(cmd)s 失败：%(err)s") % {"cmd": command[0], "err": done.stderr.strip()[-800:]}
        )


def _dump_database(target: Path) -> str:
    if connection.vendor == "postgresql":
        env, args = _pg_env_args()
        _run(["pg_dump", "--format=custom", "--file", str(target / PG_PART), *args], env)
        return PG_PART
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target / SQLITE_PART)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return SQLITE_PART
    raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": connection.vendor})


def _pack_files(target: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / FILES_PART, "w") as tar:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(media)), recursive=False)


def make(to: Path | None = None) -> Path:
    """Back up into a new directory under `to` (settings.BACKUP_DIR by default); return it."""
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(to or settings.BACKUP_DIR) / f"jianfu-backup-{stamp}"
    try:
        target.mkdir(parents=True, mode=0o700)
    except FileExistsError as exc:
        raise BackupError(_("备份目录已存在：%(path)s") % {"path": target}) from exc
    with transaction.atomic():
        audit.record(
            "jianfu.core.backup.made",
            actor_name=_operator(),
            extra={"to": target.name, "vendor": connection.vendor},
        )
    head = audit.write_checkpoint()
    parts = [_dump_database(target)]
    _pack_files(target)
    parts.append(FILES_PART)
    if audit.checkpoint_path().exists():
        shutil.copyfile(audit.checkpoint_path(), target / HEADS_PART)
        parts.append(HEADS_PART)
    manifest = {
        "format": FORMAT,
        "created_at": clock.now().isoformat(),
        "vendor": connection.vendor,
        "audit_head": {"seq": head[0], "hash": head[1]},
        "parts": {
            name: {"sha256": _sha256(target / name), "bytes": (target / name).stat().st_size}
            for name in parts
        },
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return target


def read_manifest(source: Path) -> dict:
    """The manifest, once every part it names is present and matches its sha256."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(
            _("%(path)s 里没有 manifest.json，不是本系统的备份") % {"path": source}
        ) from exc
    except ValueError as exc:
        raise BackupError(_("manifest.json 无法读取：%(err)s") % {"err": exc}) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("备份格式 %(f)s 不受支持") % {"f": manifest.get("format")})
    for name, part in manifest["parts"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(_("备份缺少 %(name)s") % {"name": name})
        if _sha256(path) != part["sha256"]:
            raise BackupError(
                _("备份的 %(name)s 与清单中的校验值不符（已损坏或被改动）") % {"name": name}
            )
    return manifest


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _media_is_empty() -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not media.is_dir() or not any(media.iterdir())


def _restore_database(source: Path, manifest: dict, force: bool) -> None:
    if connection.vendor == "postgresql":
        env, args = _pg_env_args()
        clean = ["--clean", "--if-exists"] if force else []
        connection.close()
        _run(
            ["pg_restore", "--no-owner", "--exit-on-error", *clean, *args, str(source / PG_PART)],
            env,
        )
    else:
        connection.close()
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        backup = sqlite3.connect(f"file:{source / SQLITE_PART}?mode=ro", uri=True)
        try:
            backup.backup(target)
        finally:
            backup.close()
            target.close()


def _restore_files(source: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / FILES_PART) as tar:
        # "data": no absolute paths, no links out of the folder, no devices.
        tar.extractall(media, filter="data")


def _restore_heads(source: Path) -> None:
    """Heads written up to the backup go to this installation's checkpoint file (those it lacks)."""
    path = source / HEADS_PART
    if not path.exists():
        return
    current = audit.checkpoint_path()
    have = set(current.read_text().splitlines()) if current.exists() else set()
    missing = [line for line in path.read_text().splitlines() if line and line not in have]
    if missing:
        current.parent.mkdir(parents=True, exist_ok=True)
        with current.open("a") as f:
            f.write("".join(line + "\n" for line in missing))


def restore(source: Path, *, force: bool = False) -> audit.Finding | None:
    """Restore a backup into this installation's (empty) database and files; return what
    `audit.verify` finds afterwards (None: the chain holds)."""
    source = Path(source)
    manifest = read_manifest(source)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            _("这是 %(a)s 数据库的备份，不能恢复到 %(b)s 数据库")
            % {"a": manifest["vendor"], "b": connection.vendor}
        )
    if not force and not database_is_empty():
        raise BackupError(_("目标数据库不是空的：只能恢复到空数据库（确需覆盖请加 --force）"))
    if not force and not _media_is_empty():
        raise BackupError(
            _("文件目录 %(path)s 不是空的（确需覆盖请加 --force）") % {"path": settings.MEDIA_ROOT}
        )
    _restore_database(source, manifest, force)
    _restore_files(source)
    _restore_heads(source)
    # The chain continues from the backup's head: heads written after it (the chain the restore
    # replaced) no longer count.
    audit.write_restore_mark()
    finding = audit.verify()
    with transaction.atomic():
        audit.record(
            "jianfu.core.backup.restored",
            actor_name=_operator(),
            extra={
                "from": source.name,
                "backup_head": manifest["audit_head"]["seq"],
                "verified": finding is None,
            },
        )
    audit.write_checkpoint()
    return finding
