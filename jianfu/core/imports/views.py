"""The one import page: every spec's upload form, with its notes and template link, answered by
starting a background job (background.py) — or, for a spec that imports inline, by importing in
the request; the job's page (job_views.py) shows its progress, its preview awaiting
confirmation, or its problems.

A spec's `page(request)` says what the page shows: title, back_url, back_title, template_url,
notes (sentences) or columns ((header, note) pairs), and `unit` — the unit the person imports
into, if the page names one (else the spec's default_unit). Optional: head_title (the browser's
title, default title), crumbs ((url, title) pairs before 导入, default the back link), warning (a
sentence above the form), footnote (below the notes), error_values (the problems list what each
cell held), options (what the import is into, added to the form's other fields:
run(options=...)), refused (problems known before any file, e.g. a frozen target: listed instead
of the form), intro (a sentence before the columns and notes), refused_status (the status of a
page that refuses a file, default 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jianfu.core import excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.forms import UploadForm

from . import background, job_views, runner
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


def _inline(request, spec, form, page):
    """Import in this request: (a redirect back with the outcome, []) or (None, the problems)."""
    upload = form.cleaned_data["file"]
    options = {**page.get("options", {})}
    options |= {k: v for k, v in form.cleaned_data.items() if k != "file"}
    try:
        data = excel.read_upload(upload)
        record = runner.run(
            spec, by=request.user, filename=upload.name, data=data,
            unit=spec.unit_for(request.user, page), options=options,
        )  # fmt: skip
    except excel.ImportFailed as e:
        return None, e.errors
    except DomainError as e:
        return None, [excel.SheetError(None, None, str(e.message))]
    messages.success(request, spec.done(record))
    return redirect(page["back_url"]), []


@login_required
@job_views.upload_page
def upload(request, kind: str, **kwargs):
    """The import page of spec `kind` (URL keyword arguments go to the spec's page)."""
    spec = SPECS[kind]
    # The page first: it finds what the import is into (404 outside the person's units).
    page = spec.page(request, **kwargs)
    scope.require(request.user, spec.permission)
    errors = list(page.get("refused", []))
    form = (
        None if errors else (spec.form or UploadForm)(request.POST or None, request.FILES or None)
    )
    if form is not None and request.method == "POST" and form.is_valid():
        if spec.inline:
            response, errors = _inline(request, spec, form, page)
        else:
            response, errors = start(request, kind, form, unit=spec.unit_for(request.user, page))
        if response is not None:
            return response
    return render(
        request,
        "core/import.html",
        {"form": form, "errors": errors, **page},
        status=page.get("refused_status", 400) if errors and request.method == "POST" else 200,
    )
