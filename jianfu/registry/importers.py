"""Registry import and export (Excel or CSV): documents, meetings, inspections; quotas.

Import is all or nothing, like the units import (core.importers): the whole file is read and
checked first, and every problem is reported with its row (as the person sees it in Excel,
header = row 1), its column (the header as written) and the value, in Chinese. Only a file without
a single problem is written, in one transaction that ends with ONE audit entry for the batch (file
SHA-256, the stored file, the ids created and updated).

Columns come in any order; optional ones may be absent (an absent column leaves existing records'
values alone and gives new ones the default); an unknown column is an error, so a misspelt header
is not silently dropped. Units are named by name or code, within the importer's scope (a unit
outside it gets the same "not found" as one that does not exist, with the closest names in scope
suggested); a name two units share is an error listing both, with their parents.

Which existing record a row updates (so importing a file twice adds nothing):
1. 系统编号 — the record's id, written by exports, so an exported sheet edited and re-imported
   updates the records it came from;
2. else the unit and 外部编号 (the OA system's own key);
3. else, for documents, the unit and 文号;
4. else a row with none of these keys is the same record as an existing one without keys of the
   same unit, date and title (matched one to one, so two same-titled notices on one day stay two).
Two rows of the file naming one record, or one 文号 or 外部编号, are an error naming both rows; so
is a 文号 another record of the unit already holds.

Whether a record counts against the quota is derived (services._derive, the counting rules in
force), never read from the file: exports show it in a column that imports ignore.

Speed (bench/import_registry.py: 100,000 documents in about 4 s on SQLite, 5 s on PostgreSQL):
one read of the sheet (calamine); parsing column by column, a repeating column (units, kinds,
dates, levels …) once per distinct value; units from one dict built per import; the keys the
involved units hold read with one query per 500 units; _derive once per distinct combination;
new rows written as plain values (multi-row INSERT on SQLite, COPY on PostgreSQL — bulk_create's
per-value compilation was three quarters of the time); one rollup refresh; the cyclic garbage
collector paused meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import gc
import hashlib
import itertools
import operator
import re
import sqlite3
import unicodedata
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, excel, parsing, scope
from jianfu.core.excel import Dropdown, ImportFailed, SheetError
from jianfu.core.models import ImportRecord, Unit, User
from jianfu.core.parsing import Choices, ParseError

from . import counting, rollup, services
from .models import (
    Category,
    Document,
    DocumentKind,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Level,
    Meeting,
    MeetingForm,
    MeetingLevel,
    Quota,
)

BATCH = 2000
_CHUNK = 500

MODELS = {"document": Document, "meeting": Meeting, "inspection": Inspection}
DATE_FIELD = {"document": "issued_on", "meeting": "held_on", "inspection": "starts_on"}
SHEET_TITLE = {
    "document": gettext_lazy("发文登记"),
    "meeting": gettext_lazy("会议登记"),
    "inspection": gettext_lazy("督查检查考核登记"),
}

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


@dataclass(frozen=True)
class Col:
    key: str  # a model field, or one of PK, UNIT, CO_UNITS, MERGED, COUNTED
    header: str  # as written in templates and exports: data, the same in every language
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be there and its cells filled
    in_template: bool = True
    in_export: bool = True
    note: str = ""


PK, UNIT, CO_UNITS, MERGED, COUNTED = "pk", "unit", "co_units", "merged_with", "counted"
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
            note=gettext_lazy("选填。多个之间用顿号“、”分隔。"),
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

_NOTE = re.compile(r"[（(][^）)]*(必填|选填|可选|可不填)[^）)]*[）)]")


def _header_key(text: str) -> str:
    text = _NOTE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*_\-（）()]", "", text).lower()


def _header_keys(columns) -> dict[str, Col]:
    keys: dict[str, Col] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            keys.setdefault(_header_key(name), col)
    return keys


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


# --- Units by name or code ----------------------------------------------------------------------


def _name_key(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


class UnitIndex:
    """The units in a principal's scope, found by code, full name or (unique) short name.

    Built with one query per import; lookups are memoised per spelling."""

    SUGGEST_LIMIT = 50  # distinct unknown names that get suggestions (difflib is slow-ish)

    def __init__(self, principal):
        s = scope.scope_of(principal)
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_short: dict[str, list[int]] = defaultdict(list)
        self.info: dict[int, tuple[str, str, str]] = {}  # pk -> (code, name, path)
        rows = (
            Unit.objects.filter(s.units_q())
            .order_by("path")
            .values_list("pk", "code", "name", "short_name", "path")
        )
        for pk, code, name, short, path in rows:
            self.by_code[code] = pk
            self.by_name[_name_key(name)].append(pk)
            if short:
                self.by_short[_name_key(short)].append(pk)
            self.info[pk] = (code, name, path)
        self._memo: dict[str, int | ParseError] = {}
        self._names: list[str] | None = None
        self._suggested = 0
        self._parent_names: dict[str, str] | None = None

    def covers(self, unit_id: int) -> bool:
        return unit_id in self.info

    def resolve(self, value) -> int | None:
        """A unit's pk from its code or name; None for an empty cell; ParseError otherwise."""
        text = parsing.normalise_text(value)
        if not text:
            return None
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = self._find(text)
        if isinstance(found, ParseError):
            raise found
        return found

    def _find(self, text: str) -> int | ParseError:
        pk = self.by_code.get(text)
        if pk is None and not text.isascii():
            pk = self.by_code.get(parsing.half_width(text))
        if pk is not None:
            return pk
        key = _name_key(text)
        for table in (self.by_name, self.by_short):
            found = table.get(key)
            if found and len(found) == 1:
                return found[0]
            if found:
                return ParseError(
                    _("有 %(n)s 个单位都叫“%(v)s”：%(list)s。请改填单位代码。")
                    % {"n": len(found), "v": text, "list": "；".join(self._label(p) for p in found)}
                )
        return ParseError(self._unknown(text, key))

    def _label(self, pk: int) -> str:
        code, name, path = self.info[pk]
        parent = self._parent_name(path)
        return _("%(name)s（上级：%(parent)s，代码 %(code)s）") % {
            "name": name,
            "parent": parent or "—",
            "code": code,
        }

    def _parent_name(self, path: str) -> str:
        if self._parent_names is None:
            self._parent_names = {p: n for _pk, (_c, n, p) in self.info.items()}
        parent_path = path[: -Unit.steplen]
        if parent_path and parent_path not in self._parent_names:
            self._parent_names[parent_path] = (
                Unit.objects.filter(path=parent_path).values_list("name", flat=True).first() or ""
            )
        return self._parent_names.get(parent_path, "")

    def _unknown(self, text: str, key: str) -> str:
        close: list[str] = []
        if self._suggested < self.SUGGEST_LIMIT:
            self._suggested += 1
            if self._names is None:
                self._names = sorted({n for _c, n, _p in self.info.values()})
                self._name_of_key = {_name_key(n): n for n in self._names}
                self._keys = list(self._name_of_key)
            close = [
                self._name_of_key[k]
                for k in difflib.get_close_matches(key, self._keys, n=3, cutoff=0.5)
            ]
        if close:
            return _("找不到单位“%(v)s”。您是不是要找：%(close)s？") % {
                "v": text,
                "close": "、".join(close),
            }
        return _("找不到单位“%(v)s”：请填写您管理范围内单位的全称或单位代码。") % {"v": text}


# --- Reading the sheet --------------------------------------------------------------------------


class Row:
    __slots__ = ("line", "values", "unit_id", "co_units", "merged", "pk", "ok", "match", "obj")

    def __init__(self, line: int, values=None, pk=None, unit_id=None, co_units=None, merged=""):
        self.line = line
        self.values: dict = {} if values is None else values
        self.unit_id: int | None = unit_id
        self.co_units: list[int] | None = co_units  # None: column absent
        self.merged: str = merged  # what 合并到 names
        self.pk: int | None = pk  # 系统编号
        self.ok = True
        self.match: int | None = None  # the existing record this row updates
        self.obj = None


