"""What an import would do before it does it: rows that add records, rows that change existing
ones (each change as field: old → new) and rows that leave them as they are.

The page shows this and asks for confirmation when existing records would change; the write then
computes the same thing again inside its transaction and refuses when it differs from what was
shown (someone changed the records in between), so a confirmation applies exactly what it saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from jianfu.core.excel import ImportFailed, SheetError

# Changed rows listed with their fields (the counts are always complete).
SHOWN = 200


@dataclass
class Preview:
    kind: str
    rows: int  # data rows read (examples not counted)
    created: int
    changed: int
    unchanged: int
    changes: list[dict] = field(default_factory=list)  # the first SHOWN: line, pk, title, fields
    examples: list[int] = field(default_factory=list)
    fingerprint: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "examples": self.examples,
            "fingerprint": self.fingerprint,
        }


def raw(value):
    """A value as JSON keeps it (audit entries, fingerprints)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(value) if isinstance(value, set) else list(value)
    return value


def fingerprint(state) -> str:
    """Equal fingerprints: the same file does the same thing to the same records."""
    return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


class NeedsConfirmation(Exception):  # noqa: N818 - not an error: the file awaits confirmation
    """Raised (inside the import's transaction, so nothing is saved) when a file would change
    existing records and the person has not yet confirmed the preview."""

    def __init__(self, preview: Preview):
        super().__init__("the file changes existing records")
        self.preview = preview


def stale(spec) -> ImportFailed:
    return ImportFailed([SheetError(None, None, str(spec.stale))])


def build(name: str, sheet, plan, creates: int, changes: list, units) -> Preview:
    """The preview of `sheet` for its spec (named `name` in the preview); `creates`: how many
    rows add records, `changes`: spec.updates.of(sheet, plan)."""
    updates = sheet.spec.updates
    changed = [c for c in changes if updates.changed(c)] if updates else []
    return Preview(
        kind=name,
        rows=len(sheet.rows),
        created=creates,
        changed=len(changed),
        unchanged=len(changes) - len(changed),
        changes=updates.describe(sheet, plan, changed[:SHOWN], units) if changed else [],
        examples=list(sheet.examples),
        fingerprint=fingerprint(updates.state(plan, changes) if updates else creates),
    )
