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

from django.utils.translation import gettext as _

from jianfu.core import parsing
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.imports.units import UnitIndex

from ..models import Meeting
from .checks import Plan
from .columns import CO_UNITS, COLUMNS, COUNTED, MERGED, MODELS, UNIT, _Choices
from .sheet import Sheet
from .write import Change

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


def _raw(value):
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(value) if isinstance(value, set) else list(value)
    return value


def old_values(kind: str, p: Plan, changes: list[Change]) -> dict:
    """{"<id>.<field>": [old, new]} of every change (co-issuers or targets as id lists): what the
    batch's audit entry keeps, so the values a file replaced can be found again."""
    out = {}
    for c in changes:
        pk, current = c.row.match, p.existing[c.row.match]
        for f in c.fields:
            out[f"{pk}.{f}"] = [_raw(current[f]), _raw(getattr(c.obj, f))]
        if c.co_added:
            held = sorted(p.existing_co.get(pk, set()))
            out[f"{pk}.{CO_UNITS}"] = [held, sorted({*held, *c.co_added})]
    return out


def fingerprint(p: Plan, changes: list[Change]) -> str:
    """The rows that create, and every change with its old and new values: equal fingerprints
    mean the same file does the same thing to the same records."""
    state = {
        "creates": [r.line for r in p.creates],
        "changes": [
            [
                c.row.line,
                c.row.match,
                {f: [_raw(p.existing[c.row.match][f]), _raw(getattr(c.obj, f))] for f in c.fields},
                sorted(c.co_added),
            ]
            for c in changes
        ],
    }
    return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


class NeedsConfirmation(Exception):  # noqa: N818 - not an error: the file awaits confirmation
    """Raised (inside the import's transaction, so nothing is saved) when a file would change
    existing records and the person has not yet confirmed the preview."""

    def __init__(self, preview: Preview):
        super().__init__("the file changes existing records")
        self.preview = preview


def stale() -> ImportFailed:
    return ImportFailed(
        [
            SheetError(
                None,
                None,
                _(
                    "预览之后，相关记录已被修改（或有人导入了相同的记录），本次没有保存任何内容。"
                    "请重新上传文件，核对新的预览后再确认。"
                ),
            )
        ]
    )


def build(kind: str, sheet: Sheet, p: Plan, changes: list[Change], units: UnitIndex) -> Preview:
    labels = _Labels(kind, units)
    shown = []
    changed = [c for c in changes if c.fields or c.co_added]
    for c in changed[:SHOWN]:
        current = p.existing[c.row.match]
        fields = [
            [labels.header(f), labels.value(f, current[f]), labels.value(f, getattr(c.obj, f))]
            for f in c.fields
        ]
        if c.co_added:
            held = sorted(p.existing_co.get(c.row.match, set()))
            fields.append(
                [
                    labels.header(CO_UNITS),
                    labels.units(held),
                    labels.units([*held, *c.co_added]),
                ]
            )
        shown.append(
            {"line": c.row.line, "pk": c.row.match, "title": current["title"], "fields": fields}
        )
    return Preview(
        kind=kind,
        rows=len(sheet.rows),
        created=len(p.creates),
        changed=len(changed),
        unchanged=len(changes) - len(changed),
        changes=shown,
        examples=list(sheet.examples),
        fingerprint=fingerprint(p, changes),
    )


class _Labels:
    """Fields and values as the person reads them in the file."""

    def __init__(self, kind: str, units: UnitIndex):
        self.kind, self.units_index = kind, units
        self.headers = {c.key: c.header for c in COLUMNS[kind]}
        self.headers |= {"unit_id": self.headers[UNIT], "merged_with_id": self.headers.get(MERGED)}
        model = MODELS[kind]
        names = {f.name: f for f in model._meta.concrete_fields}
        for f in ("reaches_grassroots", "grassroots_required"):
            if f in names:
                self.headers[f] = str(names[f].verbose_name)
        ch = _Choices()
        self.choices = {
            "document": {"kind": ch.document_kind},
            "meeting": {"level": ch.meeting_level, "form": ch.meeting_form},
            "inspection": {"kind": ch.inspection_kind, "method": ch.inspection_method},
        }[kind]
        self.levels = ch.levels
        self.meetings: dict[int, str] = {}  # merge targets' titles, read once each

    def header(self, f: str) -> str:
        if f == "counted":
            return self.headers[COUNTED]
        return self.headers.get(f) or f

    def units(self, ids) -> str:
        return "、".join(self._unit(u) for u in ids) or "—"

    def _unit(self, pk) -> str:
        info = self.units_index.info.get(pk)
        return info[1] if info else str(pk)

    def value(self, f: str, v) -> str:
        if v is None or v == "" or v == []:
            return "—"
        if f == "unit_id":
            return self._unit(v)
        if f == "merged_with_id":
            if v not in self.meetings:
                self.meetings[v] = (
                    Meeting.objects.filter(pk=v).values_list("title", flat=True).first() or ""
                )
            return f"{self.meetings[v]}（{v}）" if self.meetings[v] else str(v)
        if f in self.choices:
            return str(self.choices[f].labels.get(v, v))
        if f in ("addressed_levels", "attend_levels"):
            return parsing.join_labels(v, self.levels)
        if isinstance(v, bool):
            return parsing.yes_no(v)
        if isinstance(v, dt.time):
            return v.strftime("%H:%M")
        if isinstance(v, dt.date):
            return v.isoformat()
        text = str(v)
        return text if len(text) <= 80 else text[:80] + "…"
