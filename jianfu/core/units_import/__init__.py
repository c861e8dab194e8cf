"""Units tree import and export (Excel or CSV).

Import is all or nothing: the whole file is read and checked first, every problem is reported with
the row (as the person sees it in Excel, header = row 1) and the column; only a file without a
single problem is written, in one transaction that ends with ONE audit entry for the batch (file
SHA-256, the stored file, the ids created and updated).

A unit is found by its code. An existing code updates that unit (and moves it when the parent
differs); a new code creates a unit under its parent, which is either a unit already in the
importer's scope or another row of the same file. A parent that exists outside the importer's
scope is "not within your units" (the issue's choice: saying that much helps the person and tells
them nothing else about the unit), one that does not exist is "not found".

Speed: new units are written with bulk_create, paths computed here (next free step under each
parent, read once per parent), numchild fixed with one update per distinct increment; only moves of
existing units go through treebeard (they are rare). 30,000 rows take a few seconds.

The modules: columns (the columns and unit kinds), sheet (reading and checking cells), checks
(against the database), write, workbooks (export and template).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow

from .. import audit, clock, excel, scope
from ..excel import ImportFailed, SheetError
from ..models import ImportRecord, User
from .checks import Existing, Plan, plan
from .columns import (
    CODE,
    EXPORT_COLUMNS,
    HEADER_KEYS,
    HEADERS,
    KIND,
    NAME,
    PARENT,
    REQUIRED_COLUMNS,
    SHORT,
    SUCCESSOR,
    TEMPLATE_COLUMNS,
    UNTIL,
    kind_labels,
)
from .columns import _kinds_accepted as _kinds_accepted  # tests read its sentence
from .sheet import Row, Sheet, parse
from .workbooks import export_rows, export_units, units_template
from .write import _write

__all__ = [
    "CODE",
    "EXPORT_COLUMNS",
    "HEADERS",
    "HEADER_KEYS",
    "KIND",
    "NAME",
    "PARENT",
    "REQUIRED_COLUMNS",
    "SHORT",
    "SUCCESSOR",
    "TEMPLATE_COLUMNS",
    "UNTIL",
    "Existing",
    "Plan",
    "Row",
    "Sheet",
    "export_rows",
    "export_units",
    "import_units",
    "preview_units",
    "kind_labels",
    "parse",
    "plan",
    "units_template",
]


def import_units(
    *, by, filename: str, data: bytes, expect: str | None = None, progress=None
) -> ImportRecord:
    """Import a units sheet (.xlsx, .xls or CSV); all or nothing. `expect`: the fingerprint of the
    preview the person confirmed (refused when the file would now do anything else). Raises
    ImportFailed with every problem found, or PermissionDenied without core.unit:manage."""
    scope.require(by, "core.unit:manage")
    tell = progress or _silent
    tell(1, _("读取文件"))
    sheet = parse(excel.read_rows(filename, data))
    # Told before the transaction: a poller sees nothing said within it until the end.
    tell(3, _("与已有单位核对并保存"))
    try:
        with excel.kept_upload(filename, data) as upload, transaction.atomic():
            p = plan(sheet, by)
            changes = changes_of(p)
            if expect is not None and _fingerprint(p, changes) != expect:
                raise _stale()
            stored_as = upload.store()
            created_ids, updated_ids = _write(p, clock.now())
            user = by if isinstance(by, User) else None
            record = ImportRecord.objects.create(
                kind="units",
                unit_id=scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=upload.sha256,
                rows=len(sheet.rows),
                created=len(created_ids),
                updated=len(updated_ids),
                by=user,
            )
            audit.record(
                "jianfu.core.unit.imported",
                actor=by,
                object_type="core.importrecord",
                object_id=record.pk,
                # The values the file replaced, by unit id and field.
                changes={
                    f"{c['pk']}.{f}": list(v) for c in changes for f, v in c["fields"].items()
                },
                extra={
                    "sha256": upload.sha256,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(sheet.rows),
                    "created_ids": created_ids,
                    "updated_ids": updated_ids,
                    "examples_skipped": sheet.examples,
                },
            )
    except PathOverflow as e:
        raise ImportFailed(
            [
                SheetError(
                    None,
                    None,
                    _("同一个上级单位下的下级单位数超过系统上限，本次没有保存任何内容。"),
                )
            ]
        ) from e
    except (IntegrityError, InvalidMoveToDescendant) as e:
        # Only a change made by someone else between our reads and writes gets here.
        raise ImportFailed(
            [
                SheetError(
                    None,
                    None,
                    _("导入时单位数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。"),
                )
            ]
        ) from e
    record.examples = sheet.examples
    return record


def _silent(step: int, label) -> None:
    pass


def changes_of(p: Plan) -> list[dict]:
    """Each existing unit the file changes: {"pk", "code", "name", "fields": {field: [old,
    new]}} with codes for the parent and successor, in the file's order."""
    from ..models import Unit
    from .checks import _codes_by_path, _codes_by_pk

    named = {r.code: (r, e) for r, e in p.updates}
    named |= {r.code: (r, p.existing[r.code]) for r in p.moves if r.code not in named}
    if not named:
        return []
    step = Unit.steplen
    parent_at = _codes_by_path({e.path[:-step] for _r, e in named.values()})
    successor_code = _codes_by_pk({e.successor_id for _r, e in named.values() if e.successor_id})
    out = []
    for code, (r, e) in sorted(named.items(), key=lambda kv: kv[1][0].line):
        fields: dict[str, list] = {}

        def put(name, old, new, fields=fields):
            if old != new:
                fields[name] = [old, new]

        put("name", e.name, r.name)
        put("kind", e.kind, r.kind)
        if r.short_name is not None:
            put("short_name", e.short_name, r.short_name)
        if p.has_until:
            put(
                "valid_until",
                e.valid_until.isoformat() if e.valid_until else None,
                r.valid_until.isoformat() if r.valid_until else None,
            )
        if code in p.successor_of:
            put("successor", successor_code.get(e.successor_id), p.successor_of[code])
        if code in p.parent_of:
            put("parent", parent_at.get(e.path[:-step]), p.parent_of[code])
        if fields:
            out.append({"pk": e.pk, "code": code, "name": e.name, "line": r.line, "fields": fields})
    return out


