"""The one way a file is imported, for every spec.

All or nothing: the whole file is read (excel.read_rows: xlsx, xls, CSV in UTF-8 or GBK, through
the size guard) and checked first, and every problem is reported with its row (as the person
sees it in Excel), its column (the header as written) and what is wrong, in Chinese. Only a file
without a single problem is written, in one transaction that holds the batch record (the file's
SHA-256 and the stored file), the spec's write and ONE audit entry for the batch; the apps that
follow the data hear of it (events.data_changed) once it is committed.

When the spec previews changes to existing records, a file that would change any is not saved
until the person confirmed what it changes (`confirm_changes`, then `expect`: the fingerprint of
what they saw); a file that only adds is written in the same pass.
"""

from __future__ import annotations

import contextlib
import gc

from django.db import IntegrityError, transaction

from jianfu.core import audit, clock, crashpoints, events, excel, scope
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.models import ImportRecord, User

from . import previews
from .sheet import Sheet, read
from .spec import SPECS, Spec
from .units import UnitIndex


def spec_of(kind: str) -> Spec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown importer: {kind}") from None


def run(
    kind: str | Spec,
    *,
    by,
    filename: str,
    data: bytes,
    unit=None,
    expect: str | None = None,
    progress=None,
    confirm_changes: bool = False,
    options: dict | None = None,
) -> ImportRecord:
    """Import the file (.xlsx, .xls or CSV) for the spec `kind`; all or nothing.

    `unit`: the unit a contact imports for (the unit column may then be left out). `expect`:
    the fingerprint of the preview the person confirmed; refused (ImportFailed) when the file
    would now do anything else. `confirm_changes`: when the file changes existing records, save
    nothing and raise preview.NeedsConfirmation with the preview to show. `progress(step,
    label)`: told as each step starts. `options`: what the person chose besides the file (the
    spec reads them as sheet.options). Raises ImportFailed with every problem found,
    PermissionDenied, or DomainError when `unit` lies outside the importer's scope."""
    spec = kind if isinstance(kind, Spec) else spec_of(kind)
    _allowed(spec, by, unit)
    with _gc_paused():
        return _run(
            spec, by, filename, data, unit, expect, progress or _silent, confirm_changes, options
        )


def _run(spec, by, filename, data, unit, expect, tell, confirm_changes, options) -> ImportRecord:
    """run's work, in a function of its own: the rows, the plan and the rest are freed when it
    returns, before the collector is switched back on (_gc_paused) and its first pass walks
    whatever is still alive."""
    sheet, units = _read(spec, by, filename, data, unit, tell, options)
    tell(3, spec.steps[3])
    try:
        with excel.kept_upload(filename, data) as upload, transaction.atomic():
            plan = spec.check(sheet, units)
            changes = spec.updates.of(sheet, plan) if spec.updates else []
            if spec.updates is not None:
                state = spec.updates.state(plan, changes)
                if expect is not None and previews.fingerprint(state) != expect:
                    raise previews.stale(spec)
                if confirm_changes and any(map(spec.updates.changed, changes)):
                    raise previews.NeedsConfirmation(_preview(sheet, plan, changes, units))
            stored_as = upload.store()
            record = ImportRecord.objects.create(
                kind=spec.kind,
                unit_id=unit.pk if unit is not None else scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=upload.sha256,
                rows=len(sheet.rows),
                by=by if isinstance(by, User) else None,
            )
            out = spec.write(sheet, plan, changes, record, by, clock.now())
            crashpoints.reached("import.written")
            record.created, record.updated = len(out.created_ids), len(out.updated_ids)
            record.save(update_fields=["created", "updated"])
            if spec.event:
                events.data_changed(spec.event, unit_ids=sorted(out.unit_ids), import_id=record.pk)
            object_type, object_id = (
                spec.audit_object(sheet, plan, record)
                if spec.audit_object
                else ("core.importrecord", record.pk)
            )
            audit.record(
                spec.audit_action,
                actor=by,
                object_type=object_type,
                object_id=object_id,
                # The values the file replaced, by record id and field: an import that
                # overwrote something can be looked up and undone by hand.
                changes=spec.updates.old_values(plan, changes) if spec.updates else None,
                extra={
                    **(spec.audit_extra(sheet, plan, out) if spec.audit_extra else {}),
                    "sha256": upload.sha256,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(sheet.rows),
                    "created_ids": out.created_ids,
                    "updated_ids": out.updated_ids,
                    "examples_skipped": sheet.examples,
                },
            )
    except IntegrityError as e:
        # Only a change made by someone else between our reads and writes gets here.
        raise ImportFailed([SheetError(None, None, str(spec.race))]) from e
    except tuple(spec.refusals) as e:
        message = next(m for t, m in spec.refusals.items() if isinstance(e, t))
        raise ImportFailed([SheetError(None, None, str(message))]) from e
    record.examples = sheet.examples
    return record


def preview(
    kind: str | Spec, *, by, filename: str, data: bytes, unit=None, progress=None, options=None
) -> previews.Preview:
    """What importing the file would do (new, changed with field: old → new, unchanged),
    without saving anything; ImportFailed, PermissionDenied or DomainError as run."""
    spec = kind if isinstance(kind, Spec) else spec_of(kind)
    _allowed(spec, by, unit)
    with _gc_paused():
        return _previewed(spec, by, filename, data, unit, progress or _silent, options)


def _previewed(spec, by, filename, data, unit, tell, options) -> previews.Preview:
    """preview's work, in a function of its own as _run."""
    sheet, units = _read(spec, by, filename, data, unit, tell, options)
    tell(3, spec.steps[2])
    plan = spec.check(sheet, units)
    changes = spec.updates.of(sheet, plan) if spec.updates else []
    return _preview(sheet, plan, changes, units)


def _preview(sheet: Sheet, plan, changes, units) -> previews.Preview:
    spec = sheet.spec
    creates = sum(1 for r in sheet.rows if r.match is None)
    return previews.build(spec.kind.rsplit(".", 1)[-1], sheet, plan, creates, changes, units)


def _read(
    spec: Spec, by, filename: str, data: bytes, unit, tell, options=None
) -> tuple[Sheet, UnitIndex]:
    tell(1, spec.steps[0])
    rows = excel.read_rows(filename, data)
    units = UnitIndex(by)
    if spec.steps[1]:
        tell(2, str(spec.steps[1]) % {"n": max(len(rows) - 1, 0)})
    default_unit = unit.pk if unit is not None else None
    sheet = read(spec, rows, units, default_unit=default_unit, data=data, options=options)
    return sheet, units


def _silent(step: int, label) -> None:
    pass


def _allowed(spec: Spec, by, unit) -> None:
    scope.require(by, spec.permission)
    if spec.allowed is not None:
        spec.allowed(by, unit)


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off while a file is imported: the import makes millions of
    small objects that live until it ends, and collecting them over and over took a third of the
    time. Nothing of the import forms cycles that must go before it ends; it is switched back on
    (and runs) afterwards, once the import's objects are freed (run's work is a function of its
    own): its first pass walks every young object still alive, 0.04 s for a 100,000-row file."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
