"""The audit log: one call (`record`) made by services, chained with HMAC-SM3.

`record` must run inside the service's transaction, as its last statement: it takes the chain head
row's lock, so writers queue only for the append, and a failed audit write rolls the change back.

Each entry's hash is an HMAC-SM3 over its fields and the previous hash, under a key kept outside
the database and the code (core.audit_key): whoever can write the database cannot recompute the
chain, so `verify` names the first altered entry even when every later hash was rewritten.
Removing the newest entries and rewinding the head is caught by the checkpoints: heads written,
each with its own HMAC, to an append-only file outside the var directory and to syslog
(`write_checkpoint`, nightly and `jianfu audit checkpoint`). Once committed, every entry is also
sent to syslog (core.syslog_forward). On the database, triggers refuse UPDATE and DELETE of entries
(migration 0007).
"""

import contextvars
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.utils.translation import gettext_lazy as _

from . import audit_key, clock, prepared
from .models import AuditEntry, AuditHead
from .syslog_forward import LOGGER as SYSLOG_LOGGER

log = logging.getLogger("jianfu.audit")
forward_log = logging.getLogger(SYSLOG_LOGGER)

GENESIS = "0" * 64

# The sentence for each event code. Apps add theirs with `describe()`.
SENTENCES: dict[str, str] = {
    "jianfu.core.login.succeeded": _("登录成功"),
    "jianfu.core.login.failed": _("登录失败"),
    "jianfu.core.login.locked": _("登录失败次数过多，账户被锁定"),
    "jianfu.core.logout": _("退出登录"),
    "jianfu.core.session.expired": _("空闲超时退出"),
    "jianfu.core.password.changed": _("修改密码"),
    "jianfu.core.password.reset": _("重置密码"),
    "jianfu.core.account.created": _("新增账户"),
    "jianfu.core.account.updated": _("修改账户"),
    "jianfu.core.account.deactivated": _("停用账户"),
    "jianfu.core.account.activated": _("启用账户"),
    "jianfu.core.account.unlocked": _("解除锁定"),
    "jianfu.core.role.granted": _("授予角色"),
    "jianfu.core.role.revoked": _("收回角色"),
    "jianfu.core.unit.created": _("新增单位"),
    "jianfu.core.unit.updated": _("修改单位"),
    "jianfu.core.unit.moved": _("调整上级单位"),
    "jianfu.core.unit.closed": _("撤销单位"),
    "jianfu.core.unit.imported": _("导入单位"),
    "jianfu.core.unit.exported": _("导出单位"),
    "jianfu.core.setting.changed": _("修改运行参数"),
    "jianfu.core.token.issued": _("签发接口令牌"),
    "jianfu.core.token.revoked": _("吊销接口令牌"),
    "jianfu.demo.loaded": _("生成演示数据"),
}


def describe(codes: dict[str, str]) -> None:
    SENTENCES.update(codes)


def sentence(code: str) -> str:
    return str(SENTENCES.get(code, code))


@dataclass
class RequestContext:
    ip: str | None = None


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def bind_request(request) -> contextvars.Token:
    """Remember the client address for the audit entries this request writes."""
    return _context.set(RequestContext(ip=client_ip(request)))


def unbind(token: contextvars.Token) -> None:
    _context.reset(token)


def client_ip(request) -> str | None:
    # Behind the proxy the deployment names, trust its X-Forwarded-For; otherwise the socket peer.
    if settings.SECURE_PROXY_SSL_HEADER and (fwd := request.META.get("HTTP_X_FORWARDED_FOR")):
        return fwd.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _jsonable(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default, sort_keys=True))


