"""A submission's body, as the API and the phone's lean endpoint both check it."""

from typing import Any

from ninja import Field, Schema

from jianfu.core.api import MAX_ID
from jianfu.core.inputs import Line, Text


class ReportIn(Schema):
    point: int = Field(..., ge=1, le=MAX_ID, description="样本点编号")
    period: Line = Field(..., max_length=10, description="周期，如 2025-03")
    client_key: Line = Field(
        ...,
        min_length=8,
        max_length=64,
        description="设备为每次提交生成的编号（如 UUID）；重试时原样再发，只会存一份",
    )
    values: dict[str, Any] = Field(..., description="{题目代码: 回答}，数字可为字符串")
    note: Text = Field("", max_length=200, description="更正说明（可不填）")
