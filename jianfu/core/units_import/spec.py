"""The units import as a spec on the runner (core.imports): the columns (columns.py), their
parsers (sheet.py), the checks (checks.py), the write (write.py), and here the preview of what
a file changes in existing units, the import page, the job's pages and the outcome's sentence.

Unlike the registry's, a units file is previewed in a pass of its own before it is written
(preview_first), and a move the tree refuses is the whole file refused (refusals).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow

from .. import excel, parsing
from ..imports import Spec, Updates, Written
from ..models import Unit
from . import checks, sheet
from .checks import Plan, _codes_by_path, _codes_by_pk
from .columns import COLUMNS, HEADERS, KIND, NAME, PARENT, SHORT, SUCCESSOR, UNTIL, kind_labels
from .write import _write

RACE = gettext_lazy("导入时单位数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。")


class UnitUpdates(Updates):
    """A change is {"pk", "code", "name", "line", "fields": {field: [old, new]}} with codes for
    the parent and successor; one per existing unit the file names, in the file's order."""

    def of(self, sheet, p: Plan) -> list[dict]:
        step = Unit.steplen
        changed = {r.code: (r, e) for r, e in p.updates}
        changed |= {r.code: (r, p.existing[r.code]) for r in p.moves if r.code not in changed}
        parent_at = _codes_by_path({e.path[:-step] for _r, e in changed.values()})
        successor_code = _codes_by_pk(
            {e.successor_id for _r, e in changed.values() if e.successor_id}
        )
        out = []
        for code, e in p.existing.items():
            r = p.rows[code]
            fields: dict[str, list] = {}
            if code in changed:

                def put(name, old, new, fields=fields):
                    if old != new:
                        fields[name] = [old, new]

                put("name", e.name, r.name)
                put("kind", e.kind, r.kind)
                if r.short_name is not None:
                    put("short_name", e.short_name, r.short_name)
                if p.has_until:
                    put(
                        "valid_until",
                        e.valid_until.isoformat() if e.valid_until else None,
                        r.valid_until.isoformat() if r.valid_until else None,
                    )
                if code in p.successor_of:
                    put("successor", successor_code.get(e.successor_id), p.successor_of[code])
                if code in p.parent_of:
                    put("parent", parent_at.get(e.path[:-step]), p.parent_of[code])
            out.append({"pk": e.pk, "code": code, "name": e.name, "line": r.line, "fields": fields})
        out.sort(key=lambda c: c["line"])
        return out

    def changed(self, change) -> bool:
        return bool(change["fields"])

    def describe(self, sheet, p, changes, units) -> list[dict]:
        kinds = kind_labels()
        headers = {
            "name": HEADERS[NAME],
            "kind": HEADERS[KIND],
            "short_name": HEADERS[SHORT],
            "valid_until": HEADERS[UNTIL],
            "successor": HEADERS[SUCCESSOR],
            "parent": HEADERS[PARENT],
        }

        def shown(f, v):
            if v is None or v == "":
                return "—"
            return str(kinds.get(v, v)) if f == "kind" else str(v)

        return [
            {
                "line": c["line"],
                "pk": None,
                "title": f"{c['name']}（{c['code']}）",
                "fields": [
                    [str(headers[f]), shown(f, old), shown(f, new)]
                    for f, (old, new) in c["fields"].items()
                ],
            }
            for c in changes
        ]

    def state(self, p: Plan, changes) -> dict:
        return {
            "creates": [r.code for r in p.creates],
            "changes": [c for c in changes if c["fields"]],
        }

    def old_values(self, p, changes) -> dict:
        return {f"{c['pk']}.{f}": list(v) for c in changes for f, v in c["fields"].items()}


def _write_units(sheet, p: Plan, changes, record, by, now) -> Written:
    created_ids, updated_ids = _write(p, now)
    return Written(created_ids, updated_ids)


def done(record) -> str:
    message = _("导入完成：新增 %(c)s 个，更新 %(u)s 个单位。") % {
        "c": record.created,
        "u": record.updated,
    }
    return message + excel.skipped_examples(record.examples)


def _pages(job) -> dict:
    return {
        "title": _("导入单位"),
        "back_url": reverse("unit_list"),
        "back_title": pgettext("units list", "单位"),
        "import_url": reverse("unit_import"),
    }


def _page(request) -> dict:
    return {
        "title": _("导入单位"),
        "back_url": reverse("unit_list"),
        "back_title": pgettext("units list", "单位"),
        "template_url": reverse("unit_template"),
        "intro": _("请使用导入模板填写，第一行为列名："),
        "columns": [
            (
                _("单位代码"),
                _(
                    "必填，全平台唯一；已有的代码将更新该单位：保存前先列出每处修改"
                    "（原值 → 新值），确认后才保存。"
                ),
            ),
            (_("名称"), _("必填，单位全称。")),
            (_("简称"), _("可不填。")),
            (
                _("类型"),
                _("必填，填写类型名称，例如“乡镇（街道）”（模板中可从下拉列表选择）。"),
            ),
            (_("上级单位代码"), _("必填，须是您范围内已有单位或本文件中单位的代码。")),
        ],
        # This page has always answered a refused file with 200 (the shared page's default is
        # 400); kept so that what scripts and tests see of it does not change.
        "refused_status": 200,
    }


SPEC = Spec(
    kind="units",
    columns=COLUMNS,
    parsers=sheet.parsers,
    check=checks.plan,
    write=_write_units,
    permission="core.unit:manage",
    audit_action="jianfu.core.unit.imported",
    event="",
    distinct=frozenset({"code", "name"}),
    row_check=sheet.row_check,
    updates=UnitUpdates(),
    missing=gettext_lazy("缺少必填列：%(cols)s。第一行应为表头：%(all)s（可从“下载模板”获取）。"),
    steps=(
        gettext_lazy("读取文件"),
        None,
        gettext_lazy("与已有单位核对"),
        gettext_lazy("与已有单位核对并保存"),
    ),
    stale=gettext_lazy(
        "预览之后，相关单位已被修改（或有人导入了相同的单位），本次没有保存任何内容。"
        "请重新上传文件，核对新的预览后再确认。"
    ),
    race=RACE,
    page=_page,
    pages=_pages,
    done=done,
    header=sheet.read_header,
    screen=parsing.parse_text,
    may_be_empty=frozenset({PARENT}),
    refusals={
        PathOverflow: gettext_lazy(
            "同一个上级单位下的下级单位数超过系统上限，本次没有保存任何内容。"
        ),
        InvalidMoveToDescendant: RACE,
    },
    preview_first=True,
)
