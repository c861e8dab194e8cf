"""Registry import and export (Excel or CSV): documents, meetings, inspections; quotas.

Import is all or nothing, like the units import (core.importers): the whole file is read and
checked first, and every problem is reported with its row (as the person sees it in Excel,
header = row 1), its column (the header as written) and the value, in Chinese. Only a file without
a single problem is written, in one transaction that ends with ONE audit entry for the batch (file
SHA-256, the stored file, the ids created and updated).

Columns come in any order; optional ones may be absent (an absent column leaves existing records'
values alone and gives new ones the default); an unknown column is an error, so a misspelt header
is not silently dropped. Units are named by name or code, within the importer's scope: a unit
that exists outside it is "not within your units" (nothing more about it is said), one that does
not exist is "not found", with the closest names in scope suggested; a name two units share is an
error listing both, with their parents. Which existing
record a row updates, so that importing a file twice adds nothing: see checks.py.

Whether a record counts against the quota is derived (services._derive, the counting rules in
force), never read from the file: exports show it in a column that imports ignore.

Speed (bench/import_registry.py: 100,000 documents in about 4 s on SQLite, 5 s on PostgreSQL):
one read of the sheet (calamine); parsing column by column, a repeating column (units, kinds,
dates, levels …) once per distinct value; units from one dict built per import; the keys the
involved units hold read with one query per 500 units; _derive once per distinct combination;
new rows written as plain values (multi-row INSERT on SQLite, COPY on PostgreSQL — bulk_create's
per-value compilation was three quarters of the time: core.bulk); one rollup refresh; the cyclic
garbage collector paused meanwhile.

The modules: columns (the columns and spellings), units (units by name or code), sheet (reading
and parsing), checks (against the database), write, workbooks (exports and templates), quotas.
"""

from __future__ import annotations

import contextlib
import gc

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, excel, scope
from jianfu.core.bulk import BATCH
from jianfu.core.imports.units import UnitIndex
from jianfu.core.imports.units import _name_key as _name_key  # bench/import_registry.py
from jianfu.core.imports.units import _unit_labels as _unit_labels  # bench/import_registry.py
from jianfu.core.models import ImportRecord, Unit, User

from .. import counting, rollup, services
from . import preview
from .checks import Plan, plan
from .columns import (
    CATEGORY_ALIASES,
    CO_UNITS,
    COLUMNS,
    COUNTED,
    DATE_FIELD,
    DEFAULTS,
    DOCUMENT_KIND_ALIASES,
    INSPECTION_KIND_ALIASES,
    INSPECTION_METHOD_ALIASES,
    LEVEL_ALIASES,
    MEETING_FORM_ALIASES,
    MEETING_LEVEL_ALIASES,
    MERGED,
    MODELS,
    PK,
    SHEET_TITLE,
    UNIT,
    Col,
)
from .columns import _Choices as _Choices  # bench/import_registry.py
from .preview import Preview
from .quotas import QUOTA_COLUMNS, import_quotas, quota_template
from .sheet import Row, Sheet, parse, read_header
from .workbooks import export_records, export_rows, template
from .write import Outcome, _race, _write, updates_of

__all__ = [
    "BATCH",
    "CATEGORY_ALIASES",
    "COLUMNS",
    "CO_UNITS",
    "COUNTED",
    "DATE_FIELD",
    "DEFAULTS",
    "DOCUMENT_KIND_ALIASES",
    "INSPECTION_KIND_ALIASES",
    "INSPECTION_METHOD_ALIASES",
    "LEVEL_ALIASES",
    "MEETING_FORM_ALIASES",
    "MEETING_LEVEL_ALIASES",
    "MERGED",
    "MODELS",
    "PK",
    "QUOTA_COLUMNS",
    "SHEET_TITLE",
    "UNIT",
    "Col",
    "Outcome",
    "Plan",
    "Preview",
    "Row",
    "Sheet",
    "UnitIndex",
    "export_records",
    "export_rows",
    "import_quotas",
    "import_records",
    "parse",
    "plan",
    "preview_records",
    "quota_template",
    "read_header",
    "template",
]


def import_records(
    kind: str,
    *,
    by,
    filename: str,
    data: bytes,
    unit: Unit | None = None,
    expect: str | None = None,
    progress=None,
    confirm_changes: bool = False,
) -> ImportRecord:
    """Import a documents, meetings or inspections sheet (.xlsx, .xls or CSV); all or nothing.

    `unit`: the unit a contact imports for (the unit column may then be left out). `expect`: the
    fingerprint of the preview the person confirmed; the import refuses (ImportFailed) when the
    file would now do anything else. `confirm_changes`: when the file changes existing records,
    save nothing and raise preview.NeedsConfirmation with the preview to show (a file with new
    rows only is written in the same pass). `progress(step, label)`: told as each step starts.
    Raises
    ImportFailed with every problem found, PermissionDenied without registry.record:edit, or
    DomainError when `unit` lies outside the importer's scope."""
    _allowed(kind, by, unit)
    with _gc_paused():
        return _import_records(
            kind,
            by=by,
            filename=filename,
            data=data,
            unit=unit,
            expect=expect,
            progress=progress,
            confirm_changes=confirm_changes,
        )


