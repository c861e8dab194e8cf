"""A spec as a background job (background.py): checked first; written in the same pass when it
changes no existing record, else shown as a preview and written once confirmed. `register`
makes a spec an importer (here, not in spec.py, so that the spec's module imports none of the
runner's)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import background, runner
from .background import acting_for
from .previews import NeedsConfirmation
from .spec import SPECS, Spec


def register(spec: Spec) -> None:
    """Make `spec` an importer: the runner, the job page and the import page find it by kind."""
    SPECS[spec.kind] = spec
    if not spec.inline:
        background.register(spec.kind, pages=spec.pages, **functions(spec))


def functions(spec) -> dict:
    """The job functions background.register takes, for `spec`."""

    def message(record) -> dict:
        return {"message": spec.done(record) if spec.done else _("导入完成。")}

    def preview(job, data, progress) -> dict:
        return runner.preview(
            spec,
            by=acting_for(job),
            filename=job.filename,
            data=data,
            unit=job.unit,
            progress=progress,
        ).as_dict()

    def write(job, data, progress, **how):
        return runner.run(
            spec, by=acting_for(job), filename=job.filename, data=data, unit=job.unit,
            progress=progress, **how,
        )  # fmt: skip

    def apply(job, data, expect, progress):
        record = write(job, data, progress, expect=expect)
        return record, message(record)

    def first(job, data, progress):
        try:
            record = write(job, data, progress, confirm_changes=True)
        except NeedsConfirmation as e:
            return "preview", None, e.preview.as_dict()
        return "done", record, message(record)

    one_pass = spec.updates is not None and not spec.preview_first
    return {"preview": preview, "apply": apply, "first": first if one_pass else None}
