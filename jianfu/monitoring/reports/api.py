"""The reporter's API: the points and periods to report, the form, and the submission.

The browser's report page uses it with the session (and the CSRF token in `X-CSRFToken`). A
submission is idempotent on `client_key`, which the device generates once per attempt: sending the
same key again answers 200 with the version already stored, never a second report.
"""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from jianfu.core import periods, scope
from jianfu.core.api import id_path
from jianfu.core.errors import DomainError
from jianfu.core.inputs import Line

from ..models import Report
from . import services
from .schemas import ReportIn
from .views import (
    SUBMIT,
    my_points,
    period_rows,
    reporter_point,
    sections_of,
    submit,
)

router = Router(tags=["monitoring"])


# --- Schemas ------------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str = Field(..., description="错误代码：not_found、closed、future、bad_period 等")
    detail: str = Field(..., description="给填报员看的中文说明")
    field: str | None = None


class InvalidOut(ErrorOut):
    errors: dict[str, str] = Field(..., description="按题目给出的错误：{题目代码: 说明}")


class ReportBrief(Schema):
    version: int = Field(..., description="当前版本（首次提交为 1，每次更正加 1）")
    submitted_at: dt.datetime = Field(..., description="最近提交时间")
    late: bool = Field(..., description="是否迟报（截止日后首次提交）")


class PeriodOut(Schema):
    period: str = Field(..., description="周期，如 2025-03（月）或 2025-Q1（季）")
    label: str = Field(..., description="周期名称")
    state: str = Field(..., description="open 可填报，late 逾期仍可补报，closed 已关闭")
    status: str = Field(
        ..., description="due 待填报，overdue 逾期可补报，submitted 已提交（可更正），closed 已关闭"
    )
    status_label: str
    due_date: dt.date = Field(..., description="截止日（之后提交记为迟报）")
    can_fill: bool
    report: ReportBrief | None
    url: str = Field(..., description="填报页面地址")


class PointOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    county: str
    kind: str
    periods: list[PeriodOut]


class QuestionOut(Schema):
    key: str
    type: str = Field(..., description="int 整数，hours 小时（一位小数），score 评分，text 文字")
    label: str
    unit: str
    min: float
    max: float | None
    part_of: str | None = Field(..., description="本题是哪一题的一部分（不能大于它）")
    required: bool


class SectionOut(Schema):
    key: str
    label: str
    questions: list[QuestionOut]


class CurrentReport(ReportBrief):
    values: dict[str, Any] = Field(..., description="本期已提交的内容（更正时用）")


class FormOut(Schema):
    point: int
    point_name: str
    period: str
    period_label: str
    state: str
    due_date: dt.date
    reporter: str
    form_code: str
    form_version: int
    sections: list[SectionOut]
    report: CurrentReport | None = Field(
        ..., description="本样本点本期已提交的内容；从不带出其他周期的数字"
    )


class SubmitOut(Schema):
    report: int
    point: int
    period: str
    version: int
    created: bool = Field(..., description="false：同一 client_key 已提交过，返回的是已存的那一版")
    late: bool
    submitted_at: dt.datetime
    done_url: str


# --- Endpoints ----------------------------------------------------------------------------------


def _brief(report: Report | None) -> dict | None:
    if report is None:
        return None
    return {"version": report.version, "submitted_at": report.submitted_at, "late": report.late}


@router.get(
    "/my/points",
    response=list[PointOut],
    url_name="report_my_points",
    summary="本人负责填报的样本点及可填报的周期",
)
def my_point_list(request):
    scope.require(request.auth, SUBMIT)
    out = []
    for point in my_points(request.auth):
        out.append(
            {
                "id": point.pk,
                "unit_code": point.unit.code,
                "unit_name": point.unit.name,
                "county": point.county.name,
                "kind": point.kind,
                "periods": [
                    {
                        "period": r.period,
                        "label": r.label,
                        "state": r.state,
                        "status": r.status,
                        "status_label": r.status_label,
                        "due_date": r.due,
                        "can_fill": r.can_fill,
                        "report": _brief(r.report),
                        "url": r.url,
                    }
                    for r in period_rows(point)
                ],
            }
        )
    return out


@router.get(
    "/points/{point_id}/periods/{period}/form",
    response={200: FormOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="report_form",
    summary="某样本点某周期的填报表单",
)
def report_form(
    request, period: Line = Path(..., max_length=10), point_id: int = id_path("样本点编号")
):
    point = reporter_point(request.auth, point_id)
    try:
        start, _end = periods.bounds(period)
    except ValueError:
        return Status(
            400,
            {"code": "bad_period", "detail": _("不存在的填报周期“%(p)s”。") % {"p": period}},
        )
    try:
        state = services.period_state(point.form_code, period)
        form = services.form_for(point.form_code, start)
    except DomainError as e:
        return Status(e.status, {"code": e.code, "detail": str(e.message)})
    if state in ("future", "closed"):
        message = (
            _("周期“%(p)s”尚未开始填报。")
            if state == "future"
            else _("周期“%(p)s”已关闭，不能再填报或更正。")
        )
        return Status(409, {"code": state, "detail": message % {"p": periods.label(period)}})
    report = Report.objects.filter(point=point, period=period).first()  # unscoped: point checked
    sections = sections_of(form, {}, {})
    return {
        "point": point.pk,
        "point_name": point.unit.name,
        "period": period,
        "period_label": periods.label(period),
        "state": state,
        "due_date": services.due_date(form, period),
        "reporter": request.auth.full_name or request.auth.username,
        "form_code": form.code,
        "form_version": form.version,
        "sections": [
            {
                "key": s.key,
                "label": s.label,
                "questions": [
                    {
                        "key": q.key,
                        "type": q.type,
                        "label": _(q.label),
                        "unit": _(q.unit) if q.unit else "",
                        "min": q.low,
                        "max": q.high,
                        "part_of": q.part_of,
                        "required": q.required,
                    }
                    for q in s.questions
                ],
            }
            for s in sections
        ],
        "report": dict(_brief(report), values=report.values) if report else None,
    }


@router.post(
    "/reports",
    response={
        200: SubmitOut,
        201: SubmitOut,
        400: InvalidOut | ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    url_name="report_submit",
    summary="提交或更正本样本点一期的填报（按 client_key 幂等）",
)
def report_submit(request, payload: ReportIn):
    return Status(*submit(request.auth, payload))
