"""The page of an import job (background.py): its progress while the file is checked or
written (polled with htmx), the preview with 确认导入 / 取消, the problems, or the outcome.

A job is its uploader's alone: anyone else gets 404.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import ImportJob, ImportJobStatus
from . import background as importjobs

S = ImportJobStatus
RUNNING = (S.QUEUED, S.CHECKING, S.APPLYING)


def _job(request, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, by=request.user).first()
    if job is None or job.kind not in importjobs.IMPORTERS:
        raise Http404
    return job


def upload_page(view):
    """For an import page: a redirect answers a script's upload (js/jianfu.js, HX-Request set)
    with HX-Redirect, so the page the person lands on (and its message) is the browser's own
    request rather than one the script followed out of sight."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.htmx and isinstance(response, HttpResponseRedirect):
            to = response.url
            response = HttpResponse(status=204)
            response["HX-Redirect"] = to
        return response

    return wrapped


def after_upload(request, job: ImportJob):
    """What an import page answers once it has started a job: done → back to the list with the
    outcome; failed → None (the page shows job.errors with its form); otherwise the job's page
    (its progress, or the preview awaiting confirmation)."""
    if job.status == S.DONE:
        messages.success(request, job.result.get("message") or _("导入完成。"))
        return redirect(importjobs.IMPORTERS[job.kind].pages(job)["back_url"])
    if job.status == S.FAILED and not request.htmx:
        return None
    return redirect("import_job", pk=job.pk)


@login_required
def import_job(request, pk: int):
    job = _job(request, pk)
    pages = importjobs.IMPORTERS[job.kind].pages(job)
    if job.status == S.DONE and request.htmx:
        # The poll that sees the job finish takes the person back to the list.
        messages.success(request, job.result.get("message") or _("导入完成。"))
        response = HttpResponse(status=204)
        response["HX-Redirect"] = pages["back_url"]
        return response
    context = {
        "job": job,
        "running": job.status in RUNNING,
        "errors": importjobs.sheet_errors(job) if job.status == S.FAILED else [],
        "preview": job.preview if job.status == S.PREVIEW else None,
        **pages,
    }
    if request.htmx:
        return render(request, "core/import_job.html#job", context)
    return render(request, "core/import_job.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = importjobs.confirm(_job(request, pk))
    return after_upload(request, job) or redirect("import_job", pk=job.pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    job = _job(request, pk)
    pages = importjobs.IMPORTERS[job.kind].pages(job)
    if importjobs.cancel(job):
        messages.info(request, _("已取消导入，没有保存任何内容。"))
    return redirect(pages["import_url"])


def job_url(job: ImportJob) -> str:
    return reverse("import_job", args=[job.pk])


urlpatterns = [
    path("imports/<int:pk>/", import_job, name="import_job"),
    path("imports/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", import_cancel, name="import_cancel"),
]
