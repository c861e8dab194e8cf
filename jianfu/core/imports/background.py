"""Imports run as background jobs, with a preview before anything existing changes.

A page hands the uploaded file to `start`: the file is kept under MEDIA_ROOT (named by the job),
an ImportJob row is written and the task `run_import_job` is enqueued. The task checks the file
(the importer's `preview`), writing its progress to the row as each step starts, which the job's
page polls. Then:
- problems: the job fails with every problem listed; nothing is saved;
- existing records would change: the job waits for the person (status preview), whose page shows
  the counts (new / changed / unchanged) and each change; `confirm` enqueues the write, which
  checks the file again inside its transaction and refuses when it would now do anything but
  what was previewed (the preview's fingerprint);
- only new rows (or rows that change nothing): written right away, no extra step.
The file is removed when the job ends (done, failed, cancelled); the importer keeps its own copy
of an imported file (excel.kept_upload).

A job is its starter's: the account that uploaded it, or the API token (`starter`), which the
job acts as when it checks and writes the file (`acting_for`).

Apps register their importers here (core imports no app): `register(kind, preview=, apply=)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import clock, excel
from ..errors import DomainError
from ..models import ImportJob, ImportJobStatus, User
from ..scope import TokenPrincipal

log = logging.getLogger("jianfu.imports")

S = ImportJobStatus


@dataclass
class Importer:
    # preview(job, data, progress) -> dict with at least "changed" (int) and "fingerprint"
    preview: Callable
    # apply(job, data, expect, progress) -> (ImportRecord | None, result dict for the page)
    apply: Callable
    # pages(job) -> {"title", "back_url", "back_title", "import_url"} for the job's page
    pages: Callable
    # first(job, data, progress) -> ("done", record, result) or ("preview", None, preview):
    # check and, when nothing existing changes, write in one pass (optional; without it the
    # check is `preview` and the write `apply`, two passes)
    first: Callable | None = None
    steps: int = 3


IMPORTERS: dict[str, Importer] = {}


def register(
    kind: str,
    *,
    preview: Callable,
    apply: Callable,
    pages: Callable,
    first: Callable | None = None,
    steps: int = 3,
) -> None:
    IMPORTERS[kind] = Importer(preview, apply, pages, first, steps)


def _pending_path(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.pending_as


def starter(by) -> dict:
    """The job's owner fields for the principal `by`: an account, or an API token."""
    if getattr(by, "is_token", False):
        return {"token": by.token}
    if not isinstance(by, User):
        raise TypeError(f"an import job is started by an account or a token, not {by!r}")
    return {"by": by}


def acting_for(job: ImportJob):
    """The principal the job checks and writes the file as: its account, or its token while the
    token still stands (a token revoked or expired since the upload imports nothing)."""
    if job.by_id is not None:
        return job.by
    token = job.token
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= clock.now()):
        raise PermissionDenied
    return TokenPrincipal(token)


def start(kind: str, *, by, filename: str, data: bytes, unit=None) -> ImportJob:
    """Keep the file, write the job and enqueue its check; return the job (with the immediate
    task backend it has run by then). `by`: the account or the API token (TokenPrincipal)."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown importer: {kind}")
    job = ImportJob.objects.create(
        kind=kind,
        **starter(by),
        unit=unit,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        steps=IMPORTERS[kind].steps,
    )
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in ("xlsx", "xlsm", "xls", "et", "csv", "txt"):
        ext = "bin"
    job.pending_as = f"imports/pending/{job.pk}.{ext}"
    target = _pending_path(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    job.save(update_fields=["pending_as"])
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: ImportJob) -> None:
    from ..tasks import run_import_job

    run_import_job.enqueue(job.pk)


def confirm(job: ImportJob) -> ImportJob:
    """The person confirmed the preview: enqueue the write. A job not waiting for confirmation
    (confirmed twice, cancelled) is left alone."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=S.PREVIEW).update(
        status=S.APPLYING, step=0, step_label=""
    )
    if claimed:
        _enqueue(job)
    job.refresh_from_db()
    return job


def cancel(job: ImportJob) -> bool:
    """Drop a job waiting for confirmation (nothing was saved); False when it was not waiting."""
    if not ImportJob.objects.filter(pk=job.pk, status=S.PREVIEW).update(status=S.CANCELLED):
        return False
    job.refresh_from_db()
    _drop_file(job)
    return True


