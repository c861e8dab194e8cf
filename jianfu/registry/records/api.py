"""The registries' API, for OA systems and the browser.

A record has two addresses, one meaning each: `/registry/documents/{id}` is the platform's own
id; `/registry/documents/by-external-id/{external_id}?unit=<code>` is the pushing system's id in
that unit (the token's unit when none is given). Pushes are idempotent on (unit, external_id): a
PUT to the by-external-id address creates the record the first time and updates it on every later
call, so a retry never duplicates. A token bound to a county reaches that county and the units
below it; any other unit answers 404, as if it did not exist.
"""

import datetime as dt
import re
from enum import Enum
from typing import Annotated

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from jianfu.core import scope
from jianfu.core.api import Pages, id_path
from jianfu.core.errors import DomainError
from jianfu.core.inputs import Line, Text
from jianfu.core.models import Unit

from ..kinds import KINDS, Kind
from ..models import (
    MAX_ATTENDEES,
    MAX_CHARACTERS,
    MAX_FORMS,
    MAX_PAGES,
    DocumentKind,
    InspectionKind,
    InspectionMethod,
    Level,
    Meeting,
    MeetingForm,
    MeetingLevel,
)
from . import queries, services

router = Router(tags=["registry"])

UNIT_QUERY = "单位代码；不填为令牌（或账户）所在单位"

TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value):
    """A meeting's clock time as the unit's people read it: HH:MM or HH:MM:SS, no offset (a time
    of day has no date to place an offset on, and the platform keeps local times only)."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            value = value.isoformat()
        else:
            return value
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value.strip()):
        raise PydanticCustomError(
            "jianfu_local_time",
            _("时间须写成当地时间 HH:MM 或 HH:MM:SS（不带时区和小数秒），收到“{value}”。"),
            {"value": str(value)[:40]},
        )
    return dt.time.fromisoformat(value.strip())


LocalTime = Annotated[
    dt.time,
    BeforeValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "examples": ["14:30"]}),
]
OptionalLocalTime = Annotated[
    dt.time | None,
    BeforeValidator(lambda v: v if v is None else _local_time(v)),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": TIME_PATTERN}, {"type": "null"}]}),
]


# --- Schemas ------------------------------------------------------------------------------------


class RecordOut(Schema):
    id: int = Field(..., description="平台内编号")
    unit: str = Field(..., description="单位代码")
    unit_name: str = Field(..., description="单位名称")
    external_id: str = Field(..., description="外部系统编号（推送方自己的主键）")
    title: str = Field(..., description="标题或名称")
    counted: bool = Field(..., description="是否计入硬性指标（由计数规则决定）")
    created_at: dt.datetime = Field(..., description="登记时间")
    updated_at: dt.datetime = Field(..., description="最近修改时间")

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class DocumentFields(Schema):
    title: Line = Field(..., min_length=1, max_length=300, description="标题")
    number: Line = Field("", max_length=80, description="文号；红头文件必填，白头文件可为空")
    issued_on: dt.date = Field(..., description="发文日期")
    kind: DocumentKind = Field(
        ...,
        description="文件类型：red_header 红头文件，white_header 白头文件，notice 办公室（部门）"
        "通知，joint 联合发文，workgroup 工作群通知",
    )
    co_issuers: list[Line] = Field([], description="联合发文单位代码（联合发文只计入牵头单位）")
    addressed_levels: list[Level] = Field(
        [],
        description="发至层级：county 县级，department 市直部门，township 乡镇（街道），"
        "village 村（社区），school 学校，enterprise 企业",
    )
    assigns_work: bool = Field(False, description="是否向基层布置工作")
    pages: int = Field(0, ge=0, le=MAX_PAGES, description="页数")
    characters: int = Field(0, ge=0, le=MAX_CHARACTERS, description="字数")
    full_text: Text = Field("", description="正文（可选）")


class DocumentPost(DocumentFields):
    unit: Line | None = Field(None, description=UNIT_QUERY)
    external_id: Line = Field(..., min_length=1, max_length=80, description="外部系统编号")


class DocumentOut(RecordOut):
    number: str = Field(..., description="文号")
    issued_on: dt.date = Field(..., description="发文日期")
    kind: str = Field(..., description="文件类型")
    co_issuers: list[str] = Field(..., description="联合发文单位代码")
    addressed_levels: list[str] = Field(..., description="发至层级")
    reaches_grassroots: bool = Field(..., description="是否发至基层（由发至层级得出）")
    assigns_work: bool = Field(..., description="是否向基层布置工作")
    pages: int = Field(..., description="页数")
    characters: int = Field(..., description="字数")

    @staticmethod
    def resolve_co_issuers(obj):
        return [u.code for u in obj.co_issuers.all()]


class DocumentDetail(DocumentOut):
    full_text: str = Field(..., description="正文")


class MeetingFields(Schema):
    title: Line = Field(..., min_length=1, max_length=300, description="会议名称")
    held_on: dt.date = Field(..., description="会议日期")
    starts_at: OptionalLocalTime = Field(None, description="开始时间，当地时间 HH:MM[:SS]")
    ends_at: OptionalLocalTime = Field(
        None, description="结束时间，当地时间 HH:MM[:SS]（须晚于开始时间）"
    )
    level: MeetingLevel = Field(
        ..., description="会议层级：city 市级，county 县级，department 部门，township 乡镇级"
    )
    form: MeetingForm = Field(
        ..., description="会议形式：in_person 现场会议，video 视频会议，merged 合并召开（两会合一）"
    )
    merged_with: Line | None = Field(
        None,
        description="合并召开时，本会议并入的同一单位另一会议的外部系统编号（并入者不再计数）",
    )
    attend_levels: list[Level] = Field([], description="要求参会的层级")
    grassroots_attendees: int = Field(0, ge=0, le=MAX_ATTENDEES, description="基层参会人数")


class MeetingPost(MeetingFields):
    unit: Line | None = Field(None, description=UNIT_QUERY)
    external_id: Line = Field(..., min_length=1, max_length=80, description="外部系统编号")


class MeetingOut(RecordOut):
    held_on: dt.date = Field(..., description="会议日期")
    starts_at: OptionalLocalTime = Field(None, description="开始时间（当地时间 HH:MM:SS）")
    ends_at: OptionalLocalTime = Field(None, description="结束时间（当地时间 HH:MM:SS）")
    level: str = Field(..., description="会议层级")
    form: str = Field(..., description="会议形式")
    merged_with_id: int | None = Field(None, description="并入的会议（平台内编号）")
    attend_levels: list[str] = Field(..., description="要求参会的层级")
    grassroots_required: bool = Field(..., description="是否要求基层参会")
    grassroots_attendees: int = Field(..., description="基层参会人数")


class InspectionFields(Schema):
    title: Line = Field(..., min_length=1, max_length=300, description="名称")
    kind: InspectionKind = Field(
        ..., description="类别：supervision 督查，check 检查，assessment 考核"
    )
    method: InspectionMethod = Field(
        ..., description="方式：on_site 实地，phone 电话，materials 书面材料，online 网络平台"
    )
    targets: list[Line] = Field([], description="被检查单位代码")
    starts_on: dt.date = Field(..., description="开始日期")
    ends_on: dt.date = Field(..., description="结束日期（不早于开始日期）")
    in_plan: bool = Field(True, description="是否列入年度计划")
    forms_demanded: int = Field(
        0, ge=0, le=MAX_FORMS, description="要求被检查单位报送的表格、材料数"
    )


class InspectionPost(InspectionFields):
    unit: Line | None = Field(None, description=UNIT_QUERY)
    external_id: Line = Field(..., min_length=1, max_length=80, description="外部系统编号")


class InspectionOut(RecordOut):
    kind: str = Field(..., description="类别")
    method: str = Field(..., description="方式")
    targets: list[str] = Field(..., description="被检查单位代码")
    starts_on: dt.date = Field(..., description="开始日期")
    ends_on: dt.date = Field(..., description="结束日期")
    in_plan: bool = Field(..., description="是否列入年度计划")
    forms_demanded: int = Field(..., description="要求报送的表格、材料数")

    @staticmethod
    def resolve_targets(obj):
        return [u.code for u in obj.targets.all()]


class RecordFilters(Schema):
    unit: Line | None = Field(None, description="单位代码（只看该单位）")
    subtree: bool = Field(False, description="含该单位的下级单位")
    year: int | None = Field(None, ge=1, le=9999, description="年度（1–9999）")
    month_from: int | None = Field(None, ge=1, le=12, description="起始月（含）")
    month_to: int | None = Field(None, ge=1, le=12, description="截止月（含）")
    kind: Line = Field("", description="发文的文件类型，或督查检查考核的类别")
    form: Line = Field("", description="会议形式")
    level: Line = Field("", description="会议层级")
    method: Line = Field("", description="督查检查考核的方式")
    counted: bool | None = Field(None, description="是否计入指标")
    grassroots: bool | None = Field(None, description="是否涉及基层")
    in_plan: bool | None = Field(None, description="是否列入年度计划（督查检查考核）")
    q: Line = Field("", description="标题、文号或外部系统编号")
    sort: Line = Field("-date", description="date 日期从旧到新，-date 从新到旧")


class Error(Schema):
    code: str
    detail: str
    field: str | None = None


# --- Helpers ------------------------------------------------------------------------------------


def unit_by_code(who, code: str | None) -> Unit:
    """The unit named by code within the principal's scope (its home unit when none); 404
    outside it."""
    s = scope.scope_of(who)
    qs = Unit.scoped.all()
    unit = qs.filter(code=code.strip()).first() if code else qs.filter(pk=s.unit_id).first()
    if unit is None:
        raise Http404
    return unit


def _units(who, codes: list[str], field: str) -> list[Unit]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    found = {u.code: u for u in Unit.scoped.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(
            "unknown_unit",
            _("在您的范围内找不到单位：%(c)s") % {"c": "、".join(missing)},
            field=field,
        )
    return [found[c] for c in codes]


def _record_by_id(who, model, record_id: int, perm: str):
    """By the platform's id. Outside the principal's units 404, then 403 without `perm`."""
    return scope.get_for(model.objects.select_related("unit"), who, record_id, perm=perm)


def _record_by_external_id(who, model, external_id: str, unit: str | None, perm: str):
    """By the pushing system's id within one unit (the principal's own when none is named).
    Outside the principal's units 404 first, then 403 without `perm` (as scope.get_for)."""
    owner = unit_by_code(who, unit)
    obj = model.scoped.filter(unit=owner, external_id=external_id).select_related("unit").first()
    if obj is None:
        raise Http404
    scope.require(who, perm)
    return obj


