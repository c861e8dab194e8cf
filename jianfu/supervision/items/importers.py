"""Supervision items from a spreadsheet (a leader's instructions list, an annual key-task list) as
a spec on the one import runner (core.imports): all or nothing, each problem named by row and
column in Chinese. Each row becomes an item issued to its lead unit and co-units through
services.item_create (the item's own history and notices); the runner keeps the batch record and
its audit entry."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, excel, parsing
from jianfu.core.imports import UNIT, Spec, Written, cells
from jianfu.core.models import User
from jianfu.core.sheet_columns import Column

from . import services
from .models import FeedbackRule, ItemSource
from .services import MANAGE

audit.describe({"jianfu.supervision.items.imported": gettext_lazy("导入督办事项")})

COLUMNS = (
    Column(
        "title",
        "事项名称",
        ("督办事项", "任务名称", "重点任务", "批示事项"),
        True,
        note=gettext_lazy("必填，不超过 200 字。"),
    ),
    Column(
        UNIT,
        "主办单位",
        ("牵头单位", "责任单位", "承办单位"),
        True,
        note=gettext_lazy("必填。单位全称或单位代码，须在您管理的范围内。"),
    ),
    Column(
        "co_units",
        "协办单位",
        ("配合单位", "协同单位"),
        note=gettext_lazy("可选，多个单位用顿号或逗号分隔。"),
    ),
    Column(
        "deadline",
        "办理时限",
        ("完成时限", "截止日期", "时限"),
        True,
        note=gettext_lazy("必填，日期，不早于今天。"),
    ),
    Column(
        "source",
        "来源",
        ("事项来源",),
        note=gettext_lazy(
            "可选：领导批示、会议决定、年度重点任务、通报或预警发现；"
            "不填时有责任领导的为领导批示，否则为年度重点任务。"
        ),
    ),
    Column("leader", "责任领导", ("批示领导", "分管领导"), note=gettext_lazy("可选。")),
    Column(
        "instruction", "交办内容", ("批示内容", "任务内容", "具体要求"), note=gettext_lazy("可选。")
    ),
    Column(
        "feedback_rule",
        "反馈要求",
        ("反馈频次",),
        note=gettext_lazy("可选：每周反馈、每月反馈、一次性反馈；不填为一次性反馈。"),
    ),
    Column("source_ref", "来源文号", ("文号", "批示编号"), note=gettext_lazy("可选。")),
)


def _choice(choices, extra: dict[str, str]):
    words = {str(label): value for value, label in choices.choices}
    words |= {value: value for value in choices.values} | extra

    def parse(value):
        text = cells.cell_text(value)
        if not text:
            return ""
        found = words.get(text) or words.get(text.removesuffix("件"))
        if found is None:
            raise parsing.ParseError(
                _("“%(v)s”不是可选的值，可选：%(ok)s。")
                % {"v": text[:40], "ok": "、".join(str(lbl) for _v, lbl in choices.choices)}
            )
        return found

    return parse


def _parsers(units) -> dict:
    return {
        "title": cells.text(200),
        "co_units": cells.units_list(units),
        "deadline": cells.date(),
        "source": _choice(
            ItemSource, {"批示": "instruction", "会议": "meeting", "年度任务": "annual"}
        ),
        "leader": cells.text(50),
        "instruction": cells.text(5000, multiline=True),
        "feedback_rule": _choice(
            FeedbackRule, {"每周": "weekly", "每月": "monthly", "一次": "once", "办结时": "once"}
        ),
        "source_ref": cells.text(200),
    }


def _check(sheet, units):
    today = clock.today()
    for r in sheet.rows:
        if not r.ok:
            continue
        deadline = r.values.get("deadline")
        if deadline and deadline < today:
            sheet.error(
                r,
                "deadline",
                _("办理时限 %(d)s 早于今天 %(t)s（交办日期），请核对。")
                % {"d": deadline.isoformat(), "t": today.isoformat()},
            )
        if r.unit_id in (r.values.get("co_units") or []):
            sheet.error(r, "co_units", _("协办单位不能与主办单位相同。"))
    if sheet.errors:
        sheet.fail()
    return sheet.rows


def _write(sheet, rows, changes, record, by, now) -> Written:
    by = by if isinstance(by, User) else by
    created, touched = [], set()
    for r in rows:
        v = r.values
        source = v.get("source") or (
            ItemSource.INSTRUCTION if v.get("leader") else ItemSource.ANNUAL
        )
        item = services.item_create(
            by=by,
            source=source,
            title=v["title"],
            deadline=v["deadline"],
            lead_unit_id=r.unit_id,
            co_unit_ids=v.get("co_units") or [],
            instruction=v.get("instruction") or "",
            leader=v.get("leader") or "",
            source_ref=v.get("source_ref") or "",
            feedback_rule=v.get("feedback_rule") or FeedbackRule.ONCE,
            leader_instruction=source == ItemSource.INSTRUCTION,
            issue=True,
        )
        created.append(item.pk)
        touched |= {r.unit_id, *(v.get("co_units") or [])}
    return Written(created, [], touched)


def _page(request) -> dict:
    return {
        "title": _("导入督办事项"),
        "back_url": reverse("sup_board"),
        "back_title": _("督办看板"),
        "template_url": reverse("sup_item_template"),
        "notes": [
            _("领导批示清单、年度重点任务清单均可导入：每行一个事项，导入后即交办主办和协办单位。"),
            _("导入时先检查整个文件，只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
        ],
    }


def _pages(job) -> dict:
    return {
        "title": _("导入督办事项"),
        "back_url": reverse("sup_board"),
        "back_title": _("督办看板"),
        "import_url": reverse("sup_item_import"),
    }


def _done(record) -> str:
    return _("督办事项导入完成，已交办。") + excel.skipped_examples(record.examples)


def items_template() -> bytes:
    year = clock.today().year
    rows = [
        [
            "加快推进老旧小区改造",
            "甲县",
            "市住房和城乡建设局",
            f"{year}-12-31",
            "年度重点任务",
            "",
            "",
            "每月反馈",
            "",
        ],
        [
            "督促解决群众反映的供暖问题",
            "乙县",
            "",
            f"{year}-12-15",
            "领导批示",
            "张市长",
            "请乙县于年底前解决并报告。",
            "每周反馈",
            "批示〔1〕号",
        ],
    ]
    notes = [[c.header, _("必填") if c.required else _("可选"), str(c.note)] for c in COLUMNS]
    return excel.write_workbook(
        [
            (str(_("督办事项")), [c.header for c in COLUMNS], excel.mark_examples(rows)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        examples={0: len(rows)},
    )


SPEC = Spec(
    kind="supervision.items",
    columns=COLUMNS,
    parsers=_parsers,
    check=_check,
    write=_write,
    permission=MANAGE,
    audit_action="jianfu.supervision.items.imported",
    event="supervision",
    unit_column=True,
    distinct=frozenset({"title", "instruction"}),
    may_be_empty=frozenset(),
    page=_page,
    pages=_pages,
    done=_done,
)
