"""The one import page: every spec's upload form, with its notes and template link, answered by
starting a background job (background.py); the job's page (job_views.py) shows its
progress, its preview awaiting confirmation, or its problems.

A spec's `page(request)` says what the page shows: title, back_url, back_title, template_url,
notes (sentences) or columns ((header, note) pairs), and `unit` — the unit the person imports
for, if any.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jianfu.core import excel, scope
from jianfu.core.forms import UploadForm

from . import background, job_views
from .spec import SPECS


def start(request, kind: str, form, *, unit=None):
    """(the response, []) once a job took the file — done, or its page (progress, preview);
    (None, the problems) when it was refused (shown with the form)."""
    upload = form.cleaned_data["file"]
    try:
        data = excel.read_upload(upload)
    except excel.ImportFailed as e:
        return None, e.errors
    job = background.start(kind, by=request.user, filename=upload.name, data=data, unit=unit)
    response = job_views.after_upload(request, job)
    return response, (background.sheet_errors(job) if response is None else [])


@login_required
@job_views.upload_page
def upload(request, kind: str, **kwargs):
    """The import page of spec `kind` (URL keyword arguments go to the spec's page)."""
    spec = SPECS[kind]
    scope.require(request.user, spec.permission)
    page = spec.page(request, **kwargs)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        response, errors = start(request, kind, form, unit=page.get("unit"))
        if response is not None:
            return response
    return render(
        request,
        "core/import.html",
        {"form": form, "errors": errors, **page},
        status=400 if errors else 200,
    )