@dataclass
class Sheet:
    kind: str
    header_line: int
    columns: dict[str, int]  # key -> column index
    headers: dict[str, str]  # key -> header as written
    rows: list[Row]
    errors: list[SheetError]

    def has(self, key: str) -> bool:
        return key in self.columns

    def col(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        return next(c.header for c in COLUMNS[self.kind] if c.key == key)


def _text(value) -> str:
    text = parsing.normalise_text(value)
    if text[:1] == "'":
        text = excel.unneutralise(text)
    return text


def _find_header(rows: list[list], keys: dict[str, Col]) -> int:
    """The first row naming at least two known columns (a title row above is common), else the
    first non-empty row."""
    first = None
    for i, row in enumerate(rows[:20]):
        cells = [parsing.normalise_text(c) for c in row]
        if not any(cells):
            continue
        if first is None:
            first = i
        if sum(1 for c in cells if c and _header_key(c) in keys) >= 2:
            return i
    return first if first is not None else 0


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_header(
    rows: list[list], columns: tuple[Col, ...], *, optional: frozenset[str] = frozenset()
) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index of the header row, key -> column index, key -> header as written); ImportFailed
    naming every unknown, repeated or missing column. `optional`: required keys that may be
    absent this time."""
    if not rows or not any(parsing.normalise_text(c) for r in rows[:50] for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    keys = _header_keys(columns)
    h = _find_header(rows, keys)
    line = h + 1
    found: dict[str, int] = {}
    headers: dict[str, str] = {}
    errors: list[SheetError] = []
    unnamed: list[int] = []
    for index, cell in enumerate(rows[h]):
        text = parsing.normalise_text(cell)
        if not text:
            unnamed.append(index)
            continue
        col = keys.get(_header_key(text))
        if col is None:
            errors.append(
                SheetError(
                    line,
                    text,
                    _("无法识别的列“%(c)s”。可用的列：%(known)s。请删除该列或改正列名。")
                    % {"c": text, "known": "、".join(c.header for c in columns)},
                )
            )
        elif col.key in found:
            errors.append(
                SheetError(
                    line,
                    text,
                    _("“%(c)s”列重复出现（%(a)s 列和 %(b)s 列）。")
                    % {"c": text, "a": _letter(found[col.key]), "b": _letter(index)},
                )
            )
        else:
            found[col.key], headers[col.key] = index, text
    missing = [
        c.header for c in columns if c.required and c.key not in found and c.key not in optional
    ]
    if missing:
        errors.append(
            SheetError(
                line,
                None,
                _("缺少必填列：%(cols)s。表头应为：%(all)s（可从“下载模板”获取）。")
                % {
                    "cols": "、".join(missing),
                    "all": "、".join(c.header for c in columns if c.in_template),
                },
            )
        )
    for index in unnamed:
        for offset, row in enumerate(rows[h + 1 :]):
            if index < len(row) and parsing.normalise_text(row[index]):
                errors.append(
                    SheetError(
                        line + 1 + offset,
                        _letter(index),
                        _("该列有内容但没有表头，请填写表头或删除该列。"),
                    )
                )
                break
    if errors:
        raise ImportFailed(errors)
    return h, found, headers


def _date_bounds() -> tuple[dt.date, dt.date]:
    return dt.date(2000, 1, 1), dt.date(clock.today().year + 1, 12, 31)


def _cell_parsers(kind: str, units: UnitIndex, ch: _Choices) -> dict:
    """key -> function(cell) -> value, raising ParseError."""
    earliest, latest = _date_bounds()
    max_int = 2_147_483_647

    def text(max_length):
        def parse(value):
            t = _text(value)
            if len(t) > max_length:
                raise ParseError(
                    _("超过 %(n)s 个字（现有 %(m)s 个字）。") % {"n": max_length, "m": len(t)}
                )
            return t

        return parse

    def code(max_length):
        def parse(value):
            if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
                raise ParseError(
                    _(
                        "编号位数太多，Excel 已按数字保存并丢失了末几位，"
                        "请把该列设为“文本”格式后重新填写。"
                    )
                )
            t = _text(value)
            if not t.isascii() and _FULL_WIDTH_ALNUM_RE.search(t):
                t = t.translate(_FULL_WIDTH_ALNUM)
            if len(t) > max_length:
                raise ParseError(_("“%(v)s”超过 %(n)s 个字符。") % {"v": t[:40], "n": max_length})
            return t

        return parse

    def date(value):
        return parsing.parse_date(value, earliest=earliest, latest=latest)

    def count(value):
        return parsing.parse_int(value, minimum=0, maximum=max_int)

    def levels(value):
        return parsing.parse_levels(value, ch.levels)

    def units_list(value):
        found, bad = [], []
        for item in parsing.split_list(value, spaces=False):
            try:
                pk = units.resolve(item)
            except ParseError as e:
                bad.append(e.message)
                continue
            if pk not in found:
                found.append(pk)
        if bad:
            raise ParseError(" ".join(bad))
        return found

    def pk(value):
        return parsing.parse_int(value, minimum=1)

    parsers = {
        PK: pk,
        "external_id": code(80),
        "title": text(300),
        UNIT: units.resolve,
        CO_UNITS: units_list,
        COUNTED: lambda value: None,
    }
    if kind == "document":
        parsers |= {
            "number": code(80),
            "issued_on": date,
            "kind": ch.document_kind,
            "addressed_levels": levels,
            "assigns_work": parsing.parse_bool,
            "pages": count,
            "characters": count,
            "full_text": text(1_000_000),
        }
    elif kind == "meeting":
        parsers |= {
            "held_on": date,
            "starts_at": parsing.parse_time,
            "ends_at": parsing.parse_time,
            "level": ch.meeting_level,
            "form": ch.meeting_form,
            MERGED: code(80),
            "attend_levels": levels,
            "grassroots_attendees": count,
        }
    else:
        parsers |= {
            "kind": ch.inspection_kind,
            "method": ch.inspection_method,
            "starts_on": date,
            "ends_on": date,
            "in_plan": parsing.parse_bool,
            "forms_demanded": count,
        }
    return parsers


# Columns whose values are mostly distinct: parsed cell by cell. The others repeat (units, kinds,
# dates, levels, yes/no, counts) and are parsed once per distinct value.
_DISTINCT = frozenset({PK, "external_id", "number", "title", "full_text", COUNTED})


_FULL_WIDTH_ALNUM_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0d\u3000]")
_FULL_WIDTH_ALNUM = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"\uff0d": "-", "\u3000": " "}
)

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
# Columns that are not model fields.
_PSEUDO = {PK, UNIT, CO_UNITS, MERGED, COUNTED}


def _blank(raw: list) -> bool:
    """No cell with anything but spaces in it (the first filled cell ends the look)."""
    for c in raw:
        if c is None or c == "":
            continue
        if type(c) is str and not parsing.normalise_text(c):
            continue
        return False
    return True


def parse(kind: str, rows: list[list], units: UnitIndex, *, default_unit: int | None) -> Sheet:
    """Every cell parsed and checked; problems collected in `sheet.errors` (not raised here, so
    the checks against the database can add theirs).

    Column by column: a column whose values repeat (units, kinds, dates, levels, yes/no,
    counts) is parsed once per distinct value, then mapped; the others cell by cell."""
    columns = COLUMNS[kind]
    h, found, headers = read_header(
        rows, columns, optional=frozenset({UNIT}) if default_unit else frozenset()
    )
    parsers = _cell_parsers(kind, units, _Choices())
    sheet = Sheet(kind, h + 1, found, headers, [], [])
    errors = sheet.errors
    kept = [(h + 2 + i, raw) for i, raw in enumerate(rows[h + 1 :]) if not _blank(raw)]
    if not kept:
        raise ImportFailed([SheetError(h + 1, None, _("表头下面没有任何数据行。"))])
    lines = [line for line, _raw in kept]
    n = len(kept)
    # The sheet as columns (CSV rows may be ragged: padded first).
    width = max(found.values()) + 1
    raws = [raw if len(raw) >= width else [*raw, *[None] * (width - len(raw))] for _l, raw in kept]
    cells_of = list(zip(*raws, strict=False))
    bad: dict[int, set[str]] = {}  # row index -> keys whose cell could not be read

    def err(i: int, key: str, message: str) -> None:
        errors.append(SheetError(lines[i], headers[key], message))
        bad.setdefault(i, set()).add(key)

    parsed: dict[str, list] = {}
    for key, index in found.items():
        if key == COUNTED:
            continue
        fn = parsers[key]
        cells = cells_of[index]
        if key in _DISTINCT:
            out = []
            for i, value in enumerate(cells):
                try:
                    out.append(fn(value))
                except ParseError as e:
                    err(i, key, e.message)
                    out.append(None)
        else:
            distinct = {value: _apply(fn, value) for value in set(cells)}
            out = list(map(distinct.__getitem__, cells))
            if any(type(v) is ParseError for v in distinct.values()):
                for i, v in enumerate(out):
                    if type(v) is ParseError:
                        err(i, key, v.message)
                        out[i] = None
        parsed[key] = out
    for c in columns:
        if not c.required or c.key not in parsed or (c.key == UNIT and default_unit):
            continue
        for i, v in enumerate(parsed[c.key]):
            if (v is None or v == "") and c.key not in bad.get(i, ()):
                err(i, c.key, _("必填，不能为空。"))
    for key, default in DEFAULTS[kind].items():
        if key in parsed:
            parsed[key] = [default if v is None else v for v in parsed[key]]

    none = [None] * n
    pks = parsed.pop(PK, none)
    unit_ids = parsed.pop(UNIT, none)
    co_units = parsed.pop(CO_UNITS, None)
    merged = parsed.pop(MERGED, none)
    keys = list(parsed)
    dicts = (
        list(map(dict, map(functools.partial(zip, keys), zip(*parsed.values(), strict=True))))
        if keys
        else [{} for _i in range(n)]
    )
    check = _ROW_CHECKS[kind]
    rows_out = sheet.rows
    for i in range(n):
        failed = bad.get(i)
        r = Row(
            lines[i],
            dicts[i],
            pks[i],
            None if failed and UNIT in failed else (unit_ids[i] or default_unit),
            None if co_units is None else (co_units[i] or []),
            merged[i] or "",
        )
        if failed:
            r.ok = False
        elif check(r):
            _check_row(kind, sheet, r)
        rows_out.append(r)
    return sheet


# Which rows _check_row has anything to look at (most have not).
_ROW_CHECKS = {
    "document": lambda r: r.co_units or r.values.get("kind") == DocumentKind.RED_HEADER,
    "meeting": lambda r: r.merged or r.values.get("ends_at") is not None,
    "inspection": lambda r: True,
}


def _apply(fn, value):
    """fn(value), or the ParseError it raised."""
    try:
        return fn(value)
    except ParseError as e:
        return e


def _check_row(kind: str, sheet: Sheet, r: Row) -> None:
    """Rules within one row (the ones services._validate applies to a form)."""
    v = r.values

    def err(key, message):
        sheet.errors.append(SheetError(r.line, sheet.col(key), message))
        r.ok = False

    if kind == "document":
        if v.get("kind") == DocumentKind.RED_HEADER and not v.get("number"):
            err("number" if sheet.has("number") else "kind", _("红头文件须填写文号。"))
        if r.co_units and r.unit_id in r.co_units:
            r.co_units = [u for u in r.co_units if u != r.unit_id]
    elif kind == "meeting":
        start, end = v.get("starts_at"), v.get("ends_at")
        if start is not None and end is not None and end <= start:
            err(
                "ends_at",
                _("结束时间 %(e)s 不晚于开始时间 %(s)s。")
                % {"e": end.strftime("%H:%M"), "s": start.strftime("%H:%M")},
            )
        if r.merged and sheet.has("form") and v.get("form") != MeetingForm.MERGED:
            err(
                MERGED,
                _("填写了“合并到”，会议形式应为“%(f)s”。")
                % {"f": Choices(MeetingForm).labels[MeetingForm.MERGED]},
            )
    else:
        start, end = v.get("starts_on"), v.get("ends_on")
        if start is not None and end is not None and end < start:
            err(
                "ends_on",
                _("结束日期 %(e)s 早于开始日期 %(s)s。")
                % {"e": end.isoformat(), "s": start.isoformat()},
            )
        if sheet.has("ends_on") and start is not None and end is None:
            v["ends_on"] = start  # an empty cell: the inspection lasts one day


# --- Checking against the database --------------------------------------------------------------


def _chunks(items, size=_CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class Plan:
    creates: list[Row]
    updates: list[Row]  # rows matched to an existing record (written only where they change)
    existing: dict[int, dict]  # pk -> current values of the matched records
    existing_co: dict[int, set[int]]  # pk -> current co-issuers / targets
    merged_rows: dict[int, Row]  # id(row) -> the in-file row it merges into
    merged_pks: dict[int, int]  # id(row) -> the existing meeting it merges into


def _record_label(pk: int, title: str) -> str:
    return _("已登记的记录（系统编号 %(pk)s，“%(t)s”）") % {"pk": pk, "t": title[:40]}


def _raise(sheet: Sheet) -> None:
    order = {sheet.headers[k]: i for k, i in sheet.columns.items()}
    sheet.errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", -1)))
    raise ImportFailed(sheet.errors)


def plan(kind: str, sheet: Sheet, units: UnitIndex) -> Plan:
    """Match rows to existing records, check keys within the file and against the database;
    raise ImportFailed with every problem found (the sheet's own included)."""
    model = MODELS[kind]
    date_field = DATE_FIELD[kind]
    # Rows with a unit take part in the key checks even when another cell is bad, so one
    # attempt reports every problem.
    rows = [r for r in sheet.rows if r.unit_id is not None]

    def err(r, key, message):
        sheet.errors.append(SheetError(r.line, sheet.col(key), message))
        r.ok = False

    # 系统编号: the record must exist and lie in the importer's scope.
    by_pk: dict[int, dict] = {}
    for chunk in _chunks([r.pk for r in rows if r.pk]):
        for values in model.objects.filter(pk__in=chunk).values():
            if units.covers(values["unit_id"]):
                by_pk[values["id"]] = values
    for r in rows:
        if r.pk and r.pk not in by_pk:
            err(r, PK, _("系统编号 %(pk)s 的记录不存在或不在您的范围内。") % {"pk": r.pk})
            r.pk = None

    # The keys the involved units' records hold now: one query per 500 units.
    involved = {r.unit_id for r in rows} | {v["unit_id"] for v in by_pk.values()}
    owners: dict[str, dict[tuple[int, str], int]] = {"external_id": {}, "number": {}}
    held: dict[int, tuple[str, str, str]] = {}  # pk -> (external id, number, title)
    is_doc = kind == "document"
    keyed = (~Q(external_id="") | ~Q(number="")) if is_doc else ~Q(external_id="")
    fields = ["pk", "unit_id", "external_id", "title", *(["number"] if is_doc else [])]
    for chunk in _chunks(sorted(involved)):
        for values in (
            model.objects.filter(keyed, unit_id__in=chunk).order_by().values_list(*fields)
        ):
            pk, unit_id, ext, title = values[:4]
            number = values[4] if is_doc else ""
            held[pk] = (ext, number, title)
            if ext:
                owners["external_id"][(unit_id, ext)] = pk
            if number:
                owners["number"][(unit_id, number)] = pk

    # Rows without any key: the same unit, date and title as an existing record without keys.
    loose = [
        r
        for r in rows
        if not r.pk
        and not r.values.get("external_id")
        and not r.values.get("number")
        and r.values.get(date_field)
        and r.values.get("title")
    ]
    pool: dict[tuple, deque] = defaultdict(deque)
    if loose:
        days = [r.values[date_field] for r in loose]
        blank = Q(external_id="", number="") if is_doc else Q(external_id="")
        span = {f"{date_field}__gte": min(days), f"{date_field}__lte": max(days)}
        for chunk in _chunks(sorted({r.unit_id for r in loose})):
            qs = (
                model.objects.filter(blank, unit_id__in=chunk, **span)
                .order_by("pk")
                .values_list("pk", "unit_id", date_field, "title")
            )
            for pk, unit_id, day, title in qs:
                pool[(unit_id, day, title)].append(pk)

    # The record each row updates.
    claimed: dict[int, Row] = {}
    for r in rows:
        v = r.values
        ext, number = v.get("external_id") or "", v.get("number") or ""
        match, how = None, None
        if r.pk:
            match, how = r.pk, PK
        else:
            if ext:
                match, how = owners["external_id"].get((r.unit_id, ext)), "external_id"
            if match is None and number:
                match, how = owners["number"].get((r.unit_id, number)), "number"
                if match is not None and ext and held[match][0] not in ("", ext):
                    # the 文号 belongs to another OA document: reported below as taken
                    match = None
            if match is None and not ext and not number and pool:
                candidates = pool.get((r.unit_id, v.get(date_field), v.get("title")))
                if candidates:
                    match, how = candidates.popleft(), "title"
        if match is None:
            continue
        first = claimed.get(match)
        if first is not None:
            title = held[match][2] if match in held else by_pk.get(match, {}).get("title", "")
            err(
                r,
                how,
                _("与第 %(a)s 行是同一条%(record)s，同一记录只能出现一次。")
                % {"a": first.line, "record": _record_label(match, title)},
            )
            continue
        claimed[match] = r
        r.match = match

    # After the file, each 外部编号 and 文号 is held once per unit: not twice in the file, and
    # not by a record the file leaves holding it.
    for key in ("external_id", "number"):
        if not sheet.has(key):
            continue
        what = _("外部编号") if key == "external_id" else _("文号")
        in_file: dict[tuple[int, str], Row] = {}
        for r in rows:
            value = r.values.get(key) or ""
            if not value:
                continue
            k = (r.unit_id, value)
            first = in_file.get(k)
            if first is not None:
                err(
                    r,
                    key,
                    _("%(what)s“%(v)s”重复：第 %(a)s 行和第 %(b)s 行是同一单位的同一%(what)s。")
                    % {"what": what, "v": value, "a": first.line, "b": r.line},
                )
                continue
            in_file[k] = r
            holder = owners[key].get(k)
            if holder is None or holder == r.match:
                continue
            rewriter = claimed.get(holder)
            if (
                rewriter is not None
                and (
                    rewriter.unit_id,
                    rewriter.values.get(key) or "",
                )
                != k
            ):
                continue  # the file gives the holder another key
            if rewriter is not None:
                continue  # both rows in the file: reported as a duplicate above or below
            err(
                r,
                key,
                _("%(what)s“%(v)s”已被本单位另一条%(record)s使用。")
                % {"what": what, "v": value, "record": _record_label(holder, held[holder][2])},
            )

    merged_rows: dict[int, Row] = {}
    merged_pks: dict[int, int] = {}
    if kind == "meeting" and sheet.has(MERGED):
        _plan_merges(sheet, rows, units, owners["external_id"], merged_rows, merged_pks, err)

    if sheet.errors:
        _raise(sheet)

    # Current values of the matched records, to write only what changes.
    existing: dict[int, dict] = dict(by_pk)
    need = [r.match for r in rows if r.match is not None and r.match not in existing]
    for chunk in _chunks(need):
        for values in model.objects.filter(pk__in=chunk).values():
            existing[values["id"]] = values
    existing_co: dict[int, set[int]] = defaultdict(set)
    if sheet.has(CO_UNITS) and kind != "meeting":
        through, src = _through(kind)
        for chunk in _chunks([r.match for r in rows if r.match is not None]):
            for pk, unit_id in through.objects.filter(**{f"{src}__in": chunk}).values_list(
                src, "unit_id"
            ):
                existing_co[pk].add(unit_id)
    creates = [r for r in rows if r.match is None]
    updates = [r for r in rows if r.match is not None]
    return Plan(creates, updates, existing, existing_co, merged_rows, merged_pks)


def _plan_merges(sheet, rows, units, ext_owner, merged_rows, merged_pks, err) -> None:
    """Resolve 合并到: another meeting of the file (by 外部编号), or an existing one (by 外部编号
    within the unit, else by 系统编号 within the scope); refuse cycles."""
    in_file = {
        (r.unit_id, r.values.get("external_id")): r for r in rows if r.values.get("external_id")
    }
    by_number: list[tuple[Row, int]] = []
    for r in rows:
        if not r.ok or not r.merged:
            continue
        target = in_file.get((r.unit_id, r.merged))
        if target is r or (r.match is not None and ext_owner.get((r.unit_id, r.merged)) == r.match):
            err(r, MERGED, _("会议不能与自身合并。"))
            continue
        if target is not None:
            merged_rows[id(r)] = target
            continue
        pk = ext_owner.get((r.unit_id, r.merged))
        if pk is not None:
            merged_pks[id(r)] = pk
        elif r.merged.isdigit():
            by_number.append((r, int(r.merged)))
        else:
            err(
                r,
                MERGED,
                _("找不到外部编号为“%(v)s”的会议：它既不在本文件中，也没有登记过。")
                % {"v": r.merged},
            )
    if by_number:
        found = {}
        for chunk in _chunks([pk for _r, pk in by_number]):
            found.update(Meeting.objects.filter(pk__in=chunk).values_list("pk", "unit_id"))
        for r, pk in by_number:
            if pk not in found or not units.covers(found[pk]):
                err(
                    r,
                    MERGED,
                    _("找不到外部编号或系统编号为“%(v)s”的会议。") % {"v": r.merged},
                )
            elif pk == r.match:
                err(r, MERGED, _("会议不能与自身合并。"))
            else:
                merged_pks[id(r)] = pk
    # Cycles (A into B, B into A): follow each chain; existing meetings' own merges are read.
    row_of_pk = {r.match: r for r in rows if r.match is not None}
    next_of: dict = {}
    for r in rows:
        node = ("pk", r.match) if r.match is not None else ("row", id(r))
        if id(r) in merged_rows:
            t = merged_rows[id(r)]
            next_of[node] = ("pk", t.match) if t.match is not None else ("row", id(t))
        elif id(r) in merged_pks:
            next_of[node] = ("pk", merged_pks[id(r)])
        elif r.merged == "" and sheet.has(MERGED):
            next_of[node] = None
    frontier = {n[1] for n in next_of.values() if n and n[0] == "pk"} - {pk for pk in row_of_pk}
    seen: set[int] = set()
    for _round in range(20):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        found = dict(
            Meeting.objects.filter(pk__in=list(frontier)).values_list("pk", "merged_with_id")
        )
        frontier = set()
        for pk, target in found.items():
            if ("pk", pk) not in next_of:
                next_of[("pk", pk)] = ("pk", target) if target else None
                if target:
                    frontier.add(target)
    line_of = {("pk", r.match) if r.match is not None else ("row", id(r)): r for r in rows}
    reported: set = set()
    for start, r in line_of.items():
        walk, node = [], start
        while node is not None and node not in walk and len(walk) < 100:
            walk.append(node)
            node = next_of.get(node)
        if node is not None and node == start and start not in reported:
            cycle = [line_of[n].line for n in walk if n in line_of]
            reported.update(walk)
            err(
                r,
                MERGED,
                _("“合并到”形成循环（涉及第 %(rows)s 行）：会议不能互相合并。")
                % {"rows": "、".join(str(x) for x in sorted(cycle))},
            )


def _through(kind: str):
    """(the M2M through model, its column naming the record) for co-issuers or targets."""
    field = (
        Document._meta.get_field("co_issuers")
        if kind == "document"
        else (Inspection._meta.get_field("targets"))
    )
    through = field.remote_field.through
    return through, field.m2m_field_name() + "_id"


# --- Writing ------------------------------------------------------------------------------------

_COMPARE = {
    "document": (
        "unit_id",
        "external_id",
        "number",
        "title",
        "issued_on",
        "kind",
        "addressed_levels",
        "assigns_work",
        "pages",
        "characters",
        "full_text",
    ),
    "meeting": (
        "unit_id",
        "external_id",
        "title",
        "held_on",
        "starts_at",
        "ends_at",
        "level",
        "form",
        "merged_with_id",
        "attend_levels",
        "grassroots_attendees",
    ),
    "inspection": (
        "unit_id",
        "external_id",
        "title",
        "kind",
        "method",
        "starts_on",
        "ends_on",
        "in_plan",
        "forms_demanded",
    ),
}
_DERIVED = {
    "document": ("counted", "reaches_grassroots"),
    "meeting": ("counted", "grassroots_required"),
    "inspection": ("counted",),
}


# What services._derive reads, per kind: rows that agree on these get the same derived fields,
# so _derive runs once per distinct combination (a few dozen in 100,000 documents). Keep in step
# with services._derive (test_import checks every imported row against a fresh _derive).
_DERIVE_KEY = {
    "document": lambda d: (d["kind"], d["assigns_work"], tuple(d["addressed_levels"])),
    "meeting": lambda d: (
        d["form"],
        d["merged_with_id"] is not None,
        tuple(d["attend_levels"]),
        d["grassroots_attendees"],
    ),
    "inspection": lambda d: (d["kind"], d["method"], d["in_plan"], d["forms_demanded"]),
}


# New rows go in by unit and date: the indexes (unit, date), (unit, 文号) … are then written in
# order, a little faster than in the file's order.
_ORDER = {k: (lambda o, f=f: (o.unit_id, getattr(o, f))) for k, f in DATE_FIELD.items()}


@dataclass
class Outcome:
    created_ids: list[int]
    updated_ids: list[int]
    pairs: set[tuple[int, int]]  # (unit, year) touched


def _write(kind: str, sheet: Sheet, p: Plan, record: ImportRecord, by, now) -> Outcome:
    model = MODELS[kind]
    date_field = DATE_FIELD[kind]
    rules = counting.Rules.current()
    derive = services._derive
    user_id = by.pk if isinstance(by, User) else None
    defaults = DEFAULTS[kind]
    pairs: set[tuple[int, int]] = set()

    # Creates, as plain dicts of column values (no Model.__init__, no ORM compilation: they were
    # most of the time for 100,000 rows): every field at its default, then the row's values.
    # `counted` and the grassroots flags come from services._derive, run on a model instance
    # once per distinct combination of what it reads.
    base = {
        f.attname: f.get_default() if f.has_default() else None
        for f in model._meta.concrete_fields
        if not f.primary_key
    }
    base |= defaults | {
        "import_record_id": record.pk,
        "created_by_id": user_id,
        "created_at": now,
        "updated_at": now,
    }
    derived = _DERIVED[kind]
    derive_key = _DERIVE_KEY[kind]
    derived_memo: dict[tuple, dict] = {}

    def build(r: Row) -> dict:
        d = {**base, **r.values, "unit_id": r.unit_id}
        if kind == "meeting":
            if id(r) in p.merged_pks:
                d["merged_with_id"] = p.merged_pks[id(r)]
            elif id(r) in p.merged_rows:
                # merged into a meeting of this file: its id is set below, once it has one
                d["merged_with_id"] = p.merged_rows[id(r)].match or -1
        elif kind == "inspection" and d["ends_on"] is None:
            d["ends_on"] = d["starts_on"]
        key = derive_key(d)
        hit = derived_memo.get(key)
        if hit is None:
            obj = model(**{k: v for k, v in d.items() if k not in derived})
            derive(obj, rules)
            hit = derived_memo[key] = {f: getattr(obj, f) for f in derived}
        d.update(hit)
        if d.get("merged_with_id") == -1:
            d["merged_with_id"] = None
        r.obj = d
        pairs.add((r.unit_id, d[date_field].year))
        return d

    rows = [build(r) for r in p.creates]
    rows.sort(key=operator.itemgetter("unit_id", date_field))
    _insert_many(model, rows, returning=True)
    created_ids = sorted(d["id"] for d in rows)

    # Updates: the file's values over the current ones; only what changes is written.
    compare = _COMPARE[kind]
    derived = _DERIVED[kind]
    changed_objs, changed_fields, key_moves = [], set(), []
    updated_ids = []
    for r in p.updates:
        current = p.existing[r.match]
        values = {f: current[f] for f in (*compare, *derived)}
        values.update(r.values)
        values.pop(COUNTED, None)
        values["unit_id"] = r.unit_id
        if kind == "meeting" and sheet.has(MERGED):
            if id(r) in p.merged_pks:
                values["merged_with_id"] = p.merged_pks[id(r)]
            elif id(r) in p.merged_rows:
                target = p.merged_rows[id(r)]
                values["merged_with_id"] = target.match if target.match else -1
            else:
                values["merged_with_id"] = None
        obj = model(pk=r.match, **{k: v for k, v in values.items() if k not in derived})
        if kind == "inspection" and obj.ends_on < obj.starts_on and "ends_on" not in r.values:
            obj.ends_on = obj.starts_on  # the file moved the start past the kept end
        derive(obj, rules)
        if kind == "meeting" and obj.merged_with_id == -1:
            obj.merged_with_id = None  # set below, after the creates
        r.obj = obj
        diff = [f for f in (*compare, *derived) if getattr(obj, f) != current[f]]
        co_changed = r.co_units is not None and set(r.co_units) != p.existing_co.get(r.match, set())
        if diff:
            changed_objs.append(obj)
            changed_fields.update(diff)
            if "external_id" in diff or "number" in diff or "unit_id" in diff:
                key_moves.append(obj)
        if diff or co_changed:
            updated_ids.append(r.match)
            pairs.add((current["unit_id"], getattr(current[date_field], "year", 0)))
            pairs.add((obj.unit_id, getattr(obj, date_field).year))
    if changed_objs:
        # Keys that move between records of one file: free them first, so the unique
        # constraints never see two holders between statements.
        blank = [f for f in ("external_id", "number") if f in changed_fields]
        if key_moves and blank:
            for chunk in _chunks([o.pk for o in key_moves]):
                model.objects.filter(pk__in=chunk).update(**dict.fromkeys(blank, ""))
        for o in changed_objs:
            o.updated_at = now
        _update_many(model, changed_objs, sorted(changed_fields | {"updated_at"}))

    # Meetings merged into meetings this file created.
    if kind == "meeting" and p.merged_rows:
        late = [
            Meeting(pk=_record_pk(r), merged_with_id=_record_pk(target))
            for r in [*p.creates, *p.updates]
            if (target := p.merged_rows.get(id(r))) is not None and target.match is None
        ]
        _update_many(model, late, ["merged_with_id"])

    # Co-issuers or targets: the file's list replaces the record's.
    if sheet.has(CO_UNITS) and kind != "meeting":
        through, src = _through(kind)
        replace = [
            r
            for r in p.updates
            if r.co_units is not None and set(r.co_units) != p.existing_co.get(r.match, set())
        ]
        for chunk in _chunks([r.match for r in replace]):
            through.objects.filter(**{f"{src}__in": chunk}).delete()
        links = [
            {src: _record_pk(r), "unit_id": u}
            for r in [*p.creates, *replace]
            for u in (r.co_units or ())
        ]
        _insert_many(through, links)
    return Outcome(created_ids, sorted(updated_ids), pairs)


def _record_pk(r: Row) -> int:
    """The id of the record a row wrote: the one it updated, or the one it created."""
    return r.match if r.match is not None else r.obj["id"]


def _insert_many(model, rows: list[dict], *, returning: bool = False) -> None:
    """INSERT many rows given as {attname: value} without the ORM's per-value compilation (three
    quarters of the import's time in bulk_create). The columns that need a database form (dates,
    times, JSON) go through the field's own get_db_prep_save, once per distinct value; the rest
    is moved column-wise in C (itemgetter, zip). Multi-row INSERTs; returning=True puts each
    new id into its dict under the pk's attname, in order (RETURNING, as bulk_create relies on)."""
    if not rows:
        return
    meta, qn = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values_of = operator.itemgetter(*[f.attname for f in fields])
    columns_data = list(zip(*map(values_of, rows), strict=True))
    for i, f in enumerate(fields):
        if f.get_internal_type() in ("DateField", "TimeField", "DateTimeField", "JSONField"):
            columns_data[i] = list(map(_db_form(f), columns_data[i]))
    values = list(zip(*columns_data, strict=True))
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    columns = ", ".join(qn(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy_in(table, columns, values)
        if returning:
            # COPY takes each row's id from the sequence in row order; the rows of this import
            # are the ones naming its ImportRecord.
            record_id = rows[0]["import_record_id"]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk} FROM {table} WHERE import_record_id = %s ORDER BY {pk}",  # noqa: S608
                    [record_id],
                )
                ids = [r[0] for r in cursor.fetchall()]
            for row, pk_value in zip(rows, ids, strict=True):
                row[meta.pk.attname] = pk_value
        return
    sqlite = connection.vendor == "sqlite"
    mark = "?" if sqlite else "%s"  # SQLite: qmarks straight to the driver, no rewriting
    one = "(" + ", ".join([mark] * len(fields)) + ")"
    per_statement = BATCH
    if sqlite:
        per_statement = min(BATCH, _sqlite_max_params() // len(fields))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for at in range(0, len(values), per_statement):
            chunk = values[at : at + per_statement]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608
            if returning:
                sql += f" RETURNING {pk}"  # in VALUES order, as Django's bulk_create relies on
            params = list(itertools.chain.from_iterable(chunk))
            if sqlite:
                with connection.wrap_database_errors:
                    sqlite3.Cursor.execute(cursor.cursor, sql, params)
            else:
                cursor.execute(sql, params)
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    if returning:
        attname = meta.pk.attname
        for row, pk_value in zip(rows, ids, strict=True):
            row[attname] = pk_value


def _copy_in(table: str, columns: str, values: list[tuple]) -> None:
    """PostgreSQL's COPY … FROM STDIN: ten times faster than multi-row INSERTs, whose tens of
    thousands of parameters psycopg binds one by one."""
    sql = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 — model names only
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write = copy.write_row
        for row in values:
            write(row)


def _db_form(field):
    """value -> the field's database form, remembered per value (lists by their items)."""
    memo: dict = {}

    def convert(value):
        key = tuple(value) if type(value) is list else value
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = field.get_db_prep_save(value, connection)
            return found

    return convert


def _sqlite_max_params() -> int:
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return 999


def _update_many(model, objs: list, fields: list[str]) -> None:
    """Set `fields` of many rows by primary key, fast: PostgreSQL UPDATE … FROM (VALUES …),
    SQLite executemany (bulk_update's CASE expressions are slow for thousands of rows)."""
    if not objs:
        return
    meta, qn = model._meta, connection.ops.quote_name
    model_fields = [meta.get_field(f) for f in fields]
    params = [
        [obj.pk] + [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields]
        for obj in objs
    ]
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [meta.pk, *model_fields]
            row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
            names = ", ".join(qn(f.column) for f in columns)
            sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in model_fields)
            for chunk in _chunks(params, 1000):
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))})"  # noqa: S608
                    f" AS v({names}) WHERE {table}.{pk} = v.{pk}"
                )
                cursor.execute(sql, [value for values in chunk for value in values])
        else:
            sets = ", ".join(f"{qn(f.column)} = %s" for f in model_fields)
            sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 — model names only
            for chunk in _chunks(params, BATCH):
                cursor.executemany(sql, [[*values[1:], values[0]] for values in chunk])


