from datetime import date

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from . import queries, scope, services
from .errors import DomainError
from .inputs import Line
from .models import Unit
from .scope import TokenPrincipal

# The largest id a 64-bit primary key holds: a larger one in a path is refused, not sent to the
# database (SQLite cannot take it at all).
MAX_ID = 2**63 - 1
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def refuse_form_body(request, *, files: bool = False) -> None:
    """The API reads JSON only, except an upload (`files`: an operation that takes a file), which
    reads multipart/form-data only. A body of the other kind is refused here, before anything
    parses it (a malformed multipart body would otherwise fail deep inside the CSRF check); an
    upload's body is read here, so that a malformed one is refused as such."""
    if request.method in SAFE_METHODS:
        return
    if files:
        _read_upload(request)
    elif request.content_type in FORM_TYPES:
        raise DomainError(
            "unsupported_media_type",
            _("接口只接受 JSON 请求体（Content-Type: application/json），收到的是“%(t)s”。")
            % {"t": request.content_type},
            status=415,
        )


def _read_upload(request) -> None:
    if request.content_type != "multipart/form-data":
        raise DomainError(
            "unsupported_media_type",
            _("上传文件须用 multipart/form-data 请求体（文件放在 file 字段），收到的是“%(t)s”。")
            % {"t": request.content_type or "—"},
            status=415,
        )
    try:
        request.FILES  # noqa: B018 - parsed now, so a malformed body is refused here
    except MultiPartParserError as e:
        raise DomainError(
            "bad_body", _("上传的请求体不完整或格式不对，读不出文件。"), status=400
        ) from e


def id_path(description: str = "平台内编号"):
    return Path(..., ge=1, le=MAX_ID, description=description)


class Session(APIKeyCookie):
    """The browser's session. Its writes carry the CSRF token (`X-CSRFToken`); the check runs
    only once the session is known to be signed in, so a request that is not the browser's (a
    system with its bearer token) is never refused for a token it has no reason to send.
    `files`: the operation takes an uploaded file (multipart) instead of JSON."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *, files: bool = False):
        self.files = files
        super().__init__()

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS:
            refuse_form_body(request, files=self.files)
            if check_csrf(request) is not None:
                raise DomainError(
                    "csrf_failed",
                    _("CSRF 校验未通过：浏览器会话的写操作须带 X-CSRFToken 请求头。"),
                    status=403,
                )
        return request.user


class Bearer(HttpBearer):
    """`Authorization: Bearer <token>` for systems that push data. Tried first: a request that
    names a token is the system's, whatever cookies ride along. `files`: as Session's (a JSON
    operation's body is refused by the API's parser instead)."""

    def __init__(self, *, files: bool = False):
        self.files = files
        super().__init__()

    def authenticate(self, request, token):
        found = services.token_authenticate(token)
        if found is None:
            return None
        if self.files:
            refuse_form_body(request, files=True)
        return TokenPrincipal(found)


auth = [Bearer(), Session()]
# For an operation that takes an uploaded file (multipart/form-data) instead of JSON.
upload_auth = [Bearer(files=True), Session(files=True)]


class Pages(PageNumberPagination):
    """Page-number pagination with bounds a database can take: a page beyond them is a clear
    refusal, not an offset the database cannot hold."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码（从 1 起）")
        page_size: int | None = Field(
            None, ge=1, le=1000, description="每页条数（超过接口的上限时按上限）"
        )


router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    parent_id: int | None
    depth: int
    children: int = Field(..., alias="numchild")
    valid_until: date | None
    successor_id: int | None

    @staticmethod
    def resolve_parent_id(obj):
        return getattr(obj, "parent_id", None)


class UnitIn(Schema):
    parent_id: int = Field(..., ge=1, le=MAX_ID)
    code: Line = Field(..., min_length=1, max_length=32)
    name: Line = Field(..., min_length=1, max_length=100)
    short_name: Line = Field("", max_length=50)
    kind: Line = Field(..., max_length=20)


class UnitPatch(Schema):
    code: Line | None = Field(None, min_length=1, max_length=32)
    name: Line | None = Field(None, min_length=1, max_length=100)
    short_name: Line | None = Field(None, max_length=50)
    kind: Line | None = Field(None, max_length=20)


class MeOut(Schema):
    username: str
    full_name: str
    unit: UnitOut | None
    roles: list[str]
    permissions: list[str]
    units_in_scope: int


@router.get("/me", response=MeOut, tags=["me"], summary="当前账户、角色与范围")
def me(request):
    who = request.auth
    s = scope.scope_of(who)
    unit = queries.with_parent(Unit.scoped.filter(pk=s.unit_id)).first()
    return {
        "username": who.get_username(),
        "full_name": getattr(who, "full_name", ""),
        "unit": unit,
        "roles": sorted(getattr(who, "role_codes", ())),
        "permissions": sorted(s.perms),
        "units_in_scope": Unit.scoped.count(),
    }


@router.get("/units", response=list[UnitOut], summary="范围内的单位")
@paginate(Pages, page_size=100)
def unit_list(
    request,
    parent: int | None = Query(None, ge=1, le=MAX_ID),
    kind: Line | None = Query(None, max_length=20),
    q: Line = Query("", max_length=100),
    include_closed: bool = False,
):
    units = queries.units_for(
        request.auth, parent=parent, kind=kind, q=q, include_closed=include_closed
    )
    return units


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def unit_detail(request, unit_id: int = id_path()):
    return scope.get_for(
        queries.with_parent(Unit.objects.all()),
        request.auth,
        unit_id,
        perm="core.unit:view",
        unit_field=None,
    )


@router.post("/units", response={201: UnitOut}, summary="新增单位（系统管理员）")
def unit_create(request, payload: UnitIn):
    parent = scope.get_for(
        Unit, request.auth, payload.parent_id, perm="core.unit:manage", unit_field=None
    )
    unit = services.unit_create(
        by=request.auth,
        parent=parent,
        code=payload.code,
        name=payload.name,
        short_name=payload.short_name,
        kind=payload.kind,
    )
    return Status(201, queries.with_parent(Unit.scoped.filter(pk=unit.pk)).get())


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改单位（系统管理员）")
def unit_update(request, payload: UnitPatch, unit_id: int = id_path()):
    unit = scope.get_for(Unit, request.auth, unit_id, perm="core.unit:manage", unit_field=None)
    unit = services.unit_update(
        by=request.auth, unit=unit, **payload.dict(exclude_unset=True, exclude_none=True)
    )
    return queries.with_parent(Unit.scoped.filter(pk=unit.pk)).get()
