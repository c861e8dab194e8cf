"""The workbooks of units: the export (which re-imports unchanged) and the blank template."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import audit, excel, scope
from ..models import Unit, UnitKind
from .checks import _codes_by_pk
from .columns import (
    CODE,
    EXPORT_COLUMNS,
    HEADERS,
    KIND,
    NAME,
    PARENT,
    SHORT,
    SUCCESSOR,
    TEMPLATE_COLUMNS,
    UNTIL,
    kind_labels,
)


def export_rows(principal) -> list[list]:
    units = scope.visible(Unit.objects.all(), principal, perm="core.unit:view", unit_field=None)
    values = list(
        units.order_by("path").values_list(
            "path", "code", "name", "short_name", "kind", "valid_until", "successor_id"
        )
    )
    step = Unit.steplen
    # Parent codes from the exported units themselves: the top unit's parent lies outside the
    # scope and is left empty (not revealed); on import an empty parent leaves a unit in place.
    code_at = {v[0]: v[1] for v in values}
    pk_code = _codes_by_pk({v[6] for v in values if v[6]})
    labels = kind_labels()
    return [
        [
            code,
            name,
            short_name,
            labels.get(kind, kind),
            code_at.get(path[:-step], ""),
            valid_until,
            pk_code.get(successor_id, "") if successor_id else "",
        ]
        for path, code, name, short_name, kind, valid_until, successor_id in values
    ]


def export_units(principal) -> bytes:
    """The units in the principal's scope as .xlsx (re-imports unchanged); audited."""
    rows = export_rows(principal)
    data = excel.write_workbook(
        [(pgettext("units list", "单位"), [HEADERS[c] for c in EXPORT_COLUMNS], rows)],
        widths={
            (0, "A"): 18,
            (0, "B"): 30,
            (0, "C"): 16,
            (0, "D"): 14,
            (0, "E"): 18,
            (0, "F"): 12,
            (0, "G"): 16,
        },
    )
    with transaction.atomic():
        audit.record(
            "jianfu.core.unit.exported",
            actor=principal,
            object_type="core.unit",
            extra={
                "rows": len(rows),
                "scope_unit": scope.scope_of(principal).unit_id,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return data


def units_template() -> bytes:
    """The import template: header, two example rows, a drop-down of kinds, and a sheet
    "说明" explaining each column."""
    labels = list(kind_labels().values())
    columns = [HEADERS[c] for c in TEMPLATE_COLUMNS]
    examples = [
        ["411702001", "示例街道办事处", "示例街道", kind_labels()[UnitKind.TOWNSHIP], "411702"],
        [
            "411702001001",
            "示例社区居民委员会",
            "示例社区",
            kind_labels()[UnitKind.VILLAGE],
            "411702001",
        ],
    ]
    notes = [
        [
            HEADERS[CODE],
            _("必填"),
            _(
                "单位的唯一代码（如统一社会信用代码或行政区划代码）。已有的代码会更新该单位，"
                "新的代码会新增单位。请把本列设为“文本”格式，以免开头的 0 或长代码被 Excel 改掉。"
            ),
        ],
        [HEADERS[NAME], _("必填"), _("单位全称，不超过 100 个字。")],
        [HEADERS[SHORT], _("选填"), _("单位简称，不超过 50 个字。")],
        [
            HEADERS[KIND],
            _("必填"),
            _("从下拉列表选择：")
            + "、".join(labels)
            + _("。也可写简称：县、区、乡镇、街道、村、社区、部门等。"),
        ],
        [
            HEADERS[PARENT],
            _("新单位必填"),
            _(
                "上级单位的代码：可以是系统中已有的、您管理范围内的单位，也可以是本表中的另一行"
                "（顺序不限）。已有单位填写了不同的上级时，会连同其下级单位一起调整到新的上级之下；"
                "已有单位不填则位置不变。"
            ),
        ],
        [
            HEADERS[UNTIL],
            _("选填"),
            _("导出文件中才有此列。单位撤销的日期（如 2025-01-31）；有此列时，留空表示单位仍在。"),
        ],
        [
            HEADERS[SUCCESSOR],
            _("选填"),
            _("导出文件中才有此列。单位撤销后由哪个单位承继（填代码），须同时填写撤销日期。"),
        ],
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "第一行是表头，列的顺序不限；空行会跳过。导入时先检查整个文件，只要有一处错误，"
                "就一条也不保存，并列出每处错误所在的行和列；改正后重新导入即可。"
                "支持 .xlsx、.xls 和 CSV（UTF-8 或 GBK 编码）。"
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
    ]
    return excel.write_workbook(
        [
            (pgettext("units list", "单位"), columns, excel.mark_examples(examples)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns={(0, "D"): labels},
        examples={0: len(examples)},
        widths={
            (0, "A"): 18,
            (0, "B"): 30,
            (0, "C"): 16,
            (0, "D"): 16,
            (0, "E"): 18,
            (1, "A"): 16,
            (1, "B"): 12,
            (1, "C"): 100,
        },
    )
