"""A tour's findings from a spreadsheet, as a spec on the one import runner (core.imports): all or
nothing, each problem named by row and column in Chinese. Imported into one tour (the page names
it; inline, with the tour as the import's option); each row is checked as the finding form checks
one (services.clean_finding)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, parsing
from jianfu.core.errors import DomainError
from jianfu.core.excel import SheetError
from jianfu.core.imports import UNIT, Spec, Written, cells
from jianfu.core.sheet_columns import Column

from ..clues.models import ClueCategory
from . import queries, services
from .models import TourStatus
from .services import MANAGE

COLUMNS = (
    Column(
        UNIT,
        "被巡察单位",
        ("单位", "单位名称", "单位代码"),
        True,
        note=gettext_lazy("必填：本轮巡察的被巡察单位，全称或代码。"),
    ),
    Column(
        "category",
        "问题类别",
        ("类别",),
        True,
        note=gettext_lazy(
            "必填：文山、会海、督查检查考核、报表、过度留痕、数据造假、虚假开工或其他。"
        ),
    ),
    Column("text", "发现问题", ("问题", "问题描述"), True, note=gettext_lazy("必填。")),
    Column("found_on", "发现日期", ("日期",), True, note=gettext_lazy("必填，如 2025-07-15。")),
)

# The words people write for each category, besides its full label.
CATEGORY_WORDS = {
    "文山": ClueCategory.DOCUMENTS,
    "发文": ClueCategory.DOCUMENTS,
    "会海": ClueCategory.MEETINGS,
    "会议": ClueCategory.MEETINGS,
    "督查检查考核": ClueCategory.INSPECTIONS,
    "督查检查": ClueCategory.INSPECTIONS,
    "报表": ClueCategory.FORMS,
    "过度留痕": ClueCategory.TRACES,
    "留痕": ClueCategory.TRACES,
    "数据造假": ClueCategory.GAMING,
    "变通应付": ClueCategory.GAMING,
    "虚假开工": ClueCategory.PROJECTS,
    "其他": ClueCategory.OTHER,
}


def _category(value):
    text = cells.cell_text(value)
    if text in CATEGORY_WORDS:
        return CATEGORY_WORDS[text]
    for v, label in ClueCategory.choices:
        if text in (v, str(label)):
            return v
    raise parsing.ParseError(
        _("问题类别“%(v)s”无法识别，应为：%(all)s。")
        % {"v": text[:20], "all": "、".join(CATEGORY_WORDS)}
    )


def _parsers(units) -> dict:
    return {"category": _category, "text": cells.text(2000), "found_on": cells.date()}


def _check(sheet, units):
    tour = sheet.options["tour"]
    targets = set(tour.targets.values_list("pk", flat=True))
    cleaned = []
    for r in sheet.rows:
        if not r.ok:
            continue
        try:
            cleaned.append(
                services.clean_finding(tour, {**r.values, "unit_id": r.unit_id}, targets)
            )
        except DomainError as e:
            field = {"unit_id": UNIT}.get(e.field, e.field)
            sheet.error(r, field if field in sheet.columns else "text", str(e.message))
    if sheet.errors:
        sheet.fail()
    return cleaned


def _write(sheet, cleaned, changes, record, by, now) -> Written:
    tour = sheet.options["tour"]
    made = services.add_findings(by, tour, cleaned)
    return Written([f.pk for f in made], [], {f.unit_id for f in made})


def _page(request, pk: int) -> dict:
    tour = queries.tour_for(request.user, pk, perm=MANAGE)
    detail = reverse("tour_detail", args=[tour.pk])
    page = {
        "title": _("导入巡察发现问题"),
        "head_title": _("导入巡察发现问题") + " · " + tour.name,
        "crumbs": [(detail, tour.name)],
        "back_url": detail,
        "template_url": reverse("tour_template"),
        "columns": [(c.header, c.note) for c in COLUMNS],
        "notes": [
            _("每行一个问题；被巡察单位须是本轮巡察的被巡察单位。"),
            _("导入时先检查整个文件，只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
        ],
        "options": {"tour": tour},
    }
    if tour.status == TourStatus.PLANNED:
        page["refused"] = [SheetError(None, None, _("巡察尚未进驻，不能登记发现问题。"))]
    return page


def _done(record) -> str:
    return _("巡察发现问题导入完成。") + excel.skipped_examples(record.examples)


def findings_template() -> bytes:
    rows = [["甲县", "会海", "县委每月召开的工作推进会要求乡镇主要负责人全部参加。", "2025-07-15"]]
    notes = [[c.header, _("必填") if c.required else _("可选"), str(c.note)] for c in COLUMNS]
    return excel.write_workbook(
        [
            (str(_("巡察发现问题")), [c.header for c in COLUMNS], excel.mark_examples(rows)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        examples={0: len(rows)},
    )


def _audit_object(sheet, plan, record):
    t = sheet.options["tour"]
    return t._meta.label_lower, t.pk


SPEC = Spec(
    kind="accountability.tour_findings",
    columns=COLUMNS,
    parsers=_parsers,
    check=_check,
    write=_write,
    permission=MANAGE,
    audit_action="jianfu.accountability.finding.imported",
    event="",
    unit_column=True,
    distinct=frozenset({"text"}),
    audit_object=_audit_object,
    inline=True,
    page=_page,
    done=_done,
)
