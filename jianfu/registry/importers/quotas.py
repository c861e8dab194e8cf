"""Quotas (硬性指标) by spreadsheet: import (单位, 年度, 类别, 指标) and the blank template."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, excel, parsing, scope
from jianfu.core.bulk import BATCH, chunks
from jianfu.core.excel import ImportFailed, SheetError
from jianfu.core.imports.sheet import read_header
from jianfu.core.imports.spec import MISSING
from jianfu.core.imports.units import UnitIndex
from jianfu.core.models import ImportRecord, User
from jianfu.core.parsing import ParseError

from ..models import Category, Quota
from .columns import UNIT, Col, _Choices
from .workbooks import _counting_notes

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


def _read(by, filename: str, data: bytes):
    """(rows as (line, values), example lines): every cell checked; ImportFailed otherwise."""
    scope.require(by, "registry.quota:set")
    rows = excel.read_rows(filename, data)
    units = UnitIndex(by)
    h, found, headers = read_header(rows, QUOTA_COLUMNS, missing=str(MISSING))
    ch = _Choices()
    parsers = {
        UNIT: units.resolve,
        "year": parsing.parse_year,
        "category": ch.category,
        "limit": lambda v: parsing.parse_int(v, minimum=0, maximum=1_000_000),
    }
    errors: list[SheetError] = []
    line0 = h + 1
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    examples: list[int] = []
    for offset, raw in enumerate(rows[h + 1 :]):
        if not any(parsing.normalise_text(c) for c in raw):
            continue
        line = line0 + 1 + offset
        if excel.is_example(raw):
            examples.append(line)
            continue
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
    if not parsed and not errors and examples:
        raise excel.only_examples(examples)
    if not parsed and not errors:
        raise ImportFailed([SheetError(line0, None, _("表头下面没有任何数据行。"))])
    if errors:
        order = {headers[k]: i for k, i in found.items()}
        errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", -1)))
        raise ImportFailed(errors)
    return parsed, examples, units


def _plan(parsed, user):
    """(creates, updates, unchanged, changes {"unit:year:category": [old, new]}, line of key)."""
    existing: dict[tuple, Quota] = {}
    unit_ids = sorted({v[UNIT] for _l, v in parsed})
    years = sorted({v["year"] for _l, v in parsed})
    for chunk in chunks(unit_ids):
        for q in Quota.objects.filter(unit_id__in=chunk, year__in=years):
            existing[(q.unit_id, q.year, q.category)] = q
    creates, updates, changes, unchanged = [], [], {}, 0
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
        else:
            unchanged += 1
    return creates, updates, unchanged, changes


def _fingerprint(changes: dict) -> str:
    return hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()


def preview_quotas(*, by, filename: str, data: bytes, progress=None) -> dict:
    """What importing the file would do: new quotas, changed ones (old → new), unchanged ones;
    nothing saved. ImportFailed as import_quotas."""
    tell = progress or (lambda step, label: None)
    tell(1, _("检查每一行"))
    parsed, examples, units = _read(by, filename, data)
    tell(3, _("与已设定的指标核对"))
    creates, updates, unchanged, changes = _plan(parsed, None)
    line_of = {(v[UNIT], v["year"], v["category"]): line for line, v in parsed}
    labels = _Choices().category.labels
    shown = []
    for q in updates[:200]:
        old, new = changes[f"{q.unit_id}:{q.year}:{q.category}"]
        name = units.info[q.unit_id][1] if q.unit_id in units.info else str(q.unit_id)
        shown.append(
            {
                "line": line_of[(q.unit_id, q.year, q.category)],
                "pk": q.pk,
                "title": f"{name} {q.year} {labels.get(q.category, q.category)}",
                "fields": [[_("指标"), str(old), str(new)]],
            }
        )
    return {
        "kind": "quota",
        "rows": len(parsed),
        "created": len(creates),
        "changed": len(updates),
        "unchanged": unchanged,
        "changes": shown,
        "examples": examples,
        "fingerprint": _fingerprint(changes),
    }


def import_quotas(
    *, by, filename: str, data: bytes, expect: str | None = None, progress=None
) -> ImportRecord:
    """Import quotas (单位, 年度, 类别, 指标); all or nothing; an existing quota for the same unit,
    year and category is replaced (its old value kept in the audit entry). `expect`: the
    fingerprint of the confirmed preview; refused when the file would now do anything else.
    Requires registry.quota:set."""
    tell = progress or (lambda step, label: None)
    tell(1, _("检查每一行"))
    parsed, examples, _units = _read(by, filename, data)
    user = by if isinstance(by, User) else None
    tell(3, _("与已设定的指标核对并保存"))
    try:
        with excel.kept_upload(filename, data) as upload, transaction.atomic():
            creates, updates, _unchanged, changes = _plan(parsed, user)
            if expect is not None and _fingerprint(changes) != expect:
                from .preview import stale

                raise stale()
            years = sorted({v["year"] for _l, v in parsed})
            stored_as = upload.store()
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
                sha256=upload.sha256,
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
                    "sha256": upload.sha256,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(parsed),
                    "created_ids": sorted(q.pk for q in creates),
                    "updated_ids": sorted(q.pk for q in updates),
                    "examples_skipped": examples,
                },
            )
    except IntegrityError as e:
        raise ImportFailed(
            [
                SheetError(
                    None,
                    None,
                    _("导入时数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。"),
                )
            ]
        ) from e
    record.examples = examples
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
                "以“【示例】”开头的灰色行是示例，导入时自动跳过，可以保留也可以删除。"
            ),
        ],
        ["", "", ""],
        *_counting_notes(),
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


# --- As a background job (core.importjobs) ------------------------------------------------------


def _job_preview(job, data, progress) -> dict:
    return preview_quotas(by=job.by, filename=job.filename, data=data, progress=progress)


def _job_apply(job, data, expect, progress):
    record = import_quotas(
        by=job.by, filename=job.filename, data=data, expect=expect, progress=progress
    )
    return record, {"message": _("指标导入完成。") + excel.skipped_examples(record.examples)}


def _job_pages(job) -> dict:
    from django.urls import reverse

    return {
        "title": _("导入硬性指标"),
        "back_url": reverse("quota_settings"),
        "back_title": _("硬性指标"),
        "import_url": reverse("quota_import"),
    }


def register_job() -> None:
    from jianfu.core import importjobs

    importjobs.register("registry.quota", preview=_job_preview, apply=_job_apply, pages=_job_pages)
