"""The registry sheets' columns, and the spellings people use for their choices.

Documents, meetings and inspections (model, date field and sheet title read from kinds.py): the
columns of each (header, other spellings, required or not, in templates and exports, the note
the template's "说明" sheet gives); the defaults a new record gets for an absent column; and the
choice parsers, which read the Chinese labels and the short forms people write.
"""

from __future__ import annotations

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

# A column's key is a model field, or one of these pseudo-columns, which are not.
PK, UNIT, CO_UNITS, MERGED, COUNTED = "pk", "unit", "co_units", "merged_with", "counted"
_PSEUDO = {PK, UNIT, CO_UNITS, MERGED, COUNTED}
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
        Col("addressed_levels", "发至层级", ("主送层级", "发至", "发文范围")),
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
        Col("attend_levels", "参会层级", ("要求参会层级", "参会范围")),
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

# Fields a new record gets when its column is absent or its cell empty.
DEFAULTS = {
    "document": {
        "external_id": "",
        "number": "",
        "addressed_levels": [],
        "assigns_work": False,
        "pages": 0,
        "characters": 0,
        "full_text": "",
    },
    "meeting": {
        "external_id": "",
        "starts_at": None,
        "ends_at": None,
        "attend_levels": [],
        "grassroots_attendees": 0,
    },
    "inspection": {"external_id": "", "in_plan": True, "forms_demanded": 0},
}


def _through(kind: str):
    """(the M2M through model, its column naming the record) for co-issuers or targets."""
    return KINDS[kind].co_through()


# --- Choices ------------------------------------------------------------------------------------


class _Choices:
    """The choice parsers, built once per import (labels are read in Chinese)."""

    def __init__(self):
        self.levels = Choices(Level, LEVEL_ALIASES)
        self.document_kind = Choices(DocumentKind, DOCUMENT_KIND_ALIASES)
        self.meeting_form = Choices(MeetingForm, MEETING_FORM_ALIASES)
        self.meeting_level = Choices(MeetingLevel, MEETING_LEVEL_ALIASES)
        self.inspection_kind = Choices(InspectionKind, INSPECTION_KIND_ALIASES)
        self.inspection_method = Choices(InspectionMethod, INSPECTION_METHOD_ALIASES)
        self.category = Choices(Category, CATEGORY_ALIASES)

    def of(self, kind: str) -> dict[str, Choices]:
        """The choice columns of `kind`: {field: its parser}."""
        return {name: getattr(self, attr) for name, attr in CHOICE_COLUMNS[kind].items()}


# The choice columns of each kind: field -> the _Choices attribute that reads it.
CHOICE_COLUMNS = {
    "document": {"kind": "document_kind"},
    "meeting": {"level": "meeting_level", "form": "meeting_form"},
    "inspection": {"kind": "inspection_kind", "method": "inspection_method"},
}
