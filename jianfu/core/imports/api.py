"""Imports through the API: one endpoint shape for every spec that imports as a background job.

`POST /imports/{kind}` takes the file (multipart/form-data, field `file`) and starts the spec's
job exactly as its import page does — the same permission, the same unit, the same size guard —
and answers 202 with the job. `GET /imports/jobs/{id}` answers the same shape as the job goes on:
its progress, then its problems as (row, column, message), its preview awaiting confirmation, or
the counts written. `POST /imports/jobs/{id}/confirm` writes a previewed file (the write refuses
when the records changed since the preview, as on the page); `…/cancel` drops it.

A job is its starter's alone: the account, or the API token, that uploaded it; anyone else gets
404. A token imports only what it may already write through the API (its scopes, within
permissions.TOKEN_GRANTABLE). Specs that import inline (their page has options a job does not
keep) have no API: their kind answers 400.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja import Path as PathParam
from ninja.files import UploadedFile

from jianfu.core import excel, scope
from jianfu.core.api import id_path, upload_auth
from jianfu.core.errors import DomainError
from jianfu.core.models import ImportJob, ImportJobStatus

from . import background
from .spec import SPECS, Spec

S = ImportJobStatus

router = Router(tags=["imports"])


class SheetErrorOut(Schema):
    row: int | None = Field(
        ..., description="出错的行号（与 Excel 中看到的一致）；整份文件的问题为 null"
    )
    column: str | None = Field(..., description="出错的列（文件中写的表头）；不属于某一列时为 null")
    message: str = Field(..., description="中文说明")
    value: str = Field("", description="单元格中原来的内容（可能为空）")


class ProgressOut(Schema):
    step: int = Field(..., description="正在进行第几步（从 1 起；0 为尚未开始）")
    steps: int = Field(..., description="共几步")
    label: str = Field(..., description="这一步在做什么")


class FieldChangeOut(Schema):
    column: str
    old: str
    new: str


class ChangeOut(Schema):
    line: int = Field(..., description="文件中的行号")
    id: int | None = Field(..., description="被修改记录的平台内编号")
    title: str
    fields: list[FieldChangeOut]


class PreviewOut(Schema):
    rows: int = Field(..., description="读到的数据行数（不含模板中的示例行）")
    created: int = Field(..., description="将新增的条数")
    changed: int = Field(..., description="将修改的已有记录条数")
    unchanged: int = Field(..., description="与已有记录相同、不会改动的条数")
    changes: list[ChangeOut] = Field(..., description="每处修改（最多列出前 200 条）")


class JobOut(Schema):
    id: int
    kind: str = Field(..., description="导入类型")
    filename: str
    status: ImportJobStatus = Field(
        ...,
        description="queued 排队、checking 检查中、preview 等待确认、applying 导入中、"
        "failed 未导入（见 errors）、done 已导入、cancelled 已取消",
    )
    status_label: str
    progress: ProgressOut
    errors: list[SheetErrorOut] = Field(..., description="未导入时的全部问题；文件一行也没有保存")
    awaits_confirmation: bool = Field(
        ..., description="文件会修改已有记录：核对 preview 后确认（confirm）才保存"
    )
    preview: PreviewOut | None = Field(..., description="等待确认时：将新增、修改和不变的条数")
    created: int | None = Field(..., description="导入完成后：新增的条数")
    updated: int | None = Field(..., description="导入完成后：更新的条数")
    message: str = Field(..., description="导入完成后的说明")


def job_out(job: ImportJob) -> dict:
    """The job in the API's shape (JobOut)."""
    record = job.record if job.status == S.DONE else None
    preview = job.preview if job.status == S.PREVIEW else None
    return {
        "id": job.pk,
        "kind": job.kind,
        "filename": job.filename,
        "status": job.status,
        "status_label": str(S(job.status).label),
        "progress": {"step": job.step, "steps": job.steps, "label": job.step_label},
        "errors": job.errors if job.status == S.FAILED else [],
        "awaits_confirmation": job.status == S.PREVIEW,
        "preview": _preview(preview) if preview else None,
        "created": record.created if record else None,
        "updated": record.updated if record else None,
        "message": job.result.get("message", "") if job.status == S.DONE else "",
    }


