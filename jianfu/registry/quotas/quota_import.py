"""Quotas (硬性指标) by spreadsheet: the import (单位, 年度, 类别, 指标) as a spec on the import
runner (core.imports), and the blank template.

A row sets the quota of one unit, year and category; one already set is replaced by the file's
value, which the runner previews (old → new) and has confirmed first, its old value kept in the
batch's audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import clock, excel, parsing
from jianfu.core.bulk import BATCH, chunks
from jianfu.core.imports import Row, Sheet, Spec, Updates, Written
from jianfu.core.models import User

from .. import rollup
from ..models import Category, Quota
from ..records.importers.columns import UNIT, ChoiceParsers, Col
from ..records.importers.workbooks import counting_notes

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


def _parsers(units) -> dict:
    """key -> function(cell) -> value (the unit column is the runner's)."""
    return {
        "year": parsing.parse_year,
        "category": ChoiceParsers().category,
        "limit": lambda v: parsing.parse_int(v, minimum=0, maximum=1_000_000),
    }


def _key(r: Row) -> tuple:
    return r.unit_id, r.values["year"], r.values["category"]


def _change_key(k: tuple) -> str:
    return f"{k[0]}:{k[1]}:{k[2]}"


@dataclass
class Plan:
    rows: list[Row]  # the rows, in the file's order
    existing: dict[tuple, Quota]  # (unit, year, category) -> the quota set before


def _plan(sheet: Sheet, units) -> Plan:
    """One quota per unit, year and category in the file; the quotas set before, read."""
    seen: dict[tuple, int] = {}
    for r in sheet.rows:
        if not r.ok:
            continue
        k = _key(r)
        if k in seen:
            sheet.error(
                r,
                UNIT,
                _("第 %(a)s 行和第 %(b)s 行是同一单位、同一年度、同一类别的指标。")
                % {"a": seen[k], "b": r.line},
            )
        else:
            seen[k] = r.line
    if sheet.errors:
        sheet.fail()
    existing: dict[tuple, Quota] = {}
    unit_ids = sorted({r.unit_id for r in sheet.rows})
    years = sorted({r.values["year"] for r in sheet.rows})
    for chunk in chunks(unit_ids):
        for q in Quota.objects.filter(unit_id__in=chunk, year__in=years):
            existing[(q.unit_id, q.year, q.category)] = q
    for r in sheet.rows:
        q = existing.get(_key(r))
        r.match = q.pk if q is not None else None
    return Plan(sheet.rows, existing)


class QuotaUpdates(Updates):
    """A change is (row, the quota set before, its limit, the file's)."""

    def of(self, sheet, p: Plan) -> list:
        out = []
        for r in p.rows:
            q = p.existing.get(_key(r))
            if q is not None:
                out.append((r, q, q.limit, r.values["limit"]))
        return out

    def changed(self, change) -> bool:
        return change[2] != change[3]

    def describe(self, sheet, p, changes, units) -> list[dict]:
        labels = ChoiceParsers().category.labels
        shown = []
        for r, q, old, new in changes:
            name = units.info[q.unit_id][1] if q.unit_id in units.info else str(q.unit_id)
            shown.append(
                {
                    "line": r.line,
                    "pk": q.pk,
                    "title": f"{name} {q.year} {labels.get(q.category, q.category)}",
                    "fields": [[_("指标"), str(old), str(new)]],
                }
            )
        return shown

    def state(self, p: Plan, changes) -> dict:
        return self.old_values(p, changes)

    def old_values(self, p: Plan, changes) -> dict:
        """{"unit:year:category": [old, new]} for every quota set or changed (old None: new)."""
        # From `changes`, which keep the old limits: the write has replaced them by then.
        of_row = {id(c[0]): c for c in changes}
        out = {}
        for r in p.rows:
            c = of_row.get(id(r))
            if c is None:
                out[_change_key(_key(r))] = [None, r.values["limit"]]
            elif c[2] != c[3]:
                out[_change_key(_key(r))] = [c[2], c[3]]
        return out


def _write(sheet, p: Plan, changes, record, by, now) -> Written:
    user = by if isinstance(by, User) else None
    creates = [
        Quota(unit_id=k[0], year=k[1], category=k[2], limit=r.values["limit"], set_by=user)
        for r in p.rows
        if (k := _key(r)) not in p.existing
    ]
    updates = []
    for _r, q, old, new in changes:
        if old != new:
            q.limit, q.set_by = new, user
            updates.append(q)
    Quota.objects.bulk_create(creates, batch_size=BATCH)
    Quota.objects.bulk_update(updates, ["limit", "set_by", "updated_at"], batch_size=500)
    rollup.refresh_quotas((q.unit_id, q.year, q.category) for q in [*creates, *updates])
    if creates and creates[0].pk is None:
        years = sorted({q.year for q in creates})
        for q in Quota.objects.filter(unit_id__in=[q.unit_id for q in creates], year__in=years):
            for c in creates:
                if (c.unit_id, c.year, c.category) == (q.unit_id, q.year, q.category):
                    c.pk = q.pk
    return Written(
        sorted(q.pk for q in creates),
        sorted(q.pk for q in updates),
        {q.unit_id for q in [*creates, *updates]},
    )


def quota_template() -> bytes:
    ch = ChoiceParsers()
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
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
        ["", "", ""],
        *counting_notes(),
    ]
    return excel.write_workbook(
        [
            (str(_("硬性指标")), [c.header for c in QUOTA_COLUMNS], excel.mark_examples(rows)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns={(0, "C"): labels},
        examples={0: len(rows)},
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


# --- The spec -------------------------------------------------------------------------------------


def _done(record) -> str:
    return _("指标导入完成。") + excel.skipped_examples(record.examples)


def _pages(job) -> dict:
    return {
        "title": _("导入硬性指标"),
        "back_url": reverse("quota_settings"),
        "back_title": _("硬性指标"),
        "import_url": reverse("quota_import"),
    }


def _page(request) -> dict:
    return {
        "title": _("导入硬性指标"),
        "back_url": reverse("quota_settings"),
        "back_title": _("硬性指标"),
        "template_url": reverse("quota_template"),
        "notes": [
            _("请下载导入模板填写，第一行为列名，不要改动列名。"),
            _("单位填写单位代码或名称，须在您的范围内。"),
            _(
                "已有的指标将被文件中的数值替换：保存前先列出每处修改（原值 → 新值），"
                "确认后才保存；原值记入审计日志。"
            ),
        ],
    }


SPEC = Spec(
    kind="registry.quota",
    columns=QUOTA_COLUMNS,
    parsers=_parsers,
    check=_plan,
    write=_write,
    permission="registry.quota:set",
    audit_action="jianfu.registry.quota.imported",
    event="registry",
    unit_column=True,
    updates=QuotaUpdates(),
    steps=(
        gettext_lazy("检查每一行"),
        None,
        gettext_lazy("与已设定的指标核对"),
        gettext_lazy("与已设定的指标核对并保存"),
    ),
    page=_page,
    pages=_pages,
    done=_done,
    preview_first=True,
)