def _default(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _payload(entry) -> bytes:
    """What an entry's hash covers: its fields and the previous entry's hash."""
    return _payload_around(entry, *_fixed_parts(entry))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _fixed_parts(entry) -> tuple[str, str]:
    """The payload's fields that do not depend on the chain's head nor on the object's id, as
    JSON: the JSON of a list is its items' JSON joined by commas, so the payload can be put
    together from these once the head is known, as the whole list would have been dumped."""
    before = [
        entry.actor_id,
        entry.actor_name,
        entry.ip,
        entry.code,
        entry.success,
        entry.object_type,
    ]
    return ",".join(map(_dumps, before)), ",".join(map(_dumps, [entry.changes, entry.extra]))


def _payload_around(entry, before: str, after: str) -> bytes:
    # [seq, at, actor_id, actor_name, ip, code, success, object_type, object_id, changes, extra,
    #  prev_hash]
    return (
        f"[{_dumps(entry.seq)},{_dumps(entry.at.astimezone(dt.UTC).isoformat())},{before},"
        f"{_dumps(entry.object_id)},{after},{_dumps(entry.prev_hash)}]"
    ).encode()


def _digest(entry, parts: tuple[str, str] | None = None) -> str:
    """The entry's HMAC-SM3; `parts`: its _fixed_parts when already built."""
    payload = _payload_around(entry, *parts) if parts else _payload(entry)
    return hmac.new(audit_key.entry_key(), payload, "sm3").hexdigest()


def _plain_digest(entry) -> str:
    """The unkeyed SM3 of the chain before it was keyed (migration 0007 rekeys those entries)."""
    return hashlib.new("sm3", _payload(entry)).hexdigest()


def actor_identity(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if getattr(actor, "is_token", False):
        return None, f"token:{actor.token.pk}:{actor.token.name}"
    return actor.pk, actor.get_username()


def record(
    code: str, *, head: tuple[int, str] | None = None, last: bool = False, **fields
) -> AuditEntry:
    """Append an entry to the chain in the caller's transaction; `fields` are pending()'s
    (actor, obj, object_type, object_id, changes, extra, success, actor_name). `head`: the
    chain's head (seq, hash) when the caller has already locked and read it in this
    transaction, in the same statement as its own write (HEAD_LOCK_SQL), which spares a round
    trip to the database. `last`: nothing follows in the caller's transaction, so where it is
    the outermost one the append is sent with its COMMIT (prepared.execute_and_commit): the
    head's lock is then held for one round trip after the head is read."""
    return pending(code, **fields).append(head=head, last=last)


def pending(
    code: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changes: dict | None = None,
    extra: dict | None = None,
    success: bool = True,
    actor_name: str | None = None,
) -> "Pending":
    """record()'s entry, built as far as it goes without the chain's head; `.append()` chains
    it. A caller whose own statement takes the head (HEAD_LOCK_SQL) builds it before that
    statement, so that nothing of this runs while the head is locked; the id of an object that
    statement inserts is set on `.entry.object_id` before the append."""
    if code not in SENTENCES:
        raise KeyError(f"unknown audit code: {code}")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    actor_id, name = actor_identity(actor)
    entry = AuditEntry(
        actor_id=actor_id,
        actor_name=(actor_name or name)[:160],
        ip=(_context.get() or RequestContext()).ip,
        code=code,
        success=success,
        object_type=object_type,
        object_id=str(object_id),
        changes=_jsonable(changes or {}),
        extra=_jsonable(extra or {}),
    )
    return Pending(entry)


# Set once the head is known (object_id: a caller's insert may learn it in the same statement).
_CHAINED_FIELDS = frozenset({"seq", "at", "object_id", "prev_hash", "hash"})


class Pending:
    """An entry waiting for the chain's head (see pending())."""

    def __init__(self, entry: AuditEntry):
        self.entry = entry
        fields = _append_statements(connection.alias)[0]
        # Everything that does not depend on the chain's head is converted before the head is
        # locked: the lock is held until the caller's transaction commits, and every write in the
        # application waits for it (at the month-end burst, four web processes at once).
        self._params = {
            f.attname: f.get_db_prep_save(getattr(entry, f.attname), connection)
            for f in fields
            if f.attname not in _CHAINED_FIELDS
        }
        self._parts = _fixed_parts(entry)
        # Forwarded once committed: a write rolled back is not in the chain, nor at the syslog
        # server. Only when a syslog handler is configured (not any handler: a test runner's
        # capture is one), so the month-end burst pays nothing otherwise.
        self._forwarded = any(isinstance(h, SysLogHandler) for h in forward_log.handlers)

    def append(self, *, head: tuple[int, str] | None = None, last: bool = False) -> AuditEntry:
        """Chain the entry in the caller's transaction (record()'s `head` and `last`)."""
        entry = self.entry
        # No savepoint: record() is the last statement of its caller's transaction, and a failure
        # here must roll that whole transaction back anyway.
        with transaction.atomic(savepoint=False):
            head_seq, entry.prev_hash = head if head is not None else _lock_head()
            entry.seq = head_seq + 1
            # Stamped once the head is held, so the entries' times follow their order in the chain.
            entry.at = clock.now().astimezone(dt.UTC)
            entry.hash = _digest(entry, self._parts)
            _append(entry, self._params, last)
        if self._forwarded:
            transaction.on_commit(functools.partial(forward, entry))
        return entry


def forward(entry: AuditEntry) -> None:
    """One JSON line per entry to the syslog logger."""
    forward_log.info(
        "audit %s",
        json.dumps(
            {
                "seq": entry.seq,
                "at": entry.at.isoformat(),
                "code": entry.code,
                "success": entry.success,
                "actor": entry.actor_name,
                "actor_id": entry.actor_id,
                "ip": entry.ip,
                "object": f"{entry.object_type}:{entry.object_id}" if entry.object_type else "",
                "hash": entry.hash,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
    )


# Every write in the application ends here, so the append is plain statements (two round trips on
# PostgreSQL, three elsewhere) rather than three ORM queries (building them cost more than running
# them at the month-end burst). The values still go through each field's own database conversion.
_ENTRY_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "code",
    "success",
    "object_type",
    "object_id",
    "changes",
    "extra",
    "prev_hash",
    "hash",
)


# The head, locked until the transaction ends, as a lateral subquery a caller's own statement can
# join (PostgreSQL): seq and hash are the newest committed, as _lock_head's.
HEAD_LOCK_SQL = f"SELECT seq, hash FROM {AuditHead._meta.db_table} WHERE id = 1 FOR UPDATE"  # noqa: S608


def _lock_head() -> tuple[int, str]:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with prepared.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {AuditHead._meta.db_table} WHERE id = 1{lock}")  # noqa: S608
        return cursor.fetchone()


@functools.cache
def _append_statements(alias: str) -> tuple[list, str, str, str | None]:
    """(fields, insert the entry, move the head, both in one statement where the database can),
    built once per process."""
    ops = connections[alias].ops
    fields = [AuditEntry._meta.get_field(name) for name in _ENTRY_FIELDS]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {AuditEntry._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    move_head = f"UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s WHERE id = 1"  # noqa: S608
    # PostgreSQL: one round trip, the entry and the head move in one statement.
    both = (
        f"WITH e AS ({insert}) {move_head}" if connections[alias].vendor == "postgresql" else None
    )
    return fields, insert, move_head, both


def _append(entry: AuditEntry, fixed: dict, last: bool = False) -> None:
    """Insert the entry and move the head; `fixed`: the values of the fields not set by the
    chaining, already converted for the database."""
    fields, insert, move_head, both = _append_statements(connection.alias)
    params = [
        fixed[f.attname]
        if f.attname in fixed
        else f.get_db_prep_save(getattr(entry, f.attname), connection)
        for f in fields
    ]
    if not (both and last and prepared.execute_and_commit(both, [*params, entry.seq, entry.hash])):
        with prepared.cursor() as cursor:
            if both:
                cursor.execute(both, [*params, entry.seq, entry.hash])
            else:
                cursor.execute(insert, params)
                cursor.execute(move_head, [entry.seq, entry.hash])
    entry._state.adding = False


def snapshot(obj: models.Model, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def diff(before: dict, after: dict) -> dict:
    """Changed fields only, as {field: [before, after]}."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if _jsonable(before.get(k)) != _jsonable(after.get(k))
    }


# --- Verification -------------------------------------------------------------------------------


@dataclass
class Finding:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"#{self.seq}: {self.problem}"


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / "chain-heads.log"


def _checkpoint_mac(body: str) -> str:
    return hmac.new(audit_key.checkpoint_key(), body.encode(), "sm3").hexdigest()


def _head() -> tuple[int, str]:
    return AuditHead.objects.filter(id=1).values_list("seq", "hash").first() or (0, GENESIS)


def _write_head_line(kind: str, seq: int, digest: str) -> None:
    """Append one signed line (`at kind seq hash mac`) to the checkpoint file and send it to
    syslog. The file is opened for appending only, as `chattr +a` allows."""
    body = f"{clock.now().isoformat()} {kind} {seq} {digest}"
    line = f"{body} {_checkpoint_mac(body)}"
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())
    forward_log.info("audit-%s %s", kind, line)
    log.info("audit chain %s seq=%s hash=%s", kind, seq, digest)


def write_checkpoint() -> tuple[int, str]:
    """Write the chain head out (the checkpoint file and syslog), so a truncated chain is
    detected too: nightly (tasks.audit_checkpoint), by `jianfu audit checkpoint` and by
    `jianfu backup`."""
    head = _head()
    _write_head_line("head", *head)
    return head


def write_restore_mark() -> tuple[int, str]:
    """After a restore the chain continues from the backup's head: heads written before it with
    a higher number belong to the chain the restore replaced, and no longer count."""
    head = _head()
    _write_head_line("restore", *head)
    return head


def _checkpoints() -> tuple[list[tuple[int, str]], Finding | None]:
    """The signed heads that still count, in order, and the first line whose signature fails."""
    try:
        lines = checkpoint_path().read_text().splitlines()
    except FileNotFoundError:
        return [], None
    heads: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if len(parts) == 3:
            continue  # an unsigned head from before the chain was keyed (it named plain hashes)
        if len(parts) != 5 or not parts[2].isdigit() or parts[1] not in {"head", "restore"}:
            return heads, Finding(0, str(_("检查点文件第 %(n)s 行格式不符")) % {"n": number})
        body = " ".join(parts[:4])
        if not hmac.compare_digest(_checkpoint_mac(body), parts[4]):
            return heads, Finding(
                int(parts[2]),
                str(_("检查点文件第 %(n)s 行签名不符（检查点被改动）")) % {"n": number},
            )
        seq, digest = int(parts[2]), parts[3]
        if parts[1] == "restore":
            heads = [(s, d) for s, d in heads if s <= seq]
        heads.append((seq, digest))
    return heads, None


def verify(chunk: int = 5000) -> Finding | None:
    """Walk the chain; return the first entry altered or removed, or None when it holds."""
    expected_seq, prev = 1, GENESIS
    hashes: dict[int, str] = {}
    heads, bad_line = _checkpoints()
    wanted = {seq for seq, _digest in heads}
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                return Finding(expected_seq, str(_("记录缺失（已被删除）")))
            if entry.prev_hash != prev or not hmac.compare_digest(_digest(entry), entry.hash):
                return Finding(entry.seq, str(_("记录内容与校验值不符（已被篡改）")))
            if entry.seq in wanted:
                hashes[entry.seq] = entry.hash
            prev, expected_seq, last = entry.hash, entry.seq + 1, entry.seq
    for seq, digest in sorted(heads):
        if seq == 0:
            continue
        if seq >= expected_seq:
            return Finding(
                expected_seq, str(_("链尾被截断：已写出的链头第 %(seq)s 条不存在")) % {"seq": seq}
            )
        if hashes.get(seq) != digest:
            return Finding(seq, str(_("与已写出的链头校验值不符")))
    if bad_line is not None:
        return bad_line
    head = _head()
    if head[0] != expected_seq - 1 or head[1] != prev:
        return Finding(expected_seq, str(_("链头与最后一条记录不符（链尾被截断）")))
    return None


def rekey_plain_chain(entries, save) -> int:
    """Re-hash the chain written before it was keyed (migration 0007): walk the entries in order
    while their plain SM3 chain holds and give each its keyed hash. A break stays where it is
    (those entries keep their plain hashes), so `verify` still names it. Returns the number
    rekeyed; `save(entry)` stores one entry's prev_hash and hash."""
    old_prev, new_prev, count = GENESIS, GENESIS, 0
    for entry in entries:
        if entry.seq != count + 1 or entry.prev_hash != old_prev:
            break
        if _plain_digest(entry) != entry.hash:
            break
        old_prev = entry.hash
        entry.prev_hash = new_prev
        entry.hash = _digest(entry)
        save(entry)
        new_prev, count = entry.hash, count + 1
    return count
