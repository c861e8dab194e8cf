"""The rectification API: the problem list and one problem's ledger (measures and history) for
reading, and a measure's progress and submission for the units that rectify.

Reads are open to API tokens that carry rectification.problem:view (an OA system showing a unit's
open problems and due dates). Writes need rectification.ledger:edit, which no token may carry:
progress and submission are signed by a person, through the browser session. Every write names
the measure's `version` it was read at; a stale one is refused with 409 (code "conflict") and
changes nothing. Outside the principal's units a problem or measure does not exist (404).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jianfu.core import clock, scope
from jianfu.core.api import MAX_ID, Pages, id_path
from jianfu.core.inputs import Line, Text
from jianfu.core.models import Unit

from ..models import UNFINISHED, Measure, Problem, ProblemStatus
from . import measures, services

router = Router(tags=["rectification"])


# --- Schemas --------------------------------------------------------------------------------------


class Error(Schema):
    code: str = Field(..., description="错误代码：not_found、forbidden、conflict、transition 等")
    detail: str = Field(..., description="中文说明")
    field: str | None = None


class MeasureSummary(Schema):
    total: int = Field(..., description="整改措施数")
    by_status: dict[str, int] = Field(
        ...,
        description="按状态计数：draft 草稿，in_progress 整改中，submitted 待核验，"
        "verified 已核验销号，returned 已退回",
    )
    overdue: int = Field(..., description="已过完成时限仍未完成（未提交核验）的措施数")
    next_deadline: dt.date | None = Field(..., description="未完成措施中最近的完成时限")


class ProblemOut(Schema):
    id: int = Field(..., description="平台内编号")
    unit: str = Field(..., description="单位代码")
    unit_name: str = Field(..., description="单位名称")
    source: str = Field(
        ...,
        description="来源：self_exam 对照负面清单自查，signal 预警确认，tour 巡视巡察、督查检查，"
        "complaint 群众反映，sample_point 监测样本点反映，office 市委办发现",
    )
    description: str = Field(..., description="问题描述")
    severity: int = Field(..., description="严重程度：1 一般，2 较重，3 严重")
    found_on: dt.date = Field(..., description="发现日期")
    status: str = Field(..., description="open 整改中，closed 已销号")
    closed_at: dt.datetime | None = Field(None, description="销号时间")
    relapses: int = Field(..., description="回头看发现反弹的次数")
    measures_summary: MeasureSummary

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_measures_summary(obj):
        return _summary(list(obj.measures.all()))


class MeasureOut(Schema):
    id: int
    version: int = Field(..., description="版本号：修改、报告进展、提交核验时原样带回（乐观锁）")
    content: str = Field(..., description="整改措施")
    kind: str = Field(..., description="immediate 立行立改，long_term 长效机制")
    responsible_unit: str = Field(..., description="责任单位代码")
    responsible_unit_name: str = Field(..., description="责任单位名称")
    responsible_person: str = Field(..., description="责任人")
    deadline: dt.date = Field(..., description="完成时限")
    working_days: int | None = Field(None, description="按工作日计时：工作日数")
    deadline_from: dt.date | None = Field(None, description="按工作日计时：起算日期")
    status: str = Field(
        ...,
        description="draft 草稿，in_progress 整改中，submitted 待核验，verified 已核验销号，"
        "returned 已退回",
    )
    overdue: bool = Field(..., description="是否已过完成时限且未完成")
    progress: str = Field(..., description="最近一次报告的整改进展")
    completion: str = Field(..., description="完成情况（提交核验时填写）")
    mechanism: str = Field(..., description="长效机制：建立的制度机制")
    review_on: dt.date | None = Field(None, description="长效机制：回头看日期")
    review_held: bool | None = Field(None, description="回头看结论：成效是否巩固")
    returns: int = Field(..., description="被退回次数")
    submitted_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None
    updated_at: dt.datetime

    @staticmethod
    def resolve_responsible_unit(obj):
        return obj.responsible_unit.code

    @staticmethod
    def resolve_responsible_unit_name(obj):
        return obj.responsible_unit.name

    @staticmethod
    def resolve_overdue(obj):
        return obj.status in UNFINISHED and obj.deadline < clock.today()


class StepOut(Schema):
    measure: int | None = Field(None, description="所属措施；为空时是问题本身的记录")
    kind: str = Field(..., description="事项：created、started、progress、submitted、verified 等")
    kind_label: str = Field(..., description="事项（中文）")
    from_status: str
    to_status: str
    note: str = Field(..., description="说明")
    by: str = Field(..., description="经办人")
    at: dt.datetime

    @staticmethod
    def resolve_measure(obj):
        return obj.measure_id

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_by(obj):
        return (obj.by.full_name or obj.by.username) if obj.by else ""


class ProblemDetail(ProblemOut):
    measures: list[MeasureOut]
    steps: list[StepOut] = Field(..., description="整改记录，按时间先后")

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.all())

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.select_related("by").order_by("at", "pk"))


class ProblemFilters(Schema):
    unit: Line | None = Field(None, description="单位代码：该单位及其下级单位的问题")
    status: ProblemStatus | None = Field(None, description="open 整改中，closed 已销号")
    overdue: bool | None = Field(None, description="true：有逾期未完成措施的问题；false：没有的")


class ActIn(Schema):
    version: int = Field(
        ..., ge=1, le=MAX_ID, description="读取该措施时的版本号；他人已保存时返回 409"
    )
    note: Text = Field(..., max_length=4000, description="整改进展或完成情况")


class StartIn(Schema):
    version: int = Field(
        ..., ge=1, le=MAX_ID, description="读取该措施时的版本号；他人已保存时返回 409"
    )


# --- Helpers --------------------------------------------------------------------------------------


def _summary(measures: list[Measure]) -> dict:
    today = clock.today()
    by_status: dict[str, int] = {}
    for m in measures:
        by_status[m.status] = by_status.get(m.status, 0) + 1
    open_deadlines = [m.deadline for m in measures if m.status in UNFINISHED]
    return {
        "total": len(measures),
        "by_status": by_status,
        "overdue": sum(1 for d in open_deadlines if d < today),
        "next_deadline": min(open_deadlines, default=None),
    }


def _measures():
    # unscoped: the measures of problems (or the measure) already checked
    return Measure.objects.select_related("responsible_unit").order_by("deadline", "pk")


def _problems(who):
    return scope.visible(
        Problem.objects.select_related("unit"), who, perm=services.VIEW
    ).prefetch_related(Prefetch("measures", queryset=_measures()))


def _unit(who, code: str) -> Unit:
    unit = Unit.scoped.filter(code=code.strip()).first()
    if unit is None:
        raise Http404
    return unit


def _measure_out(measure_id: int) -> Measure:
    return _measures().get(pk=measure_id)


# --- Endpoints ------------------------------------------------------------------------------------


@router.get(
    "/problems",
    response=list[ProblemOut],
    summary="问题清单（范围内，可筛选，分页）",
    operation_id="rectification_problem_list",
)
@paginate(Pages, page_size=50)
def problem_list(request, filters: Query[ProblemFilters]):
    who = request.auth
    qs = _problems(who)
    if filters.unit:
        qs = qs.filter(unit__path__startswith=_unit(who, filters.unit).path)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue is not None:
        late = Measure.objects.filter(  # unscoped: correlated to the visible problems
            problem=OuterRef("pk"), status__in=UNFINISHED, deadline__lt=clock.today()
        )
        qs = qs.filter(Exists(late)) if filters.overdue else qs.exclude(Exists(late))
    return qs.order_by("-found_on", "-pk")


@router.get(
    "/problems/{problem_id}",
    response=ProblemDetail,
    summary="问题详情：整改措施和整改记录",
    operation_id="rectification_problem_detail",
)
def problem_detail(request, problem_id: int = id_path()):
    return scope.get_for(_problems(request.auth), request.auth, problem_id, perm=services.VIEW)


def _act(request, measure_id: int, action: str, version: int, note: str = "") -> Measure:
    measure = measures.measure_act(
        by=request.auth, measure_id=measure_id, version=version, action=action, note=note
    )
    return _measure_out(measure.pk)


WRITE_RESPONSES = {200: MeasureOut, 400: Error, 403: Error, 404: Error, 409: Error}


@router.post(
    "/measures/{measure_id}/start",
    response=WRITE_RESPONSES,
    summary="开始整改（草稿 → 整改中）",
    operation_id="rectification_measure_start",
)
def measure_start(request, payload: StartIn, measure_id: int = id_path()):
    return _act(request, measure_id, "start", payload.version)


@router.post(
    "/measures/{measure_id}/progress",
    response=WRITE_RESPONSES,
    summary="报告整改进展",
    description="措施须为“整改中”或“已退回”。version 不是最新时返回 409，不作任何修改。",
    operation_id="rectification_measure_progress",
)
def measure_progress(request, payload: ActIn, measure_id: int = id_path()):
    return _act(request, measure_id, "progress", payload.version, payload.note)


@router.post(
    "/measures/{measure_id}/submit",
    response=WRITE_RESPONSES,
    summary="提交核验（填写完成情况）",
    description=(
        "措施须为“整改中”或“已退回”；提交后由市委办或其指定的核验人核验，整改单位不能自行核验。"
        "version 不是最新时返回 409，不作任何修改。"
    ),
    operation_id="rectification_measure_submit",
)
def measure_submit(request, payload: ActIn, measure_id: int = id_path()):
    return _act(request, measure_id, "submit", payload.version, payload.note)
