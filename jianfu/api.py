"""The API root: one NinjaAPI, a router per app, session auth for the browser and bearer tokens
for systems that push data. Every answer that is not a success carries the same JSON shape,
`{"code", "detail", "field"?, "errors"?}`, and the OpenAPI document says so for every operation."""

import copy
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from .core import api_errors
from .core.api import auth, refuse_form_body
from .core.api import router as core_router
from .core.errors import DomainError
from .core.imports.api import router as imports_router
from .core.scope_guard import refusal_hides
from .monitoring.reports.api import router as monitoring_router
from .rectification.problems.api import router as rectification_router
from .registry.api import router as registry_router

ERROR_SCHEMA = {
    "title": "ApiError",
    "type": "object",
    "required": ["code", "detail"],
    "properties": {
        "code": {
            "type": "string",
            "description": "错误代码：unauthorized、csrf_failed、forbidden、not_found、invalid、"
            "bad_body、unsupported_media_type、method_not_allowed、server_error，或业务规则的代码",
        },
        "detail": {"type": "string", "description": "中文说明"},
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "出错的字段"},
        "errors": {
            "type": "array",
            "description": "参数校验错误（422）：逐项的字段和说明",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
ERROR_DESCRIPTIONS = {
    400: "请求体不是有效的 JSON，或业务规则拒绝（code 说明原因）",
    401: "未登录，或令牌无效、已吊销、已过期",
    403: "没有权限；浏览器会话的写操作缺少 CSRF 令牌时 code 为 csrf_failed",
    404: "不存在，或不在本账户（令牌）的范围内",
    415: "请求体不是 JSON（如表单或 multipart）",
    422: "参数校验未通过：detail 为第一处错误，errors 逐项列出",
}
# An upload's operation reads multipart/form-data instead (core.api.upload_auth).
UPLOAD_415 = "请求体不是 multipart/form-data"
BODY_ERRORS = (400, 415)


class JsonParser(Parser):
    def parse_body(self, request):
        refuse_form_body(request)
        return json.loads(request.body)


class JianfuAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """As ninja's, but the value that was sent stays with each error (as ninja drops it), so
        the Chinese message can name it."""
        error = super().validation_error_from_error_contexts(error_contexts)
        sent = [
            item.get("input")
            for context in error_contexts
            for item in context.pydantic_validation_error.errors(include_url=False)
        ]
        for item, value in zip(error.errors, sent, strict=False):
            if value is not None and not isinstance(value, dict | list):
                item["input"] = value
        return error

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The generated document, plus the error answers every operation really gives."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["ApiError"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                upload = "multipart/form-data" in operation.get("requestBody", {}).get(
                    "content", {}
                )
                for status, description in ERROR_DESCRIPTIONS.items():
                    if status in BODY_ERRORS and "requestBody" not in operation:
                        continue
                    if status == 415 and upload:
                        description = UPLOAD_415
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": description,
                            "content": copy.deepcopy(ref),
                        }
        return schema


api = JianfuAPI(
    title="jianfu API",
    version="1",
    description=(
        "基层减负监测平台接口。浏览器使用会话登录，写操作须带 `X-CSRFToken` 请求头；"
        "外部系统使用 `Authorization: Bearer <令牌>`，不需要 CSRF 令牌。\n\n"
        "登记簿的记录有两种地址：`/api/registry/{类别}/{id}` 按平台内编号，"
        "`/api/registry/{类别}/by-external-id/{外部系统编号}?unit=<单位代码>` 按推送方自己的编号"
        "（推送用，幂等）。\n\n"
        "请求体一律为 JSON，只有上传文件导入（`POST /api/imports/{类型}`）为 multipart/form-data："
        "导入在后台进行，回答 202 和导入任务，用 `GET /api/imports/jobs/{id}` 查看进度和结果。"
        "出错时的回答一律为 JSON："
        '`{"code": 错误代码, "detail": 中文说明, "field": 出错的字段}`；'
        "参数校验未通过时为 422，另有 `errors` 逐项列出。"
    ),
    parser=JsonParser(),
    auth=auth,
    urls_namespace="api",
    docs_decorator=login_required,
)
api.add_router("/", core_router)
api.add_router("/registry", registry_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/rectification", rectification_router)
api.add_router("/imports", imports_router)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(
        request,
        {"code": exc.code, "detail": str(exc.message), "field": exc.field},
        status=exc.status,
    )


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    if refusal_hides(request, exc):  # a record the principal can never see: as if missing
        return api_errors.error_response(404)
    return api_errors.error_response(403, "forbidden", str(exc) or None)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api_errors.error_response(404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps whatever the body parser raised: our own refusal keeps its code and status.
    if isinstance(exc.__cause__, DomainError):
        return domain_error(request, exc.__cause__)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return api_errors.error_response(400, "bad_body", _("请求体不是有效的 JSON。"))
    return api_errors.error_response(exc.status_code)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    return api_errors.validation_response(exc.errors)
