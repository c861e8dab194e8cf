"""The rectification ledger's columns as units' Excel files carry them: the keys, the headers
with the spellings units use, and the words under 完成情况 that say a measure's status. Read by
the import (ledger_import.py) and written by the export and blank template (ledger_export.py),
so an export re-imports.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _

from jianfu.core import excel, parsing, sheet_columns
from jianfu.core.sheet_columns import Column

from ..models import MeasureStatus

# --- Columns --------------------------------------------------------------------------------------

NUMBER, DESCRIPTION, CONTENT, RESP_UNIT, PERSON, LEADER = (
    "number",
    "description",
    "content",
    "responsible_unit",
    "responsible_person",
    "leader",
)
DEADLINE, PROGRESS, COMPLETION, KIND, MECHANISM, REVIEW_ON = (
    "deadline",
    "progress",
    "completion",
    "kind",
    "mechanism",
    "review_on",
)
FOUND_ON, SEVERITY, PROBLEM_UNIT, NOTE, SOURCE, STATUS = (
    "found_on",
    "severity",
    "problem_unit",
    "note",
    "source",
    "status",
)

# Headers are data (what files carry), the same in every language, so an export re-imports.
# Aliases: what units' own ledgers call the column. A header is compared without spaces,
# brackets and what is in them ("类型（立行立改/长效机制）" is 类型), full-width forms or case.
COLUMNS = (
    Column(NUMBER, "序号", ("编号", "序", "no", "问题序号")),
    Column(
        DESCRIPTION,
        "问题描述",
        ("问题", "存在问题", "存在的问题", "问题表现", "具体问题", "问题内容", "主要问题"),
        required=True,
    ),
    Column(
        CONTENT,
        "整改措施",
        ("措施", "整改举措", "具体措施", "整改任务", "整改措施及目标", "整改目标及措施"),
        required=True,
    ),
    Column(
        RESP_UNIT,
        "责任单位",
        ("牵头单位", "责任部门", "牵头部门", "整改责任单位", "承办单位"),
        required=True,
    ),
    Column(PERSON, "责任人", ("具体责任人", "整改责任人", "责任人员"), required=True),
    Column(LEADER, "责任领导", ("牵头领导", "分管领导"), in_template=False, in_export=False),
    Column(
        DEADLINE,
        "完成时限",
        ("完成时间", "整改时限", "整改期限", "时限", "完成期限", "办结时限", "完成日期"),
        required=True,
    ),
    Column(PROGRESS, "整改进展", ("进展情况", "整改进度", "推进情况", "进展", "整改进展情况")),
    Column(COMPLETION, "完成情况", ("整改完成情况", "整改情况", "整改结果", "完成结果")),
    Column(KIND, "类型（立行立改/长效机制）", ("类型", "整改类型", "措施类型", "类别")),
    Column(MECHANISM, "长效机制", ("制度机制", "建立的制度机制", "长效机制建设")),
    Column(REVIEW_ON, "回头看日期", ("回头看时间",)),
    Column(FOUND_ON, "发现日期", ("发现时间", "问题发现日期")),
    Column(SEVERITY, "严重程度", (), in_template=False),
    Column(PROBLEM_UNIT, "问题单位", ("问题所属单位", "所属单位"), in_template=False),
    Column(NOTE, "备注", (), in_export=False),
    # Written by the export for the reader, not read by the import: its problems all go to the
    # unit imported for, with the source chosen on its form and the status from 完成情况.
    Column(SOURCE, "问题来源", ("来源",), in_template=False),
    Column(STATUS, "状态", ("整改状态",), in_template=False),
)
BY_KEY = {c.key: c for c in COLUMNS}
MEASURE_CELLS = (RESP_UNIT, PERSON, LEADER, DEADLINE, PROGRESS, COMPLETION, KIND, MECHANISM)
MEASURE_CELLS += (REVIEW_ON,)
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def header_key(text: str) -> str:
    return sheet_columns.header_key(_BRACKETED.sub("", unicodedata.normalize("NFKC", text)))


HEADER_KEYS = {header_key(n): c for c in COLUMNS for n in (c.header, *c.aliases)}


def cell_text(value) -> str:
    return excel.unneutralise(parsing.normalise_text(value))


# --- Status words in 完成情况 ---------------------------------------------------------------------


def status_words() -> dict[str, str]:
    """{status: the words the export writes under 完成情况} (a verified one adds its date)."""
    labels = dict(MeasureStatus.choices)
    return {
        MeasureStatus.DRAFT: _("未开始整改"),
        MeasureStatus.IN_PROGRESS: str(labels[MeasureStatus.IN_PROGRESS]),
        MeasureStatus.SUBMITTED: str(labels[MeasureStatus.SUBMITTED]),
        MeasureStatus.VERIFIED: str(labels[MeasureStatus.VERIFIED]),
        MeasureStatus.RETURNED: _("已退回重新整改"),
    }


_DONE = ("已完成", "已整改", "完成", "已办结", "办结", "已落实", "已销号", "整改到位")
_NOT_DONE = ("未完成", "没有完成", "尚未", "未整改", "未办结", "未落实", "正在", "整改中")
_NOT_DONE += ("推进中", "进行中", "未开始")


def read_completion(text: str) -> tuple[str, bool]:
    """(the completion text, whether it says done). A last line in the export's status words
    decides and is dropped; otherwise the words do ("已完成" yes, "尚未完成" no)."""
    with translation.override("zh-hans"):
        spellings = list(status_words().items())
    spellings += status_words().items()  # an export made in another language
    lines = text.rstrip().split("\n")
    last = lines[-1].strip()
    for status, w in spellings:
        if last == w or (status == MeasureStatus.VERIFIED and last.startswith(w + "（")):
            done = status in (MeasureStatus.SUBMITTED, MeasureStatus.VERIFIED)
            return "\n".join(lines[:-1]).strip(), done
    done = any(w in text for w in _DONE) and not any(w in text for w in _NOT_DONE)
    return text.strip(), done
