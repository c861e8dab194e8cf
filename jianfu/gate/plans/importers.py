"""A plan's items from a spreadsheet, as a spec on the one import runner (core.imports): all or
nothing, each problem named by row and column in Chinese. Imported into one draft or returned plan
(the page names it; inline, with the plan as the import's option); each row is checked as the
editor checks an item (services.clean_item) and added to the plan's items."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, parsing, scope
from jianfu.core.errors import DomainError
from jianfu.core.excel import SheetError
from jianfu.core.imports import Spec, Written, cells
from jianfu.core.models import Unit
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column
from jianfu.registry.models import Category, DocumentKind, InspectionKind, MeetingLevel

from . import services
from .models import AnnualPlan, MeetingKind, PlanItem
from .services import EDIT, EDITABLE

COLUMNS = (
    Column(
        "category",
        "类别",
        ("事项类别",),
        True,
        note=gettext_lazy("必填：发文、会议或督查检查考核。"),
    ),
    Column("title", "名称", ("事项名称", "标题"), note=gettext_lazy("督查检查考核必填。")),
    Column("count", "数量", ("计划数量", "件数"), note=gettext_lazy("发文、会议必填，正整数。")),
    Column("document_kind", "文件类型", (), note=gettext_lazy("发文必填。")),
    Column("meeting_kind", "会议类型", (), note=gettext_lazy("会议必填。")),
    Column("meeting_level", "会议层级", (), note=gettext_lazy("会议必填。")),
    Column(
        "inspection_kind",
        "督查检查考核类别",
        ("检查类别",),
        note=gettext_lazy("督查检查考核必填：督查、检查或考核。"),
    ),
    Column(
        "targets",
        "检查对象",
        ("对象",),
        note=gettext_lazy("督查检查考核必填，单位全称或代码，多个用顿号分隔。"),
    ),
    Column(
        "months",
        "计划月份",
        ("月份",),
        note=gettext_lazy("督查检查考核必填，如“3、4”（3月和4月）。"),
    ),
    Column("note", "备注", (), note=gettext_lazy("可选。")),
)


def _choice(choices):
    parser = parsing.Choices(choices)

    def parse(value):
        return parser(value) or ""

    return parse


def _targets():
    units = Unit.objects.filter(valid_until__isnull=True).values_list(
        "pk", "code", "name", "short_name"
    )
    index: dict[str, int] = {}
    for pk, code, name, short in units:
        for key in (code, name, short):
            if key:
                index.setdefault(key, pk)

    def parse(value):
        found, bad = [], []
        for text in parsing.split_list(value, spaces=False):
            pk = index.get(text)
            if pk is None:
                bad.append(text)
            elif pk not in found:
                found.append(pk)
        if bad:
            raise ParseError(_("检查对象“%(v)s”不是本系统中的单位。") % {"v": "、".join(bad)[:80]})
        return found

    return parse


def _months(value):
    out = []
    for text in parsing.split_list(value):
        text = text.removesuffix("月")
        try:
            n = int(text)
        except ValueError:
            n = 0
        if not 1 <= n <= 12:
            raise ParseError(_("月份“%(v)s”不正确，应为 1 到 12。") % {"v": text[:20]})
        out.append(n)
    return out


def _parsers(units) -> dict:
    return {
        "category": _choice(Category),
        "title": cells.text(300),
        "count": cells.count(services.MAX_COUNT),
        "document_kind": _choice(DocumentKind),
        "meeting_kind": _choice(MeetingKind),
        "meeting_level": _choice(MeetingLevel),
        "inspection_kind": _choice(InspectionKind),
        "targets": _targets(),
        "months": _months,
        "note": cells.text(300),
    }


def _check(sheet, units):
    plan = sheet.options["plan"]
    cleaned = []
    for r in sheet.rows:
        if not r.ok:
            continue
        v = dict(r.values)
        v["target_ids"] = v.pop("targets", None) or []
        try:
            cleaned.append(services.clean_item(plan, v))
        except DomainError as e:
            field = {"target_ids": "targets"}.get(e.field, e.field)
            sheet.error(r, field if field in sheet.columns else "category", str(e.message))
    if sheet.errors:
        sheet.fail()
    return cleaned


def _write(sheet, cleaned, changes, record, by, now) -> Written:
    plan = sheet.options["plan"]
    created = [services.item_save(by=by, plan=plan, fields=c).pk for c in cleaned]
    return Written(created, [], {plan.unit_id})


def _plan(request, pk: int) -> AnnualPlan:
    plan = scope.get_for(AnnualPlan.objects.select_related("unit"), request.user, pk, perm=EDIT)
    return plan


def _page(request, pk: int) -> dict:
    plan = _plan(request, pk)
    detail = reverse("gate_plan_detail", args=[plan.pk])
    page = {
        "title": _("导入年度计划事项"),
        "head_title": _("导入年度计划事项") + " · " + str(plan),
        "crumbs": [(detail, str(plan))],
        "back_url": detail,
        "template_url": reverse("gate_plan_template"),
        "columns": [(c.header, c.note) for c in COLUMNS],
        "notes": [
            _("每行一个事项：发文、会议按类型填数量，督查检查考核每项一行。"),
            _("导入时先检查整个文件，只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
        ],
        "options": {"plan": plan},
        "unit": plan.unit,
    }
    if plan.status not in EDITABLE:
        page["refused"] = [
            SheetError(None, None, _("该计划已报备或已备案，不能再导入事项；请提出调整申请。"))
        ]
    return page


def _done(record) -> str:
    return _("年度计划事项导入完成。") + excel.skipped_examples(record.examples)


def plans_template() -> bytes:
    rows = [
        ["发文", "", "12", "红头文件", "", "", "", "", "", ""],
        ["会议", "", "4", "", "工作会议（部署、推进、总结）", "县级", "", "", "", ""],
        ["督查检查考核", "安全生产大检查", "", "", "", "", "检查", "甲一镇、乙一镇", "3、9", ""],
    ]
    notes = [[c.header, _("必填") if c.required else _("可选"), str(c.note)] for c in COLUMNS]
    return excel.write_workbook(
        [
            (str(_("年度计划事项")), [c.header for c in COLUMNS], excel.mark_examples(rows)),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        examples={0: len(rows)},
    )


def _audit_object(sheet, plan, record):
    p = sheet.options["plan"]
    return p._meta.label_lower, p.pk


SPEC = Spec(
    kind="gate.plan_items",
    columns=COLUMNS,
    parsers=_parsers,
    check=_check,
    write=_write,
    permission=EDIT,
    audit_action="jianfu.gate.plan.imported",
    event="",
    distinct=frozenset({"title", "note"}),
    may_be_empty=frozenset(),
    audit_object=_audit_object,
    inline=True,
    page=_page,
    done=_done,
)

__all__ = ["SPEC", "PlanItem", "plans_template"]
