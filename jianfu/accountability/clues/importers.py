"""The 12345 hotline's work orders and petition (信访) records from Excel, as two specs on the
one import runner (core.imports): one clue per row (编号, 收到时间, 被反映单位 by name or code,
问题类别 by its Chinese label, 反映内容, and optionally 被反映人, 反映人姓名, 联系电话). All or
nothing: every problem is reported by row and column and nothing is saved. Each row goes through
services.clue_create (the one door: the informant sealed, near-duplicates clustered); a number
already registered for the channel is skipped, so importing the same export again adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, parsing
from jianfu.core.imports import UNIT, Spec, Written, cells
from jianfu.core.models import User
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column

from . import services
from .models import Clue, ClueCategory, ClueChannel

COLUMNS = (
    Column("number", "编号", ("工单编号", "信访编号", "件号", "原始编号"), True),
    Column("received", "收到时间", ("受理时间", "来电时间", "登记日期", "日期"), True),
    Column(UNIT, "被反映单位", ("单位", "单位名称", "单位代码", "涉及单位"), True),
    Column("category", "问题类别", ("类别", "问题类型"), True),
    Column("text", "反映内容", ("内容", "诉求内容", "主要问题"), True),
    Column("subject_person", "被反映人", ("被反映人姓名职务",), False),
    Column("informant_name", "反映人姓名", ("来电人", "信访人", "举报人姓名"), False),
    Column("informant_phone", "联系电话", ("来电号码", "电话"), False),
)


def _category_names() -> dict[str, str]:
    """Every spelling of a category: the code, the whole label, and the label's short form
    before "：" (文山, 会海, …)."""
    names = {}
    for value, label in ClueCategory.choices:
        label = str(label)
        for spelling in {value, label, label.split("：")[0]}:
            names[parsing.choice_key(spelling)] = value
    return names


def _parsers(units) -> dict:
    names = _category_names()
    shown = "、".join(str(label) for _v, label in ClueCategory.choices)

    def category(value):
        text = cells.cell_text(value)
        found = names.get(parsing.choice_key(text))
        if found is None:
            raise ParseError(_("问题类别“%(v)s”不存在，可选：%(ok)s。") % {"v": text, "ok": shown})
        return found

    return {
        "number": cells.code(80),
        "received": cells.date(),
        "category": category,
        "text": cells.text(services.TEXT_MAX, multiline=True),
        "subject_person": cells.text(services.PERSON_MAX),
        "informant_name": cells.text(services.INFORMANT_MAX["name"]),
        "informant_phone": cells.text(services.INFORMANT_MAX["phone"]),
    }


def _check_for(channel: str):
    def check(sheet, units):
        seen: dict[str, int] = {}
        for r in sheet.rows:
            if not r.ok:
                continue
            number = r.values["number"]
            if number in seen:
                sheet.error(
                    r,
                    "number",
                    _("编号“%(n)s”在第 %(a)s 行已出现过。") % {"n": number, "a": seen[number]},
                )
            else:
                seen[number] = r.line
            phone = r.values.get("informant_phone") or ""
            if phone and not services.PHONE_RE.fullmatch(phone):
                sheet.error(r, "informant_phone", _("联系电话“%(v)s”不像电话号码。") % {"v": phone})
        if sheet.errors:
            sheet.fail()
        known = set(
            Clue.objects.filter(channel=channel, external_ref__in=list(seen)).values_list(
                "external_ref", flat=True
            )
        )
        return [r for r in sheet.rows if r.values["number"] not in known]

    return check


def _write_for(channel: str):
    def write(sheet, rows, changes, record, by, now) -> Written:
        user = by if isinstance(by, User) else None
        created = []
        for r in rows:
            v = r.values
            name, phone = v.get("informant_name") or "", v.get("informant_phone") or ""
            informant = {"name": name, "phone": phone} if (name or phone) else None
            clue = services.clue_create(
                channel=channel,
                received_at=timezone.make_aware(dt.datetime.combine(v["received"], dt.time(9))),
                subject_unit=r.unit_id,
                category=v["category"],
                text=v["text"],
                subject_person=v.get("subject_person") or "",
                informant=informant,
                real_name=bool(name),
                external_ref=v["number"],
                by=user,
            )
            created.append(clue)
        return Written([c.pk for c in created], [], {c.subject_unit_id for c in created})

    return write


TITLES = {
    ClueChannel.HOTLINE: gettext_lazy("导入12345热线工单"),
    ClueChannel.PETITION: gettext_lazy("导入信访件"),
}
URL_NAMES = {
    ClueChannel.HOTLINE: "clue_import_hotline",
    ClueChannel.PETITION: "clue_import_petition",
}
TEMPLATE_URLS = {
    ClueChannel.HOTLINE: "clue_template_hotline",
    ClueChannel.PETITION: "clue_template_petition",
}


def _page_for(channel: str):
    def page(request) -> dict:
        return {
            "title": str(TITLES[channel]),
            "back_url": reverse("clue_list"),
            "back_title": _("问题线索台账"),
            "template_url": reverse(TEMPLATE_URLS[channel]),
            "notes": [
                _("第一行为列名：编号、收到时间、被反映单位、问题类别、反映内容为必填。"),
                _("被反映单位填名称或单位代码；问题类别填中文名称（如“文山”“会海”）。"),
                _("反映人姓名、电话加密保存，只有纪委监委可以查看。"),
                _("已导入过的编号自动跳过，重复导入同一文件不会重复登记。"),
                _("只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
            ],
        }

    return page


def _pages_for(channel: str):
    def pages(job) -> dict:
        return {
            "title": str(TITLES[channel]),
            "back_url": reverse("clue_list"),
            "back_title": _("问题线索台账"),
            "import_url": reverse(URL_NAMES[channel]),
        }

    return pages


def _done(record) -> str:
    return _("问题线索导入完成（已导入过的编号已跳过）。")


def _spec(channel: str) -> Spec:
    return Spec(
        kind=f"accountability.clues_{channel}",
        columns=COLUMNS,
        parsers=_parsers,
        check=_check_for(channel),
        write=_write_for(channel),
        permission=services.MANAGE,
        audit_action="jianfu.accountability.clue.imported",
        event="",
        unit_column=True,
        distinct=frozenset({"number", "text", "subject_person", "informant_name"}),
        page=_page_for(channel),
        pages=_pages_for(channel),
        done=_done,
    )


HOTLINE = _spec(ClueChannel.HOTLINE)
PETITION = _spec(ClueChannel.PETITION)
SPECS = (HOTLINE, PETITION)

EXAMPLES = {
    ClueChannel.HOTLINE: [
        "GD20260301001",
        "2026-03-01",
        "甲县",
        "会海",
        "甲县每周召开两次调度会，要求乡镇主要负责人到场。",
        "",
        "张三",
        "13800000000",
    ],
    ClueChannel.PETITION: [
        "XF2026-0012",
        "2026-03-02",
        "甲县",
        "过度留痕",
        "要求村里每项工作都拍照留痕，建立十几本台账。",
        "",
        "",
        "",
    ],
}


def template(channel: str) -> bytes:
    rows = excel.mark_examples([list(EXAMPLES[channel])])
    notes = [[c.header, _("必填") if c.required else _("可选")] for c in COLUMNS]
    categories = [[str(label).split("：")[0], str(label)] for _v, label in ClueCategory.choices]
    return excel.write_workbook(
        [
            (str(TITLES[channel]).removeprefix("导入"), [c.header for c in COLUMNS], rows),
            (str(_("说明")), [_("列名"), _("是否必填")], notes),
            (str(_("问题类别")), [_("简称"), _("全称")], categories),
        ],
        examples={0: 1},
        widths={(0, "E"): 60},
    )
