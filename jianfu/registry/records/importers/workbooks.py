"""The workbooks the registry hands out: exports of records (which re-import into the same
records) and the blank import templates, with drop-downs and a "说明" sheet."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.db import models, transaction
from django.utils.translation import gettext as _

from jianfu.core import audit, clock, excel, parsing
from jianfu.core.bulk import chunks
from jianfu.core.excel import Dropdown
from jianfu.core.imports.units import unit_labels

from ... import counting
from ...kinds import KINDS
from ...models import Level, Meeting
from .columns import (
    CO_UNITS,
    COLUMNS,
    COUNTED,
    DATE_FIELD,
    EXAMPLES,
    MERGED,
    MODELS,
    PK,
    PSEUDO,
    SHEET_TITLE,
    UNIT,
    ChoiceParsers,
    typed,
)

# --- Export -------------------------------------------------------------------------------------


def export_rows(kind: str, queryset) -> tuple[list[str], list[list]]:
    """(headers, rows) of the records in `queryset` (already scoped by the caller), in the
    template's columns plus 系统编号 and the derived 计入指标."""
    cols = [c for c in COLUMNS[kind] if c.in_export]
    ch = ChoiceParsers()
    fields = [c.key for c in cols if c.key not in PSEUDO] + ["unit_id", "counted"]
    if kind == "meeting":
        fields.append("merged_with_id")
    records = list(queryset.order_by(DATE_FIELD[kind], "pk").values("pk", *fields))
    co: dict[int, list[int]] = defaultdict(list)
    if KINDS[kind].co_field:
        through, src = KINDS[kind].co_through()
        for pk, unit_id in (
            through.objects.filter(**{f"{src}__in": queryset.order_by().values("pk")})
            .order_by("pk")
            .values_list(src, "unit_id")
        ):
            co[pk].append(unit_id)
    labels = unit_labels({r["unit_id"] for r in records} | {u for us in co.values() for u in us})
    merged_to: dict[int, tuple[int, str]] = {}  # pk -> (unit, external id)
    if kind == "meeting":
        targets = {r["merged_with_id"] for r in records if r["merged_with_id"]}
        for chunk in chunks(sorted(targets)):
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

    choice_of = ch.of(kind)
    levels = typed(kind, models.JSONField)
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
            elif k in levels:
                row.append(parsing.join_labels(r[k] or [], ch.levels))
            elif k in choice_of:
                row.append(choice_of[k].labels.get(r[k], r[k]))
            elif isinstance(r[k], bool):
                row.append(yes if r[k] else no)
            elif isinstance(r[k], dt.time):
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


def counting_notes() -> list[list[str]]:
    """The counting rules in force, as the templates' "说明" sheets list them."""
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
    """The import template: a header row, two example rows (marked: importers skip them),
    drop-downs for every choice column,
    and a sheet "说明" explaining each column and the counting rules in force."""
    if kind not in MODELS:
        raise ValueError(f"unknown registry kind: {kind}")
    from openpyxl.utils import get_column_letter

    ch = ChoiceParsers()
    cols = [c for c in COLUMNS[kind] if c.in_template]
    choice_cols = ch.of(kind)
    levels, yes_no = typed(kind, models.JSONField), typed(kind, models.BooleanField)
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
        elif c.key in levels:
            dropdowns[(0, letter)] = Dropdown(level_options)
        elif c.key in yes_no:
            dropdowns[(0, letter)] = [yes, no]
    rows = []
    for example in EXAMPLES[kind](clock.today().year):
        row = []
        for c in cols:
            v = example.get(c.key, "")
            if c.key in choice_cols and v:
                v = choice_cols[c.key].labels[v]
            elif c.key in levels:
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
        elif c.key in levels:
            text = _(
                "选填。可多选，之间用顿号“、”分隔，如“乡镇（街道）、村（社区）”；也可写简称："
                "县、部门、乡镇、街道、村、社区。可选：%(ok)s。"
            ) % {"ok": ch.levels.accepted()} + str(c.note)
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
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
        ["", "", ""],
        *counting_notes(),
    ]
    widths = _widths(kind, template=True) | {(1, "A"): 20, (1, "B"): 14, (1, "C"): 110}
    return excel.write_workbook(
        [
            (str(SHEET_TITLE[kind]), [c.header for c in cols], excel.mark_examples(rows)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns=dropdowns,
        widths=widths,
        examples={0: len(rows)},
    )