def _race() -> ImportFailed:
    return ImportFailed(
        [
            SheetError(
                None,
                None,
                _("导入时数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。"),
            )
        ]
    )


def import_records(
    kind: str, *, by, filename: str, data: bytes, unit: Unit | None = None
) -> ImportRecord:
    """Import a documents, meetings or inspections sheet (.xlsx, .xls or CSV); all or nothing.

    `unit`: the unit a contact imports for (the unit column may then be left out). Raises
    ImportFailed with every problem found, PermissionDenied without registry.record:edit, or
    DomainError when `unit` lies outside the importer's scope."""
    if kind not in MODELS:
        raise ValueError(f"unknown registry kind: {kind}")
    scope.require(by, "registry.record:edit")
    if unit is not None:
        services._require_unit(by, unit)
    with _gc_paused():
        return _import_records(kind, by=by, filename=filename, data=data, unit=unit)


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off while a file is imported: the import makes millions of
    small objects that live until it ends, and collecting them over and over took a third of the
    time. Nothing of the import forms cycles that must go before it ends; it is switched back on
    (and runs) afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _import_records(kind: str, *, by, filename: str, data: bytes, unit) -> ImportRecord:
    rows = excel.read_rows(filename, data)
    units = UnitIndex(by)
    sheet = parse(kind, rows, units, default_unit=unit.pk if unit is not None else None)
    digest = hashlib.sha256(data).hexdigest()
    written: Path | None = None
    try:
        with transaction.atomic():
            p = plan(kind, sheet, units)
            stored_as, written = excel.store_upload(filename, data, digest)
            now = clock.now()
            record = ImportRecord.objects.create(
                kind=f"registry.{kind}",
                unit_id=unit.pk if unit is not None else scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=digest,
                rows=len(sheet.rows),
                by=by if isinstance(by, User) else None,
            )
            out = _write(kind, sheet, p, record, by, now)
            record.created, record.updated = len(out.created_ids), len(out.updated_ids)
            record.save(update_fields=["created", "updated"])
            unit_ids = {u for u, _y in out.pairs}
            if out.pairs:
                rollup.refresh(
                    services.CATEGORY_OF[MODELS[kind]], unit_ids, {y for _u, y in out.pairs}
                )
            events.data_changed("registry", unit_ids=sorted(unit_ids), import_id=record.pk)
            audit.record(
                "jianfu.registry.imported",
                actor=by,
                object_type="core.importrecord",
                object_id=record.pk,
                extra={
                    "kind": kind,
                    "sha256": digest,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(sheet.rows),
                    "created": len(out.created_ids),
                    "created_ids": out.created_ids,
                    "updated_ids": out.updated_ids,
                },
            )
    except IntegrityError as e:
        if written is not None:
            written.unlink(missing_ok=True)
        raise _race() from e
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return record


