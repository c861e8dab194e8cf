"""The field dictionary (数据项字典) by spreadsheet: a spec on the import runner (core.imports),
and the blank template. The whole file is checked first, each problem named by its row and
column; only a clean file is written, in one transaction with one audit entry. A code already in
the dictionary is refused (the dictionary's entries are what earlier returns were filed against:
they are not rewritten by a file)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, imports, inputs, parsing, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import Written
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column
from jianfu.gate import held

from . import services
from .models import FieldType, FormField

CODE, NAME, TYPE, CHOICES, MEASURE, HELD, SECONDS, NOTE = (
    "code", "name", "type", "choices", "measure", "held_in", "seconds", "note",
)  # fmt: skip

COLUMNS = (
    Column(CODE, "数据项编码", ("编码", "代码", "code"), required=True,
           note=gettext_lazy("必填，字母开头，如 households。字典内不能重复。")),
    Column(NAME, "数据项名称", ("名称", "数据项", "指标名称", "name"), required=True,
           note=gettext_lazy("必填，如“农户户数”。")),
    Column(TYPE, "类型", ("数据类型", "type"), required=True,
           note=gettext_lazy("必填：数字、文字、选项、日期、是否（没有照片、定位、打卡类）。")),
    Column(CHOICES, "可选项", ("选项", "choices"),
           note=gettext_lazy("类型为“选项”时必填，用顿号或分号分隔。")),
    Column(MEASURE, "计量单位", ("单位", "measure"), note=gettext_lazy("选填，如 户、人、万元。")),
    Column(HELD, "平台已掌握于", ("已掌握于", "数据来源", "held_in"),
           note=gettext_lazy("选填：平台已经掌握这项数据时，写来源（如“发文登记”）或其编码。")),
    Column(SECONDS, "预计填写秒数", ("秒数", "seconds"),
           note=gettext_lazy("选填，1 至 3600 的整数；空着按类型取默认值，有实测后按实测校准。")),
    Column(NOTE, "填写说明", ("说明", "备注", "note"), note=gettext_lazy("选填，至多 200 字。")),
)  # fmt: skip

_TYPES = {str(c.label): c.value for c in FieldType} | {c.value: c.value for c in FieldType}


def _held_code(text: str) -> str:
    if not text:
        return ""
    for e in held.HELD.values():
        if text in (e.code, str(e.where)):
            return e.code
    return text  # field_values names it as unknown


def _parser(key: str):
    def parse(value) -> str:
        text = excel.unneutralise(parsing.normalise_text(value))
        if problem := inputs.text_problem(text, multiline=key == NOTE):
            raise ParseError(problem)
        return text.strip()

    return parse


def check(sheet, units) -> list[dict]:
    seen: dict[str, int] = {}
    existing = set(FormField.objects.values_list("code", flat=True))
    out = []
    for r in sheet.rows:
        v = r.values
        type_text = v.get(TYPE, "")
        if type_text not in _TYPES:
            sheet.error(
                r, TYPE,
                _("类型“%(v)s”无效，只能是：数字、文字、选项、日期、是否。") % {"v": type_text},
            )  # fmt: skip
            continue
        choices = [
            c
            for c in parsing.normalise_text(v.get(CHOICES, ""))
            .replace("；", "、")
            .replace(";", "、")
            .split("、")
        ]
        try:
            values = services.field_values(
                code=v.get(CODE), name=v.get(NAME), type=_TYPES[type_text], choices=choices,
                measure=v.get(MEASURE, ""), held_in=_held_code(v.get(HELD, "")),
                seconds=v.get(SECONDS) or None, note=v.get(NOTE, ""),
            )  # fmt: skip
        except DomainError as e:
            sheet.error(r, e.field if e.field in {c.key for c in COLUMNS} else CODE, str(e.message))
            continue
        code = values["code"]
        if code in existing:
            sheet.error(r, CODE, _("数据项编码“%(v)s”已在字典中。") % {"v": code})
        elif code in seen:
            sheet.error(
                r, CODE, _("数据项编码“%(v)s”与第 %(r)s 行重复。") % {"v": code, "r": seen[code]}
            )
        else:
            seen[code] = r.line
            out.append(values)
    if sheet.errors:
        sheet.fail()
    return out


def write(sheet, plan: list[dict], changes, record, by, now) -> Written:
    created = FormField.objects.bulk_create([FormField(created_by=by, **v) for v in plan])
    record.fields_created = len(created)
    return Written([f.pk for f in created if f.pk], [])


def _page(request) -> dict:
    scope.require(request.user, services.ADMIT)
    back = reverse("burden_dictionary")
    return {
        "title": _("导入数据项字典"),
        "back_url": back,
        "back_title": _("数据项字典"),
        "template_url": reverse("burden_dictionary_template"),
        "columns": [(c.header, c.note) for c in COLUMNS],
        "notes": [_("第一行为表头，列的顺序不限；空行会跳过。有一处错误则一条也不保存。")],
    }


def _done(record) -> str:
    return _("导入完成：新增数据项 %(n)s 个。") % {"n": record.fields_created}


SPEC = imports.Spec(
    kind="gate.burden.fields",
    columns=COLUMNS,
    parsers=lambda units: {c.key: _parser(c.key) for c in COLUMNS},
    check=check,
    write=write,
    permission=services.ADMIT,
    audit_action="jianfu.gate.burden.field.imported",
    event="",
    required_cells=True,
    may_be_empty=frozenset(),
    inline=True,
    page=_page,
    done=_done,
)


def template() -> bytes:
    columns = [c.header for c in COLUMNS]
    examples = [
        ["households", _("农户户数"), _("数字"), "", _("户"), "", "30", ""],
        [
            "documents_received",
            _("本月收到上级文件数"),
            _("数字"),
            "",
            _("件"),
            _("发文登记"),
            "",
            "",
        ],
        ["road_status", _("村道路况"), _("选项"), _("良好、一般、较差"), "", "", "", ""],
    ]
    notes = [[c.header, _("必填") if c.required else _("选填"), str(c.note)] for c in COLUMNS]
    return excel.write_workbook(
        [
            (_("数据项字典"), columns, excel.mark_examples(examples)),
            (_("说明"), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        examples={0: len(examples)},
    )