def _external_id():
    return Path(..., max_length=80, description="外部系统编号（推送方自己的主键）")


def _fields(k: Kind, who, unit: Unit, payload) -> tuple[dict, list[Unit] | None]:
    """The service's fields from a payload: choices as their plain values, the co-units (a
    kind's co_field) looked up by code, a merged meeting by its external id in the same unit."""
    data = payload.dict(exclude={"unit", "external_id"})
    co_units = _units(who, data.pop(k.co_field), k.co_field) if k.co_field else None
    for name, value in data.items():
        if isinstance(value, Enum):
            data[name] = str(value)
        elif isinstance(value, list):
            data[name] = [str(v) if isinstance(v, Enum) else v for v in value]
    if "merged_with" in data:
        merged = data.pop("merged_with")
        data["merged_with_id"] = None
        if merged and data["form"] == MeetingForm.MERGED:
            other = Meeting.scoped.filter(unit=unit, external_id=merged).first()
            if other is None:
                raise DomainError(
                    "unknown_meeting",
                    _("找不到本单位外部系统编号为“%(e)s”的会议。") % {"e": merged},
                    field="merged_with",
                )
            data["merged_with_id"] = other.pk
    return data, co_units


def _upsert(request, k: Kind, unit_code: str | None, external_id: str, payload):
    who, model = request.auth, k.model
    unit = unit_by_code(who, unit_code)  # 404 outside the principal's units, before any 403
    scope.require(who, k.edit_perm)
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 80:
        raise DomainError(
            "bad_external_id", _("外部系统编号须为 1 到 80 个字符。"), field="external_id"
        )
    fields, co_units = _fields(k, who, unit, payload)
    for attempt in range(2):
        existing = model.scoped.filter(unit=unit, external_id=external_id).first()
        if existing is not None:
            obj = services.record_update(existing, by=who, co_units=co_units, **fields)
            return 200, _reload(model, obj.pk)
        try:
            obj = services.record_create(
                model,
                by=who,
                unit=unit,
                co_units=co_units or (),
                external_id=external_id,
                **fields,
            )
        except DomainError as e:
            # A concurrent push of the same record won the race: update what it created.
            if e.code != "duplicate" or attempt:
                raise
            continue
        return 201, _reload(model, obj.pk)
    raise AssertionError("unreachable")


