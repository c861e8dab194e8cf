"""The registry's importers as background jobs (core.importjobs): documents, meetings and
inspections (preview, then confirm when existing records change) and quotas."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import excel, importjobs


def _records(kind: str):
    def preview(job, data, progress) -> dict:
        from . import preview_records

        return preview_records(
            kind, by=job.by, filename=job.filename, data=data, unit=job.unit, progress=progress
        ).as_dict()

    def write(job, data, progress, **how):
        from . import import_records

        return import_records(
            kind,
            by=job.by,
            filename=job.filename,
            data=data,
            unit=job.unit,
            progress=progress,
            **how,
        )

    def apply(job, data, expect, progress):
        record = write(job, data, progress, expect=expect)
        return record, {"message": done_message(record)}

    def first(job, data, progress):
        from .preview import NeedsConfirmation

        try:
            record = write(job, data, progress, confirm_changes=True)
        except NeedsConfirmation as e:
            return "preview", None, e.preview.as_dict()
        return "done", record, {"message": done_message(record)}

    return preview, apply, first


def done_message(record) -> str:
    return _("导入完成：新增 %(c)s 条，更新 %(u)s 条。") % {
        "c": record.created,
        "u": record.updated,
    } + excel.skipped_examples(getattr(record, "examples", []))


def _records_pages(kind: str):
    def pages(job) -> dict:
        from ..views import KINDS

        k = KINDS[kind]
        return {
            "title": _("导入%(n)s") % {"n": k.noun},
            "back_url": reverse(k.url),
            "back_title": k.title,
            "import_url": reverse(k.names["import"]),
        }

    return pages


def _quotas_preview(job, data, progress) -> dict:
    from .quotas import preview_quotas

    return preview_quotas(by=job.by, filename=job.filename, data=data, progress=progress)


def _quotas_apply(job, data, expect, progress):
    from .quotas import import_quotas

    record = import_quotas(
        by=job.by, filename=job.filename, data=data, expect=expect, progress=progress
    )
    return record, {"message": _("指标导入完成。") + excel.skipped_examples(record.examples)}


def _quotas_pages(job) -> dict:
    return {
        "title": _("导入硬性指标"),
        "back_url": reverse("quota_settings"),
        "back_title": _("硬性指标"),
        "import_url": reverse("quota_import"),
    }


def register() -> None:
    for kind in ("document", "meeting", "inspection"):
        preview, apply, first = _records(kind)
        importjobs.register(
            f"registry.{kind}",
            preview=preview,
            apply=apply,
            first=first,
            pages=_records_pages(kind),
        )
    importjobs.register(
        "registry.quota", preview=_quotas_preview, apply=_quotas_apply, pages=_quotas_pages
    )
