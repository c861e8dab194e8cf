"""The audit chain's key: HMAC-SM3 over every entry and every written checkpoint.

Kept where the database writer cannot read it from the database or the code, as the SM4 key
(core.crypto): the environment variable JIANFU_AUDIT_KEY (hex, at least 128 bits), or a file named
by JIANFU_AUDIT_KEY_FILE holding the hex. For development and the demo only, when neither is set,
a key file is created (mode 0600) in the var directory's keys/ folder; the deploy check jianfu.W011
warns when a production install keeps it there, beside its database.

Someone who can write the database but not read this key cannot recompute the chain after
altering an entry, so `audit.verify` names the first altered entry even when every later hash was
rewritten. Two keys are derived with a purpose label, one for entries and one for checkpoints.
"""

import functools
import hmac
from pathlib import Path

from .keys import KeySource

ENV_KEY = "JIANFU_AUDIT_KEY"
ENV_KEY_FILE = "JIANFU_AUDIT_KEY_FILE"
ENTRY_PURPOSE = b"jianfu.audit.entry.v1"
CHECKPOINT_PURPOSE = b"jianfu.audit.checkpoint.v1"


KEY = KeySource(ENV_KEY, ENV_KEY_FILE, "audit.key", "audit key")


def default_key_file() -> Path:
    return KEY.default_file()


def key_file() -> Path | None:
    """The file the key is read from, or None when it comes from the environment variable."""
    return KEY.file()


@functools.cache
def master_key() -> bytes:
    return KEY.read()


@functools.cache
def entry_key() -> bytes:
    return hmac.new(master_key(), ENTRY_PURPOSE, "sm3").digest()


@functools.cache
def checkpoint_key() -> bytes:
    return hmac.new(master_key(), CHECKPOINT_PURPOSE, "sm3").digest()


def forget_key() -> None:
    """Read the key again at next use (tests, and a key rotated under a running shell)."""
    master_key.cache_clear()
    entry_key.cache_clear()
    checkpoint_key.cache_clear()