# --- Export -------------------------------------------------------------------------------------


def _unit_labels(unit_ids) -> dict[int, str]:
    """{pk: name}, or the code where another unit has the same name (so a re-import finds it)."""
    info: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(set(unit_ids))):
        info.update(
            (pk, (code, name))
            for pk, code, name in Unit.objects.filter(pk__in=chunk).values_list(
                "pk", "code", "name"
            )
        )
    names = sorted({n for _c, n in info.values()})
    shared: set[str] = set()
    for chunk in _chunks(names):
        shared.update(
            Unit.objects.filter(name__in=chunk)
            .order_by()
            .values("name")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
    return {pk: (code if name in shared else name) for pk, (code, name) in info.items()}


def export_rows(kind: str, queryset) -> tuple[list[str], list[list]]:
    """(headers, rows) of the records in `queryset` (already scoped by the caller), in the
    template's columns plus 系统编号 and the derived 计入指标."""
    cols = [c for c in COLUMNS[kind] if c.in_export]
    ch = _Choices()
    fields = [c.key for c in cols if c.key not in _PSEUDO] + ["unit_id", "counted"]
    if kind == "meeting":
        fields.append("merged_with_id")
    records = list(queryset.order_by(DATE_FIELD[kind], "pk").values("pk", *fields))
    co: dict[int, list[int]] = defaultdict(list)
    if kind != "meeting":
        through, src = _through(kind)
        for pk, unit_id in (
            through.objects.filter(**{f"{src}__in": queryset.order_by().values("pk")})
            .order_by("pk")
            .values_list(src, "unit_id")
        ):
            co[pk].append(unit_id)
    labels = _unit_labels({r["unit_id"] for r in records} | {u for us in co.values() for u in us})
    merged_to: dict[int, tuple[int, str]] = {}  # pk -> (unit, external id)
    if kind == "meeting":
        targets = {r["merged_with_id"] for r in records if r["merged_with_id"]}
        for chunk in _chunks(sorted(targets)):
            for pk, unit_id, ext in Meeting.objects.filter(pk__in=chunk).values_list(
                "pk", "unit_id", "external_id"
            ):
                merged_to[pk] = (unit_id, ext)

    def merged_ref(r) -> str:
        """合并到 as the import reads it: the target's 外部编号 when it is the same unit's, else
        its 系统编号."""
        target = r["merged_with_id"]
        if not target:
            return ""
        unit_id, ext = merged_to.get(target, (None, ""))
        return ext if ext and unit_id == r["unit_id"] else str(target)

    choice_of = {
        ("document", "kind"): ch.document_kind,
        ("meeting", "level"): ch.meeting_level,
        ("meeting", "form"): ch.meeting_form,
        ("inspection", "kind"): ch.inspection_kind,
        ("inspection", "method"): ch.inspection_method,
    }
    yes, no = parsing.yes_no(True), parsing.yes_no(False)
    out = []
    for r in records:
        row = []
        for c in cols:
            k = c.key
            if k == PK:
                row.append(r["pk"])
            elif k == UNIT:
                row.append(labels.get(r["unit_id"], ""))
            elif k == CO_UNITS:
                row.append("、".join(labels.get(u, "") for u in co.get(r["pk"], ())))
            elif k == MERGED:
                row.append(merged_ref(r))
            elif k == COUNTED:
                row.append(yes if r["counted"] else no)
            elif k in ("addressed_levels", "attend_levels"):
                row.append(parsing.join_labels(r[k] or [], ch.levels))
            elif (kind, k) in choice_of:
                row.append(choice_of[(kind, k)].labels.get(r[k], r[k]))
            elif isinstance(r[k], bool):
                row.append(yes if r[k] else no)
            elif k in ("starts_at", "ends_at") and r[k] is not None:
                row.append(r[k].strftime("%H:%M") if r[k].second == 0 else r[k].isoformat())
            else:
                row.append(r[k])
        out.append(row)
    return [c.header for c in cols], out


def export_records(kind: str, queryset, *, by=None) -> bytes:
    """The records of `queryset` (the caller scopes it) as .xlsx in the template's columns; the
    file re-imports into the same records. Audited once, with the count."""
    if kind not in MODELS:
        raise ValueError(f"unknown registry kind: {kind}")
    headers, rows = export_rows(kind, queryset)
    data = excel.write_workbook([(str(SHEET_TITLE[kind]), headers, rows)], widths=_widths(kind))
    with transaction.atomic():
        audit.record(
            "jianfu.registry.exported",
            actor=by,
            object_type=f"registry.{kind}",
            extra={
                "kind": kind,
                "rows": len(rows),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return data


def _widths(kind: str, *, template: bool = False) -> dict[tuple[int, str], int]:
    from openpyxl.utils import get_column_letter

    wide = {"title": 40, UNIT: 20, CO_UNITS: 24, "number": 22, "addressed_levels": 24}
    wide |= {"attend_levels": 24, "kind": 14, "form": 18}
    cols = [c for c in COLUMNS[kind] if (c.in_template if template else c.in_export)]
    return {
        (0, get_column_letter(i)): wide.get(c.key, max(10, len(c.header) * 2 + 4))
        for i, c in enumerate(cols, start=1)
    }


# --- Template -----------------------------------------------------------------------------------

_LEVEL_COMBOS = (
    (Level.TOWNSHIP, Level.VILLAGE),
    (Level.COUNTY, Level.TOWNSHIP),
    (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
)


def _examples(kind: str) -> list[dict]:
    year = clock.today().year
    if kind == "document":
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
    if kind == "meeting":
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


def _choice_columns(kind: str, ch: _Choices) -> dict[str, Choices]:
    return {
        "document": {"kind": ch.document_kind},
        "meeting": {"level": ch.meeting_level, "form": ch.meeting_form},
        "inspection": {"kind": ch.inspection_kind, "method": ch.inspection_method},
    }[kind]


def _counting_notes() -> list[list[str]]:
    rules = counting.Rules.current()
    yes, no = parsing.yes_no(True), parsing.yes_no(False)
    notes = [[_("计数规则"), "", _("是否计入指标由系统按下列规则判定，不需要、也不能在表中填写：")]]
    for rule in counting.FIXED_RULES:
        notes.append(["", _("固定规则"), str(rule)])
    from jianfu.core import runtime

    for key in counting.KEYS:
        d = runtime.DEFINITIONS[key]
        value = getattr(rules, key.split(".", 1)[1])
        notes.append(["", _("市委办设定"), f"{d.label}：{yes if value else no}。{d.help}"])
    return notes


def template(kind: str) -> bytes:
    """The import template: a header row, two example rows, drop-downs for every choice column,
    and a sheet "说明" explaining each column and the counting rules in force."""
    if kind not in MODELS:
        raise ValueError(f"unknown registry kind: {kind}")
    from openpyxl.utils import get_column_letter

    ch = _Choices()
    cols = [c for c in COLUMNS[kind] if c.in_template]
    choice_cols = _choice_columns(kind, ch)
    yes, no = parsing.yes_no(True), parsing.yes_no(False)
    level_options = [
        *ch.levels.labels.values(),
        *(parsing.join_labels(combo, ch.levels) for combo in _LEVEL_COMBOS),
    ]
    dropdowns: dict[tuple[int, str], list[str] | Dropdown] = {}
    for i, c in enumerate(cols, start=1):
        letter = get_column_letter(i)
        if c.key in choice_cols:
            dropdowns[(0, letter)] = list(choice_cols[c.key].labels.values())
        elif c.key in ("addressed_levels", "attend_levels"):
            dropdowns[(0, letter)] = Dropdown(level_options)
        elif c.key in ("assigns_work", "in_plan"):
            dropdowns[(0, letter)] = [yes, no]
    rows = []
    for example in _examples(kind):
        row = []
        for c in cols:
            v = example.get(c.key, "")
            if c.key in choice_cols and v:
                v = choice_cols[c.key].labels[v]
            elif c.key in ("addressed_levels", "attend_levels"):
                v = parsing.join_labels(v or [], ch.levels)
            elif isinstance(v, bool):
                v = yes if v else no
            elif isinstance(v, dt.time):
                v = v.strftime("%H:%M")
            row.append(v)
        rows.append(row)
    notes = []
    for c in COLUMNS[kind]:
        if c.key in choice_cols:
            text = _("必填。从下拉列表选择：%(ok)s。") % {"ok": choice_cols[c.key].accepted()}
        elif c.key in ("addressed_levels", "attend_levels"):
            text = _(
                "选填。可多选，之间用顿号“、”分隔，如“乡镇（街道）、村（社区）”；也可写简称："
                "县、部门、乡镇、街道、村、社区。可选：%(ok)s。"
            ) % {"ok": ch.levels.accepted()}
            if c.key == "addressed_levels":
                text += _("发至乡镇、村、学校或企业的，视为发至基层。")
            else:
                text += _("要求乡镇、村、学校或企业参会的，视为要求基层参会。")
        else:
            text = str(c.note)
        required = _("必填") if c.required else _("选填")
        if not c.in_template:
            required = _("导出时附带") if c.in_export else _("选填")
        notes.append([c.header, required, text])
    notes += [
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "第一行是表头，列的顺序不限，选填的列可以删除；空行会跳过。导入时先检查整个文件，"
                "只要有一处错误，就一条也不保存，并列出每处错误所在的行和列；改正后重新导入即可。"
                "同一文件重复导入不会重复登记。支持 .xlsx、.xls 和 CSV（UTF-8 或 GBK 编码）。"
                "导入前请删除上面两行示例。"
            ),
        ],
        ["", "", ""],
        *_counting_notes(),
    ]
    widths = _widths(kind, template=True) | {(1, "A"): 20, (1, "B"): 14, (1, "C"): 110}
    return excel.write_workbook(
        [
            (str(SHEET_TITLE[kind]), [c.header for c in cols], rows),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns=dropdowns,
        widths=widths,
    )


# --- Quotas -------------------------------------------------------------------------------------

QUOTA_COLUMNS = (
    Col(
        UNIT,
        "单位",
        ("单位名称", "单位代码", "被考核单位"),
        True,
        note=gettext_lazy("必填。单位全称或单位代码，须在您管理的范围内。"),
    ),
    Col(
        "year",
        "年度",
        ("年份", "指标年度"),
        True,
        note=gettext_lazy("必填，如 2025 或 2025年。"),
    ),
    Col("category", "类别", ("指标类别", "类型"), True),
    Col(
        "limit",
        "指标",
        ("硬性指标", "指标数", "上限", "数量"),
        True,
        note=gettext_lazy("必填，不小于 0 的整数：该单位该年度该类别最多可以有多少件（次）。"),
    ),
)


def import_quotas(*, by, filename: str, data: bytes) -> ImportRecord:
    """Import quotas (单位, 年度, 类别, 指标); all or nothing; an existing quota for the same unit,
    year and category is replaced. Requires registry.quota:set."""
    scope.require(by, "registry.quota:set")
    rows = excel.read_rows(filename, data)
    units = UnitIndex(by)
    h, found, headers = read_header(rows, QUOTA_COLUMNS)
    ch = _Choices()
    parsers = {
        UNIT: units.resolve,
        "year": parsing.parse_year,
        "category": ch.category,
        "limit": lambda v: parsing.parse_int(v, minimum=0, maximum=2_147_483_647),
    }
    errors: list[SheetError] = []
    line0 = h + 1
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for offset, raw in enumerate(rows[h + 1 :]):
        if not any(parsing.normalise_text(c) for c in raw):
            continue
        line = line0 + 1 + offset
        values, ok = {}, True
        for key, index in found.items():
            try:
                values[key] = parsers[key](raw[index] if index < len(raw) else None)
            except ParseError as e:
                errors.append(SheetError(line, headers[key], e.message))
                ok = False
                continue
            if values[key] is None:
                errors.append(SheetError(line, headers[key], _("必填，不能为空。")))
                ok = False
        if ok:
            k = (values[UNIT], values["year"], values["category"])
            if k in seen:
                errors.append(
                    SheetError(
                        line,
                        headers[UNIT],
                        _("第 %(a)s 行和第 %(b)s 行是同一单位、同一年度、同一类别的指标。")
                        % {"a": seen[k], "b": line},
                    )
                )
            else:
                seen[k] = line
                parsed.append((line, values))
    if not parsed and not errors:
        raise ImportFailed([SheetError(line0, None, _("表头下面没有任何数据行。"))])
    if errors:
        order = {headers[k]: i for k, i in found.items()}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", -1)))
        raise ImportFailed(errors)
    digest = hashlib.sha256(data).hexdigest()
    written: Path | None = None
    user = by if isinstance(by, User) else None
    try:
        with transaction.atomic():
            existing: dict[tuple, Quota] = {}
            unit_ids = sorted({v[UNIT] for _l, v in parsed})
            years = sorted({v["year"] for _l, v in parsed})
            for chunk in _chunks(unit_ids):
                for q in Quota.objects.filter(unit_id__in=chunk, year__in=years):
                    existing[(q.unit_id, q.year, q.category)] = q
            stored_as, written = excel.store_upload(filename, data, digest)
            creates, updates, changes = [], [], {}
            for _line, v in parsed:
                k = (v[UNIT], v["year"], v["category"])
                q = existing.get(k)
                if q is None:
                    creates.append(
                        Quota(unit_id=k[0], year=k[1], category=k[2], limit=v["limit"], set_by=user)
                    )
                    changes[f"{k[0]}:{k[1]}:{k[2]}"] = [None, v["limit"]]
                elif q.limit != v["limit"]:
                    changes[f"{k[0]}:{k[1]}:{k[2]}"] = [q.limit, v["limit"]]
                    q.limit, q.set_by = v["limit"], user
                    updates.append(q)
            Quota.objects.bulk_create(creates, batch_size=BATCH)
            Quota.objects.bulk_update(updates, ["limit", "set_by", "updated_at"], batch_size=500)
            if creates and creates[0].pk is None:
                for q in Quota.objects.filter(
                    unit_id__in=[q.unit_id for q in creates], year__in=years
                ):
                    for c in creates:
                        if (c.unit_id, c.year, c.category) == (q.unit_id, q.year, q.category):
                            c.pk = q.pk
            record = ImportRecord.objects.create(
                kind="registry.quota",
                unit_id=scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=digest,
                rows=len(parsed),
                created=len(creates),
                updated=len(updates),
                by=user,
            )
            events.data_changed(
                "registry",
                unit_ids=[q.unit_id for q in [*creates, *updates]],
                import_id=record.pk,
            )
            audit.record(
                "jianfu.registry.quota.imported",
                actor=by,
                object_type="core.importrecord",
                object_id=record.pk,
                changes=changes,
                extra={
                    "sha256": digest,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(parsed),
                    "created_ids": sorted(q.pk for q in creates),
                    "updated_ids": sorted(q.pk for q in updates),
                },
            )
    except IntegrityError as e:
        if written is not None:
            written.unlink(missing_ok=True)
        raise _race() from e
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return record


def quota_template() -> bytes:
    ch = _Choices()
    year = clock.today().year + 1
    labels = list(ch.category.labels.values())
    rows = [
        ["甲县", year, ch.category.labels[Category.DOCUMENT], 120],
        ["市教育局", year, ch.category.labels[Category.MEETING], 24],
    ]
    notes = [
        [
            c.header,
            _("必填"),
            str(c.note)
            if c.key != "category"
            else _("必填。从下拉列表选择：%(ok)s。") % {"ok": ch.category.accepted()},
        ]
        for c in QUOTA_COLUMNS
    ]
    notes += [
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "每行一个单位、一个年度、一个类别的指标；已设定过的再次导入时改为新值。"
                "导入时先检查整个文件，只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"
                "导入前请删除上面两行示例。"
            ),
        ],
        ["", "", ""],
        *_counting_notes(),
    ]
    return excel.write_workbook(
        [
            (str(_("硬性指标")), [c.header for c in QUOTA_COLUMNS], rows),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns={(0, "C"): labels},
        widths={
            (0, "A"): 24,
            (0, "B"): 10,
            (0, "C"): 16,
            (0, "D"): 10,
            (1, "A"): 16,
            (1, "B"): 14,
            (1, "C"): 110,
        },
    )
