"""The API root: one NinjaAPI, a router per app, session auth for the browser and bearer tokens
for systems that push data."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from .core.api import auth
from .core.api import router as core_router
from .core.errors import DomainError
from .monitoring.api import router as monitoring_router
from .rectification.api import router as rectification_router
from .registry.api import router as registry_router

api = NinjaAPI(
    title="jianfu API",
    version="1",
    description=(
        "基层减负监测平台接口。浏览器使用会话登录；外部系统使用 `Authorization: Bearer <令牌>`。"
    ),
    auth=auth,
    urls_namespace="api",
    docs_decorator=login_required,
)
api.add_router("/", core_router)
api.add_router("/registry", registry_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/rectification", rectification_router)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(
        request,
        {"code": exc.code, "detail": str(exc.message), "field": exc.field},
        status=exc.status,
    )


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"code": "forbidden", "detail": str(exc)}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "detail": str(_("不存在"))}, status=404
    )