def sweep(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Cancel the previews uploaded more than `older_than` ago and never confirmed (their files
    removed); return how many."""
    # created_at is the server's time (auto_now_add), not the demo's pinned clock
    stale = ImportJob.objects.filter(
        status=S.PREVIEW, created_at__lt=timezone.now() - older_than
    ).order_by("pk")
    n = 0
    for job in stale:
        n += cancel(job)
    return n


def _drop_file(job: ImportJob) -> None:
    if job.pending_as:
        _pending_path(job).unlink(missing_ok=True)


def _progress(job: ImportJob) -> Callable:
    def tell(step: int, label) -> None:
        # Written outside any transaction of the import (autocommit), so the page sees it now.
        ImportJob.objects.filter(pk=job.pk).update(step=step, step_label=str(label)[:80])

    return tell


def _errors(errors) -> list[dict]:
    return [
        {
            "row": e.row,
            "column": e.column,
            "message": str(e.message),
            "value": str(getattr(e, "value", "") or ""),
        }
        for e in errors
    ]


def sheet_errors(job: ImportJob) -> list[excel.SheetError]:
    """A failed job's problems as the import pages list them."""
    out = []
    for e in job.errors:
        error = excel.SheetError(e.get("row"), e.get("column"), e.get("message", ""))
        error.value = e.get("value", "")
        out.append(error)
    return out


def run(job_id: int) -> str:
    """The task's work: check a queued job, or write a confirmed one. Returns the new status."""
    job = ImportJob.objects.select_related("by", "token__unit", "unit").filter(pk=job_id).first()
    if job is None:
        return ""
    importer = IMPORTERS[job.kind]
    if job.status in (S.QUEUED, S.CHECKING):
        # CHECKING: a worker killed while checking left it so; its task was requeued
        # (recovery.py) and the check starts again (it saved nothing: all or nothing).
        claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=S.CHECKING)
        if not claimed:
            return job.status
        job.status = S.CHECKING
        data = _read(job)
        if data is None:
            return job.status
        if importer.first is not None:
            try:
                outcome, record, payload = importer.first(job, data, _progress(job))
            except Exception as e:  # noqa: BLE001 - every failure ends the job with a message
                return _fail(job, e)
            if outcome == "preview":
                ImportJob.objects.filter(pk=job.pk).update(status=S.PREVIEW, preview=payload)
                return S.PREVIEW
            return _done(job, record, payload)
        try:
            preview = importer.preview(job, data, _progress(job))
        except Exception as e:  # noqa: BLE001 - every failure ends the job with a message
            return _fail(job, e)
        if preview.get("changed"):
            ImportJob.objects.filter(pk=job.pk).update(status=S.PREVIEW, preview=preview)
            return S.PREVIEW
        job.preview = preview
        ImportJob.objects.filter(pk=job.pk).update(status=S.APPLYING, preview=preview)
        job.status = S.APPLYING
    if job.status != S.APPLYING:
        return job.status
    data = _read(job)
    if data is None:
        return job.status
    try:
        record, result = importer.apply(job, data, job.preview.get("fingerprint"), _progress(job))
    except Exception as e:  # noqa: BLE001
        return _fail(job, e)
    return _done(job, record, result)


def _done(job: ImportJob, record, result: dict) -> str:
    ImportJob.objects.filter(pk=job.pk).update(
        status=S.DONE, record=record, result=result, step=job.steps
    )
    _drop_file(job)
    return S.DONE


def _read(job: ImportJob) -> bytes | None:
    try:
        return _pending_path(job).read_bytes()
    except OSError:
        _fail(
            job,
            excel.ImportFailed(
                [excel.SheetError(None, None, _("上传的文件已不在服务器上，请重新上传。"))]
            ),
        )
        return None


def _fail(job: ImportJob, e: Exception) -> str:
    if isinstance(e, excel.ImportFailed):
        errors = _errors(e.errors)
    elif isinstance(e, DomainError):
        errors = _errors([excel.SheetError(None, None, str(e.message))])
    elif isinstance(e, PermissionDenied):
        errors = _errors([excel.SheetError(None, None, _("您没有导入这类数据的权限。"))])
    else:
        log.exception("import job %s failed", job.pk)
        errors = _errors(
            [
                excel.SheetError(
                    None, None, _("导入时发生系统错误，没有保存任何内容。请稍后重试或联系管理员。")
                )
            ]
        )
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=S.FAILED, errors=errors)
    _drop_file(job)
    return S.FAILED
