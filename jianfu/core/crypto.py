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
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .keys import KeyConfigError, KeySource  # noqa: F401  (KeyConfigError: callers catch it here)

ENV_KEY = "JIANFU_SM4_KEY"
ENV_KEY_FILE = "JIANFU_SM4_KEY_FILE"
VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
PURPOSE = b"jianfu.seal.v1"


class SealError(Exception):
    """A sealed value that cannot be opened: tampered, truncated or sealed under another key."""


KEY = KeySource(ENV_KEY, ENV_KEY_FILE, "sm4.key", "SM4 key")


def default_key_file() -> Path:
    return KEY.default_file()


def key_file() -> Path | None:
    """The file the key is read from, or None when it comes from the environment variable."""
    return KEY.file()


@functools.cache
def master_key() -> bytes:
    return KEY.read()


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
