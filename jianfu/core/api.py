from datetime import date

from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth

from . import queries, scope, services
from .inputs import Line
from .models import Unit
from .scope import TokenPrincipal


class Session(SessionAuth):
    """Browser session (CSRF checked on writes)."""


class Bearer(HttpBearer):
    """`Authorization: Bearer <token>` for systems that push data."""

    def authenticate(self, request, token):
        found = services.token_authenticate(token)
        return TokenPrincipal(found) if found else None


auth = [Session(), Bearer()]
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
    parent_id: int
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
    unit = queries.with_parent(Unit.objects.filter(pk=s.unit_id)).first()
    return {
        "username": who.get_username(),
        "full_name": getattr(who, "full_name", ""),
        "unit": unit,
        "roles": sorted(getattr(who, "role_codes", ())),
        "permissions": sorted(s.perms),
        "units_in_scope": Unit.objects.filter(s.units_q()).count(),
    }


@router.get("/units", response=list[UnitOut], summary="范围内的单位")
@paginate(PageNumberPagination, page_size=100)
def unit_list(
    request,
    parent: int | None = None,
    kind: str | None = None,
    q: str = "",
    include_closed: bool = False,
):
    units = queries.units_for(
        request.auth, parent=parent, kind=kind, q=q, include_closed=include_closed
    )
    return units


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def unit_detail(request, unit_id: int):
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
    return Status(201, queries.with_parent(Unit.objects.filter(pk=unit.pk)).get())


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改单位（系统管理员）")
def unit_update(request, unit_id: int, payload: UnitPatch):
    unit = scope.get_for(Unit, request.auth, unit_id, perm="core.unit:manage", unit_field=None)
    unit = services.unit_update(
        by=request.auth, unit=unit, **payload.dict(exclude_unset=True, exclude_none=True)
    )
    return queries.with_parent(Unit.objects.filter(pk=unit.pk)).get()