def _fingerprint(p: Plan, changes: list[dict]) -> str:
    import hashlib
    import json

    state = {"creates": [r.code for r in p.creates], "changes": changes}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _stale() -> ImportFailed:
    return ImportFailed(
        [
            SheetError(
                None,
                None,
                _(
                    "预览之后，相关单位已被修改（或有人导入了相同的单位），本次没有保存任何内容。"
                    "请重新上传文件，核对新的预览后再确认。"
                ),
            )
        ]
    )


SHOWN = 200  # changed units listed with their fields in a preview (the counts are complete)


def preview_units(*, by, filename: str, data: bytes, progress=None) -> dict:
    """What importing the file would do (new units, changed ones with field: old → new,
    unchanged ones); nothing saved. ImportFailed or PermissionDenied as import_units."""
    scope.require(by, "core.unit:manage")
    tell = progress or _silent
    tell(1, _("读取文件"))
    sheet = parse(excel.read_rows(filename, data))
    tell(3, _("与已有单位核对"))
    p = plan(sheet, by)
    changes = changes_of(p)
    kinds = kind_labels()
    headers = {
        "name": HEADERS[NAME],
        "kind": HEADERS[KIND],
        "short_name": HEADERS[SHORT],
        "valid_until": HEADERS[UNTIL],
        "successor": HEADERS[SUCCESSOR],
        "parent": HEADERS[PARENT],
    }

    def shown(f, v):
        if v is None or v == "":
            return "—"
        return str(kinds.get(v, v)) if f == "kind" else str(v)

    return {
        "kind": "units",
        "rows": len(sheet.rows),
        "created": len(p.creates),
        "changed": len(changes),
        "unchanged": len(p.existing) - len(changes),
        "changes": [
            {
                "line": c["line"],
                "pk": None,
                "title": f"{c['name']}（{c['code']}）",
                "fields": [
                    [str(headers[f]), shown(f, old), shown(f, new)]
                    for f, (old, new) in c["fields"].items()
                ],
            }
            for c in changes[:SHOWN]
        ],
        "examples": sheet.examples,
        "fingerprint": _fingerprint(p, changes),
    }
