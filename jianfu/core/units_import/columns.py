"""The units sheet's columns, and the unit kinds as people write them."""

from __future__ import annotations

import re
import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _

from ..models import UnitKind
from ..sheet_columns import NOTE, Column

CODE, NAME, SHORT, KIND, PARENT, UNTIL, SUCCESSOR = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "valid_until",
    "successor",
)
# The headers as written in exports and templates. They are data (what files carry), not
# interface text: the same in every language, so a file exported in English re-imports.
COLUMNS = (
    Column(CODE, "单位代码", ("代码", "单位编码", "编码", "unitcode", "code"), required=True),
    Column(NAME, "名称", ("单位名称", "unitname", "name"), required=True),
    Column(SHORT, "简称", ("单位简称", "shortname")),
    Column(KIND, "类型", ("单位类型", "类别", "单位类别", "kind", "type"), required=True),
    Column(
        PARENT,
        "上级单位代码",
        ("上级代码", "上级单位编码", "上级编码", "parentcode", "parent"),
        required=True,
    ),
    Column(UNTIL, "撤销日期", ("撤销时间", "validuntil", "closed"), in_template=False),
    Column(
        SUCCESSOR,
        "承继单位代码",
        ("承继单位", "承接单位代码", "successorcode", "successor"),
        in_template=False,
    ),
)
HEADERS: dict[str, str] = {c.key: c.header for c in COLUMNS}
REQUIRED_COLUMNS = tuple(c.key for c in COLUMNS if c.required)
TEMPLATE_COLUMNS = tuple(c.key for c in COLUMNS if c.in_template)
EXPORT_COLUMNS = tuple(c.key for c in COLUMNS if c.in_export)


def _header_key(text: str) -> str:
    """A header's key. Unlike sheet_columns.header_key, brackets count: no header here has any,
    and a header in brackets is not taken for one without."""
    text = NOTE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*_\-]", "", text).lower()


# header key -> column key (the importer matches through sheet_columns.read_header)
HEADER_KEYS: dict[str, str] = {
    _header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)
}


# --- Kinds --------------------------------------------------------------------------------------


def kind_labels() -> dict[str, str]:
    """{value: Chinese label} — what exports write and the template's drop-down offers."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in UnitKind.choices}


# Short forms people write. "市" is the city (a county-level city is a 县（市、区）: write 县级市).
_KIND_SHORT = {
    "省": UnitKind.PROVINCE,
    "市": UnitKind.CITY,
    "地级市": UnitKind.CITY,
    "县": UnitKind.COUNTY,
    "区": UnitKind.COUNTY,
    "县级市": UnitKind.COUNTY,
    "县市区": UnitKind.COUNTY,
    "县区": UnitKind.COUNTY,
    "部门": UnitKind.DEPARTMENT,
    "市直部门": UnitKind.DEPARTMENT,
    "市直单位": UnitKind.DEPARTMENT,
    "县直部门": UnitKind.COUNTY_DEPARTMENT,
    "县直单位": UnitKind.COUNTY_DEPARTMENT,
    "乡镇": UnitKind.TOWNSHIP,
    "乡": UnitKind.TOWNSHIP,
    "镇": UnitKind.TOWNSHIP,
    "街道": UnitKind.TOWNSHIP,
    "乡镇街道": UnitKind.TOWNSHIP,
    "村": UnitKind.VILLAGE,
    "社区": UnitKind.VILLAGE,
    "村社区": UnitKind.VILLAGE,
    "村居": UnitKind.VILLAGE,
    "学校": UnitKind.SCHOOL,
    "企业": UnitKind.ENTERPRISE,
}


def _kind_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s()、,，/_\-]", "", text).lower()


def _kind_map() -> dict[str, str]:
    found = {_kind_key(k): str(v) for k, v in _KIND_SHORT.items()}
    for value, label in kind_labels().items():
        found[_kind_key(label)] = value
    for value, label in UnitKind.choices:  # the English values, and labels in the current language
        found[_kind_key(value)] = value
        found[_kind_key(str(label))] = value
    return found


def kinds_accepted() -> str:
    labels = "、".join(kind_labels().values())
    return _("可填写：%(labels)s；也可写简称（县、区、乡镇、街道、村、社区、部门等）。") % {
        "labels": labels
    }