def preview_records(
    kind: str, *, by, filename: str, data: bytes, unit: Unit | None = None, progress=None
) -> Preview:
    """What importing the file would do (new, changed with field: old → new, unchanged), without
    saving anything; ImportFailed, PermissionDenied or DomainError as import_records."""
    _allowed(kind, by, unit)
    tell = progress or _silent
    with _gc_paused():
        tell(1, STEPS[0])
        rows = excel.read_rows(filename, data)
        units = UnitIndex(by)
        tell(2, _checking(rows))
        sheet = parse(kind, rows, units, default_unit=unit.pk if unit is not None else None)
        tell(3, STEPS[2])
        p = plan(kind, sheet, units)
        changes = updates_of(kind, sheet, p, counting.Rules.current())
        return preview.build(kind, sheet, p, changes, units)


# What the progress of a check or an import names, step by step. The last step of a write runs
# in its transaction, so it is told before the transaction starts (a poller sees nothing said
# within it until the end).
STEPS = (
    gettext_lazy("读取文件"),
    gettext_lazy("检查每一行"),
    gettext_lazy("与已登记的记录核对"),
    gettext_lazy("与已登记的记录核对并保存"),
)


def _checking(rows: list) -> str:
    return _("检查每一行（共 %(n)s 行）") % {"n": max(len(rows) - 1, 0)}


def _silent(step: int, label) -> None:
    pass


def _allowed(kind: str, by, unit) -> None:
    if kind not in MODELS:
        raise ValueError(f"unknown registry kind: {kind}")
    scope.require(by, "registry.record:edit")
    if unit is not None:
        services._require_unit(by, unit)


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off while a file is imported: the import makes millions of
    small objects that live until it ends, and collecting them over and over took a third of the
    time. Nothing of the import forms cycles that must go before it ends; it is switched back on
    (and runs) afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _import_records(
    kind: str,
    *,
    by,
    filename: str,
    data: bytes,
    unit,
    expect=None,
    progress=None,
    confirm_changes=False,
) -> ImportRecord:
    tell = progress or _silent
    tell(1, STEPS[0])
    rows = excel.read_rows(filename, data)
    units = UnitIndex(by)
    tell(2, _checking(rows))
    sheet = parse(kind, rows, units, default_unit=unit.pk if unit is not None else None)
    tell(3, STEPS[3])
    try:
        with excel.kept_upload(filename, data) as upload, transaction.atomic():
            # `plan` is looked up here when called: tests replace it to stage a race.
            p = plan(kind, sheet, units)
            changes = updates_of(kind, sheet, p, counting.Rules.current())
            if expect is not None and preview.fingerprint(p, changes) != expect:
                raise preview.stale()
            if confirm_changes and any(c.fields or c.co_added for c in changes):
                raise preview.NeedsConfirmation(preview.build(kind, sheet, p, changes, units))
            stored_as = upload.store()
            now = clock.now()
            record = ImportRecord.objects.create(
                kind=f"registry.{kind}",
                unit_id=unit.pk if unit is not None else scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=upload.sha256,
                rows=len(sheet.rows),
                by=by if isinstance(by, User) else None,
            )
            out = _write(kind, sheet, p, record, by, now, changes)
            record.created, record.updated = len(out.created_ids), len(out.updated_ids)
            record.save(update_fields=["created", "updated"])
            unit_ids = {u for u, _y in out.pairs}
            if out.pairs:
                rollup.refresh(
                    services.CATEGORY_OF[MODELS[kind]], unit_ids, {y for _u, y in out.pairs}
                )
            events.data_changed("registry", unit_ids=sorted(unit_ids), import_id=record.pk)
            audit.record(
                "jianfu.registry.imported",
                actor=by,
                object_type="core.importrecord",
                object_id=record.pk,
                # The values the file replaced, by record id and field: an import that
                # overwrote something can be looked up and undone by hand.
                changes=preview.old_values(kind, p, changes),
                extra={
                    "kind": kind,
                    "sha256": upload.sha256,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(sheet.rows),
                    "created": len(out.created_ids),
                    "created_ids": out.created_ids,
                    "updated_ids": out.updated_ids,
                    "examples_skipped": sheet.examples,
                },
            )
    except IntegrityError as e:
        raise _race() from e
    record.examples = sheet.examples
    return record