def _preview(preview: dict) -> dict:
    return {
        **{k: preview.get(k, 0) for k in ("rows", "created", "changed", "unchanged")},
        "changes": [
            {
                "line": c["line"],
                "id": c.get("pk"),
                "title": str(c.get("title", "")),
                "fields": [
                    {"column": str(column), "old": str(old), "new": str(new)}
                    for column, old, new in c.get("fields", [])
                ],
            }
            for c in preview.get("changes", [])
        ],
    }


def _spec(kind: str) -> Spec:
    spec = SPECS.get(kind)
    if spec is None:
        kinds = "、".join(sorted(k for k, s in SPECS.items() if not s.inline))
        raise DomainError(
            "not_found",
            _("没有“%(k)s”这种导入。接口可导入：%(kinds)s。") % {"k": kind, "kinds": kinds},
            status=404,
        )
    if spec.inline:
        raise DomainError(
            "import_on_page",
            _("“%(k)s”只能在平台的导入页面上导入（导入时要在页面上选择），接口不提供。")
            % {"k": kind},
        )
    return spec


def _job(request, job_id: int) -> ImportJob:
    """The principal's own job; 404 for anyone else's, as if it did not exist."""
    job = (
        ImportJob.objects.select_related("record")
        .filter(pk=job_id, **background.starter(request.auth))
        .first()
    )
    if job is None or job.kind not in background.IMPORTERS:
        raise DomainError("not_found", _("没有这个导入任务，或它不是您发起的。"), status=404)
    return job


# Confirm and cancel take no body, so the API root declares neither a 400 nor a 415 for them.
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
NO_BODY = {
    "responses": {
        400: {
            "description": "任务不在等待确认（code 为 not_awaiting_confirmation）",
            "content": _ERROR,
        },
        415: {"description": "不需要请求体；带了表单或 multipart 请求体", "content": _ERROR},
    }
}
KIND = PathParam(..., max_length=40, description="导入类型，如 registry.document、units")
JOB_ID = id_path("导入任务编号")


@router.post(
    "/{kind}",
    response={202: JobOut},
    auth=upload_auth,
    summary="上传文件开始导入",
    description=(
        "请求体为 multipart/form-data，文件放在 file 字段（.xlsx、.xls 或 .csv）。"
        "权限、单位范围和文件检查与导入页面相同。回答 202 和导入任务：用"
        " GET /api/imports/jobs/{id} 查看进度和结果；会修改已有记录的文件须确认后才保存。"
        "导入全有或全无：有任何问题时一行也不保存，errors 列出每个问题的行、列和说明。"
    ),
)
def import_start(request, file: File[UploadedFile], kind: str = KIND):
    spec = _spec(kind)
    by = request.auth
    scope.require(by, spec.permission)
    unit = spec.unit_for(by)
    if spec.allowed is not None:
        spec.allowed(by, unit)
    try:
        data = excel.read_upload(file)
    except excel.ImportFailed as e:
        raise DomainError("file_refused", " ".join(str(x.message) for x in e.errors)) from e
    job = background.start(kind, by=by, filename=file.name or "", data=data, unit=unit)
    return Status(202, job_out(job))


@router.get("/jobs/{job_id}", response=JobOut, summary="导入任务的进度和结果")
def import_job(request, job_id: int = JOB_ID):
    return job_out(_job(request, job_id))


@router.post(
    "/jobs/{job_id}/confirm",
    response={202: JobOut},
    summary="确认导入（文件会修改已有记录时）",
    description="预览之后相关记录若已被修改，本次不保存，任务为 failed 并说明原因，须重新上传。",
    openapi_extra=NO_BODY,
)
def import_confirm(request, job_id: int = JOB_ID):
    job = _job(request, job_id)
    _awaiting(job)
    return Status(202, job_out(background.confirm(job)))


@router.post(
    "/jobs/{job_id}/cancel",
    response=JobOut,
    summary="取消等待确认的导入",
    openapi_extra=NO_BODY,
)
def import_cancel(request, job_id: int = JOB_ID):
    job = _job(request, job_id)
    _awaiting(job)
    background.cancel(job)
    job.refresh_from_db()
    return job_out(job)


def _awaiting(job: ImportJob) -> None:
    if job.status != S.PREVIEW:
        raise DomainError(
            "not_awaiting_confirmation",
            _("这个导入任务不在等待确认（现在是“%(s)s”）。") % {"s": S(job.status).label},
        )
