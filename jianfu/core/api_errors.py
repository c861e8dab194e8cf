"""The API's one error shape: `{"code", "detail", "field"?, "errors"?}`, with `detail` a Chinese
sentence for the person reading the integration log. Used by the API's exception handlers and by
the middleware that turns Django's own error pages under /api/ (unknown path, wrong method, a
server error) into the same JSON."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The code and sentence of an answer that carries nothing more specific.
GENERIC = {
    400: ("bad_request", gettext_lazy("请求无法处理。")),
    401: ("unauthorized", gettext_lazy("未登录或令牌无效：请登录，或使用有效的 Bearer 令牌。")),
    403: ("forbidden", gettext_lazy("没有权限。")),
    404: ("not_found", gettext_lazy("不存在")),
    405: ("method_not_allowed", gettext_lazy("此地址不支持该请求方法。")),
    413: ("too_large", gettext_lazy("请求体过大。")),
    415: ("unsupported_media_type", gettext_lazy("接口只接受 JSON 请求体。")),
    422: ("invalid", gettext_lazy("请求参数不正确。")),
    429: ("throttled", gettext_lazy("请求过于频繁，请稍后再试。")),
    500: ("server_error", gettext_lazy("服务器出错，已记录，请稍后再试。")),
}


def generic(status: int) -> tuple[str, str]:
    code, detail = GENERIC.get(status) or GENERIC[500 if status >= 500 else 400]
    return code, str(detail)


def error_response(status: int, code: str | None = None, detail=None, **extra) -> JsonResponse:
    default_code, default_detail = generic(status)
    body = {"code": code or default_code, "detail": str(detail or default_detail)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# --- Validation errors in Chinese ---------------------------------------------------------------

# The head of ninja's error location says where a value came from, not which field it is.
_SOURCES = {"body", "query", "path", "header", "cookie", "file"}


def field_of(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(parts) or "body"


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def message_of(error: dict) -> str:
    """One pydantic (or ninja) error as a Chinese sentence naming the field and the value."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    field = field_of(error.get("loc", ()))
    has_value = "input" in error and not isinstance(error.get("input"), dict | list)
    value = _shown(error.get("input")) if has_value else ""
    p = {"f": field, **{k: _shown(v) for k, v in ctx.items()}}
    sentence = _sentence(kind, error, field, p)
    if has_value and kind in _SHOWS_VALUE:
        sentence = sentence.removesuffix("。") + _("（收到“%(v)s”）。") % {"v": value}
    return sentence


# Errors whose sentence is clearer with the value that was sent (when ninja passes it on).
_SHOWS_VALUE = {
    "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "bool_parsing",
    "bool_type", "greater_than_equal", "greater_than", "less_than_equal", "less_than",
    "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type",
    "datetime_parsing", "datetime_from_date_parsing", "datetime_type", "time_parsing", "time_type",
    "enum", "literal_error",
}  # fmt: skip


def _sentence(kind: str, error: dict, field: str, p: dict) -> str:
    if kind == "missing":
        return _("缺少必填项 %(f)s。") % p
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(f)s 须为整数。") % p
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return _("%(f)s 须为数字。") % p
    if kind in ("bool_parsing", "bool_type"):
        return _("%(f)s 须为 true 或 false。") % p
    if kind == "greater_than_equal":
        return _("%(f)s 不能小于 %(ge)s。") % p
    if kind == "greater_than":
        return _("%(f)s 须大于 %(gt)s。") % p
    if kind == "less_than_equal":
        return _("%(f)s 不能大于 %(le)s。") % p
    if kind == "less_than":
        return _("%(f)s 须小于 %(lt)s。") % p
    if kind == "string_too_long":
        return _("%(f)s 最多 %(max_length)s 个字符。") % p
    if kind == "string_too_short":
        return _("%(f)s 至少 %(min_length)s 个字符。") % p
    if kind in ("string_type", "string_unicode"):
        return _("%(f)s 须为文字。") % p
    if kind.startswith("date_"):
        return _("%(f)s 须为日期（YYYY-MM-DD）。") % p
    if kind.startswith("datetime_"):
        return _("%(f)s 须为日期时间（YYYY-MM-DDTHH:MM:SS）。") % p
    if kind.startswith("time_"):
        return _("%(f)s 须为时间（HH:MM 或 HH:MM:SS）。") % p
    if kind in ("enum", "literal_error"):
        return _("%(f)s 不在可选范围内：%(expected)s。") % (p | {"expected": p.get("expected", "")})
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("%(f)s 须为列表。") % p
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("%(f)s 须为 JSON 对象。") % p
    if kind == "json_invalid":
        return _("请求体不是有效的 JSON。")
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind.startswith("jianfu_"):  # our own PydanticCustomError, already a sentence
        return _("%(f)s：%(m)s") % {"f": field, "m": error.get("msg", "")}
    return _("%(f)s 的值不正确。") % p


def validation_response(errors: list[dict]) -> JsonResponse:
    items = [{"field": field_of(e.get("loc", ())), "detail": message_of(e)} for e in errors]
    first = items[0] if items else {"field": None, "detail": generic(422)[1]}
    return error_response(422, "invalid", first["detail"], field=first["field"], errors=items)