def _reload(model, pk):
    return queries.with_co_units(model.scoped.select_related("unit").filter(pk=pk)).get()


# --- Endpoints ----------------------------------------------------------------------------------

# Each kind's schemas: (what a PUT sends, what a POST sends, a list row, the detail).
SCHEMAS = {
    "document": (DocumentFields, DocumentPost, DocumentOut, DocumentDetail),
    "meeting": (MeetingFields, MeetingPost, MeetingOut, MeetingOut),
    "inspection": (InspectionFields, InspectionPost, InspectionOut, InspectionOut),
}


def _register(k: Kind, fields_schema, post_schema, out_schema, detail_schema):
    path, model, code = k.slug, k.model, k.code
    view, edit = k.view_perm, k.edit_perm
    with translation.override(settings.LANGUAGE_CODE):
        noun = str(k.noun)  # the OpenAPI text is written in the source language

    @router.get(
        f"/{path}",
        response=list[out_schema],
        summary=f"{noun}列表（范围内，可筛选）",
        operation_id=f"registry_{code}_list",
    )
    @paginate(Pages, page_size=100)
    def list_records(request, filters: Query[RecordFilters]) -> QuerySet:
        who = request.auth
        f = queries.RecordFilter(**filters.dict(exclude={"unit"}))
        if filters.unit:
            f.unit = unit_by_code(who, filters.unit)
        return queries.with_co_units(queries.records_for(who, model, f))

    by_id = f"/{path}/{{int:record_id}}"
    by_external_id = f"/{path}/by-external-id/{{path:external_id}}"

    @router.get(
        by_id,
        response=detail_schema,
        summary=f"{noun}详情（按平台内编号）",
        operation_id=f"registry_{code}_detail",
    )
    def detail(request, record_id: int = id_path()):
        obj = _record_by_id(request.auth, model, record_id, view)
        return _reload(model, obj.pk)

    @router.delete(
        by_id,
        response={204: None},
        summary=f"删除{noun}（按平台内编号）",
        operation_id=f"registry_{code}_delete",
    )
    def delete(request, record_id: int = id_path()):
        obj = _record_by_id(request.auth, model, record_id, edit)
        services.record_delete(obj, by=request.auth)
        return Status(204, None)

    @router.get(
        by_external_id,
        response=detail_schema,
        summary=f"{noun}详情（按单位和外部系统编号）",
        description=f"unit 为{UNIT_QUERY}。",
        operation_id=f"registry_{code}_detail_by_external_id",
    )
    def detail_by_external_id(
        request, external_id: Line = _external_id(), unit: Line | None = None
    ):
        obj = _record_by_external_id(request.auth, model, external_id, unit, view)
        return _reload(model, obj.pk)

    @router.put(
        by_external_id,
        response={200: detail_schema, 201: detail_schema, 400: Error, 404: Error},
        summary=f"推送{noun}（按单位和外部系统编号幂等：首次新增，之后更新）",
        description=f"unit 为{UNIT_QUERY}。重复推送不会产生重复记录。",
        operation_id=f"registry_{code}_put",
    )
    def put(
        request,
        payload: fields_schema,
        external_id: Line = _external_id(),
        unit: Line | None = None,
    ):
        status, obj = _upsert(request, k, unit, external_id, payload)
        return Status(status, obj)

    @router.delete(
        by_external_id,
        response={204: None},
        summary=f"删除{noun}（按单位和外部系统编号）",
        description=f"unit 为{UNIT_QUERY}。",
        operation_id=f"registry_{code}_delete_by_external_id",
    )
    def delete_by_external_id(
        request, external_id: Line = _external_id(), unit: Line | None = None
    ):
        obj = _record_by_external_id(request.auth, model, external_id, unit, edit)
        services.record_delete(obj, by=request.auth)
        return Status(204, None)

    @router.post(
        f"/{path}",
        response={200: detail_schema, 201: detail_schema, 400: Error, 404: Error},
        summary=f"推送{noun}（外部系统编号在请求体中，幂等）",
        operation_id=f"registry_{code}_post",
    )
    def post(request, payload: post_schema):
        status, obj = _upsert(request, k, payload.unit, payload.external_id, payload)
        return Status(status, obj)


for _kind in KINDS.values():
    _register(_kind, *SCHEMAS[_kind.code])
