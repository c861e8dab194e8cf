"""Where a master key lives: outside the database and the code.

One place for the rule both keys follow (the SM4 key of core.crypto, the audit chain's of
core.audit_key): an environment variable holding the hex (at least 128 bits), or a file named by a
second variable holding it. For development and the demo only, when neither is set, a key file is
created (mode 0600) in the var directory's keys/ folder; a deploy check warns when a production
install keeps it there, beside its database.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class KeyConfigError(Exception):
    """The configured key is missing or malformed (raised at first use, and by the system check)."""


@dataclass(frozen=True)
class KeySource:
    env: str  # the variable holding the hex
    env_file: str  # the variable naming a file that holds it
    filename: str  # the development key's file in var/keys/
    label: str  # how messages name the key

    def default_file(self) -> Path:
        return Path(settings.VAR_DIR) / "keys" / self.filename

    def file(self) -> Path | None:
        """The file the key is read from, or None when it comes from the environment variable."""
        if os.environ.get(self.env):
            return None
        if named := os.environ.get(self.env_file):
            return Path(named)
        return self.default_file()

    def parse(self, text: str, where: str) -> bytes:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError as exc:
            raise KeyConfigError(f"{where}: the {self.label} must be hexadecimal") from exc
        if len(raw) < 16:
            raise KeyConfigError(
                f"{where}: the {self.label} must be at least 128 bits (32 hex digits)"
            )
        return raw

    def read(self) -> bytes:
        if text := os.environ.get(self.env):
            return self.parse(text, self.env)
        path = self.file()
        if not os.environ.get(self.env_file) and not path.exists():
            _create_dev_key(path)
        try:
            return self.parse(path.read_text(), str(path))
        except FileNotFoundError as exc:
            raise KeyConfigError(f"{self.env_file}: no key file at {path}") from exc


def _create_dev_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: two workers starting together never write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(16) + "\n")
