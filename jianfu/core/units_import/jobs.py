"""The units import as a background job (core.importjobs): preview, then confirm when existing
units change."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import excel, importjobs


def _preview(job, data, progress) -> dict:
    from . import preview_units

    return preview_units(by=job.by, filename=job.filename, data=data, progress=progress)


def _apply(job, data, expect, progress):
    from . import import_units

    record = import_units(
        by=job.by, filename=job.filename, data=data, expect=expect, progress=progress
    )
    message = _("导入完成：新增 %(c)s 个，更新 %(u)s 个单位。") % {
        "c": record.created,
        "u": record.updated,
    }
    return record, {"message": message + excel.skipped_examples(record.examples)}


def _pages(job) -> dict:
    return {
        "title": _("导入单位"),
        "back_url": reverse("unit_list"),
        "back_title": pgettext("units list", "单位"),
        "import_url": reverse("unit_import"),
    }


def register() -> None:
    importjobs.register("units", preview=_preview, apply=_apply, pages=_pages)
