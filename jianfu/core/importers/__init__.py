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
    "kind_labels",
    "parse",
    "plan",
    "units_template",
]


def import_units(*, by, filename: str, data: bytes) -> ImportRecord:
    """Import a units sheet (.xlsx, .xls or CSV); all or nothing. Raises ImportFailed with every
    problem found, or PermissionDenied without core.unit:manage."""
    scope.require(by, "core.unit:manage")
    sheet = parse(excel.read_rows(filename, data))
    try:
        with excel.kept_upload(filename, data) as upload, transaction.atomic():
            p = plan(sheet, by)
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
