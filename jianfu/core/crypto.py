"""Sealing personal data at rest: SM4-GCM (the national block cipher in an authenticated mode),
JSON inside.

`seal(obj) -> bytes` and `unseal(bytes) -> obj`. The master key lives outside the database and
the code: the environment variable JIANFU_SM4_KEY (hex, 128 bits), or a file named by
JIANFU_SM4_KEY_FILE holding the hex. For development only, when neither is set, a key file is
created (mode 0600) in the var directory's keys/ folder; the system check jianfu.W010 warns when a
production install keeps its key file beside its database (whoever copies one copies both).

The sealing key is derived from the master key with HMAC-SM3 and a purpose label, so the master key
itself never meets the cipher and other purposes can derive keys of their own. A sealed value is
VERSION ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes); the version byte is authenticated too.
A tampered value or one sealed under another key is refused (SealError), never half-read.
"""

import functools
import hmac
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

ENV_KEY = "JIANFU_SM4_KEY"
ENV_KEY_FILE = "JIANFU_SM4_KEY_FILE"
VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
PURPOSE = b"jianfu.seal.v1"


class SealError(Exception):
    """A sealed value that cannot be opened: tampered, truncated or sealed under another key."""


class KeyConfigError(Exception):
    """The configured key is missing or malformed (raised at first use, and by the system check)."""


def default_key_file() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "sm4.key"


def key_file() -> Path | None:
    """The file the key is read from, or None when it comes from the environment variable."""
    if os.environ.get(ENV_KEY):
        return None
    if named := os.environ.get(ENV_KEY_FILE):
        return Path(named)
    return default_key_file()


def _parse(text: str, where: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise KeyConfigError(f"{where}: the SM4 key must be hexadecimal") from exc
    if len(raw) < 16:
        raise KeyConfigError(f"{where}: the SM4 key must be at least 128 bits (32 hex digits)")
    return raw


def _create_dev_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: two workers starting together never write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(16) + "\n")


@functools.cache
def master_key() -> bytes:
    if text := os.environ.get(ENV_KEY):
        return _parse(text, ENV_KEY)
    path = key_file()
    if not os.environ.get(ENV_KEY_FILE) and not path.exists():
        _create_dev_key(path)
    try:
        return _parse(path.read_text(), str(path))
    except FileNotFoundError as exc:
        raise KeyConfigError(f"{ENV_KEY_FILE}: no key file at {path}") from exc


def forget_key() -> None:
    """Read the key again at next use (tests, and a key rotated under a running shell)."""
    master_key.cache_clear()


def _sealing_key(master: bytes) -> bytes:
    return hmac.new(master, PURPOSE, "sm3").digest()[:16]


def seal(obj, *, key: bytes | None = None) -> bytes:
    plain = json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(_sealing_key(key or master_key())), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(VERSION)
    body = enc.update(plain) + enc.finalize()
    return VERSION + nonce + body + enc.tag


def unseal(data: bytes, *, key: bytes | None = None):
    data = bytes(data)
    if len(data) < 1 + NONCE_BYTES + TAG_BYTES or data[:1] != VERSION:
        raise SealError("not a sealed value")
    nonce = data[1 : 1 + NONCE_BYTES]
    body, tag = data[1 + NONCE_BYTES : -TAG_BYTES], data[-TAG_BYTES:]
    dec = Cipher(
        algorithms.SM4(_sealing_key(key or master_key())), modes.GCM(nonce, tag)
    ).decryptor()
    dec.authenticate_additional_data(VERSION)
    try:
        plain = dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise SealError("the sealed value was altered or sealed under another key") from exc
    return json.loads(plain)


def fingerprint(text: str) -> str:
    """A keyed digest (HMAC-SM3) of a short secret such as a query code: comparable, not
    reversible without the key."""
    return hmac.new(master_key(), b"jianfu.fingerprint:" + text.encode(), "sm3").hexdigest()
