"""The quotas' API: the quotas set for the units in scope, with this year's use."""

from ninja import Field, Query, Router, Schema

from jianfu.core import clock
from jianfu.core.inputs import Line

from ..models import Category
from ..records.api import unit_by_code
from . import queries

router = Router(tags=["registry"])


class QuotaOut(Schema):
    unit: str = Field(..., description="单位代码")
    unit_name: str = Field(..., description="单位名称")
    year: int = Field(..., description="年度")
    category: str = Field(
        ..., description="类别：document 发文，meeting 会议，inspection 督查检查考核"
    )
    limit: int = Field(..., description="指标（全年上限）")
    used: int = Field(..., description="本年度已计入数")


class QuotaPage(Schema):
    items: list[QuotaOut]
    count: int


@router.get(
    "/quotas", response=QuotaPage, summary="硬性指标（范围内）", operation_id="registry_quotas"
)
def quota_list(
    request,
    year: int | None = Query(None, ge=1, le=9999, description="年度（1–9999），不填为今年"),
    category: Category | None = None,
    unit: Line | None = None,
    page: int = Query(1, ge=1, le=1_000_000, description="页码（从 1 起）"),
    page_size: int = Query(100, ge=1, le=1000, description="每页条数"),
):
    who = request.auth
    year = year or clock.today().year
    owner = unit_by_code(who, unit) if unit else None
    qs = queries.quotas_for(who, year=year, category=str(category or ""), unit=owner)
    count = qs.count()
    quotas = list(qs[(page - 1) * page_size : page * page_size])
    used = queries.counted_by_category({q.unit_id for q in quotas}, year)
    return {
        "count": count,
        "items": [
            {
                "unit": q.unit.code,
                "unit_name": q.unit.name,
                "year": q.year,
                "category": q.category,
                "limit": q.limit,
                "used": used.get((q.unit_id, q.category), 0),
            }
            for q in quotas
        ],
    }
