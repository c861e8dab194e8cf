"""The registry sheets' columns, and the spellings people use for their choices.

What only a file has, written once per kind here (model, date field and sheet title are read from
kinds.py): the columns of each (header, other spellings, required or not, in templates and
exports, the note the template's "说明" sheet gives) and the template's example rows. Derived from
them and the model: the value an absent column or an empty cell gives a new record, and which
columns are choices. The choice parsers read the Chinese labels and the short forms people write,
per set of choices (ALIASES).

They stay here rather than in kinds.py: headers and their spellings are the file's words (the
same in every language, what templates and exports write), and the export, the template and the
import all read them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy

from jianfu.core.parsing import Choices
from jianfu.core.sheet_columns import Column as Col

from ...kinds import KINDS
from ...models import (
    Category,
    DocumentKind,
    InspectionKind,
    InspectionMethod,
    Level,
    MeetingForm,
    MeetingLevel,
)

# Read from the kinds table (registry/kinds.py), by kind code.
MODELS = {code: k.model for code, k in KINDS.items()}
DATE_FIELD = {code: k.date_field for code, k in KINDS.items()}
SHEET_TITLE = {code: k.sheet_title or k.title for code, k in KINDS.items()}

# --- Spellings people use -----------------------------------------------------------------------

LEVEL_ALIASES = {
    "县": Level.COUNTY,
    "县区": Level.COUNTY,
    "县市区": Level.COUNTY,
    "县（市、区）": Level.COUNTY,
    "县级单位": Level.COUNTY,
    "部门": Level.DEPARTMENT,
    "市直": Level.DEPARTMENT,
    "市直单位": Level.DEPARTMENT,
    "市直部门单位": Level.DEPARTMENT,
    "乡镇": Level.TOWNSHIP,
    "乡": Level.TOWNSHIP,
    "镇": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "乡镇街道": Level.TOWNSHIP,
    "乡镇级": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
    "村居": Level.VILLAGE,
    "村级": Level.VILLAGE,
    "中小学": Level.SCHOOL,
    "学校": Level.SCHOOL,
    "企业": Level.ENTERPRISE,
}
DOCUMENT_KIND_ALIASES = {
    "红头": DocumentKind.RED_HEADER,
    "白头": DocumentKind.WHITE_HEADER,
    "通知": DocumentKind.NOTICE,
    "办公室通知": DocumentKind.NOTICE,
    "部门通知": DocumentKind.NOTICE,
    "联合": DocumentKind.JOINT,
    "联合行文": DocumentKind.JOINT,
    "工作群": DocumentKind.WORKGROUP,
    "工作群消息": DocumentKind.WORKGROUP,
    "微信群通知": DocumentKind.WORKGROUP,
    "群通知": DocumentKind.WORKGROUP,
}
MEETING_FORM_ALIASES = {
    "现场": MeetingForm.IN_PERSON,
    "线下": MeetingForm.IN_PERSON,
    "线下会议": MeetingForm.IN_PERSON,
    "视频": MeetingForm.VIDEO,
    "线上": MeetingForm.VIDEO,
    "电视电话会议": MeetingForm.VIDEO,
    "视频会": MeetingForm.VIDEO,
    "合并": MeetingForm.MERGED,
    "合并召开": MeetingForm.MERGED,
    "两会合一": MeetingForm.MERGED,
    "套开": MeetingForm.MERGED,
}
MEETING_LEVEL_ALIASES = {
    "市": MeetingLevel.CITY,
    "县": MeetingLevel.COUNTY,
    "部门会议": MeetingLevel.DEPARTMENT,
    "乡镇": MeetingLevel.TOWNSHIP,
    "乡": MeetingLevel.TOWNSHIP,
    "镇": MeetingLevel.TOWNSHIP,
    "街道": MeetingLevel.TOWNSHIP,
}
INSPECTION_KIND_ALIASES = {"督导": InspectionKind.SUPERVISION, "考评": InspectionKind.ASSESSMENT}
INSPECTION_METHOD_ALIASES = {
    "现场": InspectionMethod.ON_SITE,
    "实地检查": InspectionMethod.ON_SITE,
    "现场检查": InspectionMethod.ON_SITE,
    "电话询问": InspectionMethod.PHONE,
    "电话抽查": InspectionMethod.PHONE,
    "材料": InspectionMethod.MATERIALS,
    "书面": InspectionMethod.MATERIALS,
    "报送材料": InspectionMethod.MATERIALS,
    "网上": InspectionMethod.ONLINE,
    "线上": InspectionMethod.ONLINE,
    "平台": InspectionMethod.ONLINE,
    "网络": InspectionMethod.ONLINE,
}
CATEGORY_ALIASES = {
    "文件": Category.DOCUMENT,
    "发文数量": Category.DOCUMENT,
    "会议数量": Category.MEETING,
    "督查检查考核": Category.INSPECTION,
    "督查": Category.INSPECTION,
    "检查": Category.INSPECTION,
    "考核": Category.INSPECTION,
    "督检考": Category.INSPECTION,
}

# --- Columns ------------------------------------------------------------------------------------

# A column's key is a model field, or one of these pseudo-columns, which the importer reads its
# own way (合并到 is named for Meeting.merged_with, but names a meeting by its keys; 计入指标 is
# derived, never read).
PK, UNIT, CO_UNITS, MERGED, COUNTED = "pk", "unit", "co_units", "merged_with", "counted"
PSEUDO = {PK, UNIT, CO_UNITS, MERGED, COUNTED}
_EXTERNAL = Col(
    "external_id",
    "外部编号",
    ("外部系统编号", "OA编号", "系统外部编号", "externalid"),
    note=gettext_lazy(
        "选填。本单位 OA 等系统中的编号。同一单位、同一外部编号再次导入时更新原记录而不重复登记。"
    ),
)
_PK = Col(
    PK,
    "系统编号",
    ("记录编号", "id"),
    in_template=False,
    note=gettext_lazy("导出文件才有此列，请勿修改：再次导入时据此更新原记录。新增的行留空。"),
)
_COUNTED = Col(
    COUNTED,
    "计入指标（系统判定）",
    ("计入指标", "是否计入指标"),
    in_template=False,
    note=gettext_lazy("导出文件才有此列，由系统按计数规则判定，导入时不读取。"),
)

COLUMNS: dict[str, tuple[Col, ...]] = {
    "document": (
        _PK,
        _EXTERNAL,
        Col(
            "number",
            "文号",
            ("发文字号", "文件编号", "发文文号"),
            note=gettext_lazy(
                "红头文件必填，白头文件、工作群通知可不填。同一单位的文号不能重复；"
                "已登记过的文号再次导入时更新原记录。"
            ),
        ),
        Col(
            "title",
            "标题",
            ("文件标题", "文件名称", "题目"),
            True,
            note=gettext_lazy("必填，不超过 300 字。"),
        ),
        Col(
            UNIT,
            "发文单位",
            ("单位", "牵头单位", "牵头发文单位", "单位名称", "单位代码"),
            True,
            note=gettext_lazy(
                "必填（联络员为本单位导入时可不填）。填写单位全称或单位代码；联合发文填牵头单位。"
            ),
        ),
        Col(
            CO_UNITS,
            "联合发文单位",
            ("联合单位", "会签单位"),
            note=gettext_lazy(
                "选填。联合发文的其他单位，多个之间用顿号“、”分隔。联合发文只计入牵头单位一次。"
                "再次导入已登记的文件时只增加联合发文单位，不删除已有的（删除请在登记页面修改）。"
            ),
        ),
        Col(
            "issued_on",
            "发文日期",
            ("日期", "成文日期", "印发日期"),
            True,
            note=gettext_lazy("必填，如 2025-03-05、2025/3/5、2025.3.5 或 2025年3月5日。"),
        ),
        Col("kind", "文件类型", ("类型", "文种", "文件种类"), True),
        Col(
            "addressed_levels",
            "发至层级",
            ("主送层级", "发至", "发文范围"),
            note=gettext_lazy("发至乡镇、村、学校或企业的，视为发至基层。"),
        ),
        Col(
            "assigns_work",
            "是否向基层布置工作",
            ("向基层布置工作", "布置工作", "是否布置工作"),
            note=gettext_lazy(
                "填“是”或“否”，不填为“否”。向基层布置工作的白头文件、通知和工作群消息计入发文指标。"
            ),
        ),
        Col("pages", "页数", ("页码数",), note=gettext_lazy("选填，不小于 0 的整数。")),
        Col("characters", "字数", ("文字数",), note=gettext_lazy("选填，不小于 0 的整数。")),
        Col(
            "full_text",
            "正文",
            ("文件正文", "全文"),
            in_template=False,
            in_export=False,
            note=gettext_lazy("选填，文件全文。"),
        ),
        _COUNTED,
    ),
    "meeting": (
        _PK,
        _EXTERNAL,
        Col(
            "title",
            "会议名称",
            ("标题", "名称", "会议标题"),
            True,
            note=gettext_lazy("必填，不超过 300 字。"),
        ),
        Col(
            UNIT,
            "主办单位",
            ("单位", "召集单位", "单位名称", "单位代码"),
            True,
            note=gettext_lazy("必填（联络员为本单位导入时可不填）。填写单位全称或单位代码。"),
        ),
        Col(
            "held_on",
            "会议日期",
            ("日期", "召开日期", "开会日期"),
            True,
            note=gettext_lazy("必填，如 2025-03-05、2025/3/5、2025.3.5 或 2025年3月5日。"),
        ),
        Col(
            "starts_at",
            "开始时间",
            ("开始",),
            note=gettext_lazy("选填，如 9:30 或 9时30分。"),
        ),
        Col(
            "ends_at",
            "结束时间",
            ("结束",),
            note=gettext_lazy("选填，须晚于开始时间。"),
        ),
        Col("level", "会议层级", ("层级", "级别"), True),
        Col("form", "会议形式", ("形式", "召开形式"), True),
        Col(
            MERGED,
            "合并到",
            ("合并到会议", "与之合并的会议", "并入会议"),
            note=gettext_lazy(
                "两会合一时，被并入的那次会议在此填写所并入会议的外部编号（本文件中的或已登记的；"
                "没有外部编号的填其系统编号），会议形式选“合并召开（两会合一）”。"
                "并入的会议不再计数，只计所并入的那一次。"
            ),
        ),
        Col(
            "attend_levels",
            "参会层级",
            ("要求参会层级", "参会范围"),
            note=gettext_lazy("要求乡镇、村、学校或企业参会的，视为要求基层参会。"),
        ),
        Col(
            "grassroots_attendees",
            "基层参会人数",
            ("基层参会人次", "基层人数"),
            note=gettext_lazy("选填，不小于 0 的整数。"),
        ),
        _COUNTED,
    ),
    "inspection": (
        _PK,
        _EXTERNAL,
        Col(
            "title",
            "名称",
            ("标题", "事项名称", "督查检查考核事项", "检查名称"),
            True,
            note=gettext_lazy("必填，不超过 300 字。"),
        ),
        Col(
            UNIT,
            "组织单位",
            ("单位", "牵头单位", "单位名称", "单位代码"),
            True,
            note=gettext_lazy("必填（联络员为本单位导入时可不填）。填写单位全称或单位代码。"),
        ),
        Col("kind", "类别", ("类型", "检查类别"), True),
        Col("method", "方式", ("检查方式", "督查方式"), True),
        Col(
            CO_UNITS,
            "被检查单位",
            ("检查对象", "被督查单位", "被考核单位", "对象单位"),
            note=gettext_lazy(
                "选填。多个之间用顿号“、”分隔。再次导入已登记的事项时只增加被检查单位，"
                "不删除已有的（删除请在登记页面修改）。"
            ),
        ),
        Col(
            "starts_on",
            "开始日期",
            ("日期", "检查日期"),
            True,
            note=gettext_lazy("必填，如 2025-03-05、2025/3/5、2025.3.5 或 2025年3月5日。"),
        ),
        Col(
            "ends_on",
            "结束日期",
            (),
            note=gettext_lazy("选填，不填为开始日期当天；不能早于开始日期。"),
        ),
        Col(
            "in_plan",
            "是否列入年度计划",
            ("列入年度计划", "列入计划", "计划内"),
            note=gettext_lazy("填“是”或“否”，不填为“是”。"),
        ),
        Col(
            "forms_demanded",
            "要求报送表格材料数",
            ("报送材料数", "表格材料数", "要求报送材料数"),
            note=gettext_lazy("选填，不小于 0 的整数：要求被检查单位填报的表格、材料份数。"),
        ),
        _COUNTED,
    ),
}


# --- The template's example rows (marked 【示例】; imports skip them) ---------------------------


def _document_examples(year: int) -> list[dict]:
    return [
        {
            "external_id": "OA-2025-0031",
            "number": f"示教发〔{year}〕3号",
            "title": "关于做好春季学期开学工作的通知",
            UNIT: "市教育局",
            "issued_on": dt.date(year, 3, 5),
            "kind": DocumentKind.RED_HEADER,
            "addressed_levels": [Level.COUNTY, Level.TOWNSHIP],
            "assigns_work": True,
            "pages": 4,
            "characters": 3200,
        },
        {
            "title": "关于报送春季安全检查情况的通知",
            UNIT: "市教育局",
            "issued_on": dt.date(year, 3, 12),
            "kind": DocumentKind.WORKGROUP,
            "addressed_levels": [Level.TOWNSHIP, Level.VILLAGE],
            "assigns_work": True,
            "pages": 1,
            "characters": 280,
        },
    ]


def _meeting_examples(year: int) -> list[dict]:
    return [
        {
            "external_id": "HY-2025-012",
            "title": "全市春季安全生产工作会议",
            UNIT: "市应急管理局",
            "held_on": dt.date(year, 3, 6),
            "starts_at": dt.time(9, 0),
            "ends_at": dt.time(11, 0),
            "level": MeetingLevel.CITY,
            "form": MeetingForm.VIDEO,
            "attend_levels": [Level.COUNTY, Level.TOWNSHIP],
            "grassroots_attendees": 120,
        },
        {
            "external_id": "HY-2025-013",
            "title": "全市防汛工作部署会",
            UNIT: "市应急管理局",
            "held_on": dt.date(year, 3, 6),
            "starts_at": dt.time(11, 0),
            "ends_at": dt.time(11, 30),
            "level": MeetingLevel.CITY,
            "form": MeetingForm.MERGED,
            MERGED: "HY-2025-012",
            "attend_levels": [Level.COUNTY, Level.TOWNSHIP],
            "grassroots_attendees": 0,
        },
    ]


def _inspection_examples(year: int) -> list[dict]:
    return [
        {
            "external_id": "JC-2025-007",
            "title": "春季校园安全专项检查",
            UNIT: "市教育局",
            "kind": InspectionKind.CHECK,
            "method": InspectionMethod.ON_SITE,
            CO_UNITS: "甲县、乙县",
            "starts_on": dt.date(year, 4, 8),
            "ends_on": dt.date(year, 4, 10),
            "in_plan": True,
            "forms_demanded": 2,
        },
        {
            "title": "教育系统年度目标考核",
            UNIT: "市教育局",
            "kind": InspectionKind.ASSESSMENT,
            "method": InspectionMethod.MATERIALS,
            CO_UNITS: "甲县",
            "starts_on": dt.date(year, 12, 1),
            "ends_on": dt.date(year, 12, 15),
            "in_plan": False,
            "forms_demanded": 5,
        },
    ]


EXAMPLES: dict[str, Callable[[int], list[dict]]] = {
    "document": _document_examples,
    "meeting": _meeting_examples,
    "inspection": _inspection_examples,
}


def typed(kind: str, field_class) -> frozenset[str]:
    """The kind's columns whose model field is a `field_class` (a JSONField is a list of levels:
    the only lists the registries keep)."""
    model = KINDS[kind].model
    return frozenset(
        c.key
        for c in COLUMNS[kind]
        if c.key not in PSEUDO and isinstance(model._meta.get_field(c.key), field_class)
    )


def _defaults(kind: str) -> dict:
    """What a new record gets when an optional column is absent or its cell empty: the model
    field's default ("" for text, [] for levels, 0 for counts, as the form's), where the field
    has one or may be left blank (an empty end date is the kind's own: its start day)."""
    model = KINDS[kind].model
    out = {}
    for c in COLUMNS[kind]:
        if c.required or c.key in PSEUDO:
            continue
        f = model._meta.get_field(c.key)
        if f.has_default() or f.blank:
            out[c.key] = f.get_default()
    return out


DEFAULTS = {kind: _defaults(kind) for kind in KINDS}


def _written(kind: str) -> tuple[str, ...]:
    """The fields a file writes, in the order a preview lists their changes: the unit first,
    then the sheet's columns."""
    model = KINDS[kind].model
    written = (c.key for c in COLUMNS[kind] if c.key not in (PK, UNIT, CO_UNITS, COUNTED))
    return ("unit_id", *(model._meta.get_field(key).attname for key in written))


WRITTEN = {kind: _written(kind) for kind in KINDS}
# What a write derives (kinds.Kind.derive): whether the record counts, and its grassroots flag.
DERIVED = {
    code: ("counted", k.grassroots_field) if k.grassroots_field else ("counted",)
    for code, k in KINDS.items()
}
# What an import reads of the records a file updates: what it may change, and the title that
# names the record in a message or a preview.
CURRENT = {kind: ("id", "title", *WRITTEN[kind], *DERIVED[kind]) for kind in KINDS}


# --- Choices ------------------------------------------------------------------------------------

# The spellings people use, per set of choices.
ALIASES = {
    Level: LEVEL_ALIASES,
    DocumentKind: DOCUMENT_KIND_ALIASES,
    MeetingForm: MEETING_FORM_ALIASES,
    MeetingLevel: MEETING_LEVEL_ALIASES,
    InspectionKind: INSPECTION_KIND_ALIASES,
    InspectionMethod: INSPECTION_METHOD_ALIASES,
    Category: CATEGORY_ALIASES,
}


class ChoiceParsers:
    """The choice parsers, built once per import (labels are read in Chinese)."""

    def __init__(self):
        self.of_set = {choices: Choices(choices, aliases) for choices, aliases in ALIASES.items()}
        self.levels = self.of_set[Level]
        self.category = self.of_set[Category]
        # A model field names its choices by their values only: found by them.
        self._by_values = {frozenset(c.labels): c for c in self.of_set.values()}

    def of(self, kind: str) -> dict[str, Choices]:
        """The choice columns of `kind`: {field: its parser}, in the columns' order."""
        model = KINDS[kind].model
        out = {}
        for c in COLUMNS[kind]:
            if c.key in PSEUDO:
                continue
            f = model._meta.get_field(c.key)
            if f.choices:
                out[c.key] = self._by_values[frozenset(str(v) for v, _label in f.choices)]
        return out
