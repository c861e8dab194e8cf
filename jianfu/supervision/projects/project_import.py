"""Key projects by spreadsheet, as a spec on the one import runner (core.imports): one project per
row (单位, 项目名称, 类别, 建设地点, 计划总投资, 计划开工日期, and for an investment deal 签约日期,
签约金额, 投资方). All or nothing: every problem is reported by row and column and nothing is
saved. Rows only create projects; a project already registered (the same normalised name and
location in the same unit) is refused, so importing a file twice adds nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import clock, parsing
from jianfu.core.errors import DomainError
from jianfu.core.imports import UNIT, Spec, Written, cells
from jianfu.core.models import User
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column

from .models import Deal, Project, ProjectCategory
from .services import MANAGE, money, normalise

COLUMNS = (
    Column(UNIT, "责任单位", ("单位", "单位名称", "单位代码"), True),
    Column("name", "项目名称", ("名称", "项目"), True),
    Column("category", "类别", ("项目类别", "类型"), True),
    Column("location", "建设地点", ("地点", "项目地点"), True),
    Column("total_investment", "计划总投资（万元）", ("计划总投资", "总投资"), False),
    Column("planned_start", "计划开工日期", ("计划开工",), False),
    Column("signed_on", "签约日期", ("签约时间",), False),
    Column("amount_signed", "签约金额（万元）", ("签约金额", "协议投资额"), False),
    Column("investor", "投资方", ("投资主体", "签约企业"), False),
    Column("note", "备注", ("说明",), False),
)


def _amount(label: str):
    def parse(value):
        try:
            return money(value, label, "x", allow_none=True)
        except DomainError as e:
            raise ParseError(str(e.message)) from None

    return parse


def _parsers(units) -> dict:
    names = {parsing.choice_key(c.name): c.pk for c in ProjectCategory.objects.all()}
    names |= {parsing.choice_key(c.code): c.pk for c in ProjectCategory.objects.all()}
    shown = "、".join(c.name for c in ProjectCategory.objects.all())

    def category(value):
        text = cells.cell_text(value)
        pk = names.get(parsing.choice_key(text))
        if pk is None:
            raise ParseError(_("类别“%(v)s”不存在，可选：%(ok)s。") % {"v": text, "ok": shown})
        return pk

    return {
        "name": cells.text(120),
        "category": category,
        "location": cells.text(120),
        "total_investment": _amount(_("计划总投资（万元）")),
        "planned_start": cells.date(),
        "signed_on": cells.date(),
        "amount_signed": _amount(_("签约金额（万元）")),
        "investor": cells.text(120),
        "note": cells.text(2000, multiline=True),
    }


def _row_check(sheet, r) -> None:
    v = r.values
    if v.get("signed_on") and not v.get("amount_signed"):
        sheet.error(r, "amount_signed", _("填写了签约日期，请同时填写大于 0 的签约金额。"))
    if v.get("amount_signed") and not v.get("signed_on"):
        sheet.error(r, "signed_on", _("填写了签约金额，请同时填写签约日期。"))
    if v.get("signed_on") and v["signed_on"] > clock.today():
        sheet.error(r, "signed_on", _("签约日期 %(d)s 晚于今天，请核对。") % {"d": v["signed_on"]})


def _check(sheet, units):
    seen: dict[tuple, int] = {}
    for r in sheet.rows:
        if not r.ok:
            continue
        key = (r.unit_id, normalise(r.values["name"], r.values["location"]))
        if key in seen:
            sheet.error(
                r,
                "name",
                _("第 %(a)s 行和第 %(b)s 行是同一单位的同一项目（名称和地点相同）。")
                % {"a": seen[key], "b": r.line},
            )
        else:
            seen[key] = r.line
    keys = {k[1] for k in seen}
    existing = set(Project.objects.filter(match_key__in=keys).values_list("unit_id", "match_key"))
    for r in sheet.rows:
        if r.ok and (r.unit_id, normalise(r.values["name"], r.values["location"])) in existing:
            sheet.error(
                r,
                "name",
                _("该单位已登记过项目“%(n)s”（名称和地点相同），不再重复导入。")
                % {"n": r.values["name"]},
            )
    if sheet.errors:
        sheet.fail()
    return sheet.rows


def _write(sheet, rows, changes, record, by, now) -> Written:
    user = by if isinstance(by, User) else None
    created = []
    for r in rows:
        v = r.values
        p = Project.objects.create(
            unit_id=r.unit_id,
            category_id=v["category"],
            name=v["name"],
            location=v["location"],
            match_key=normalise(v["name"], v["location"]),
            total_investment=v.get("total_investment") or Decimal(0),
            planned_start=v.get("planned_start"),
            note=v.get("note") or "",
            created_by=user,
            created_at=now,
            updated_at=now,
        )
        if v.get("signed_on"):
            Deal.objects.create(
                project=p,
                signed_on=v["signed_on"],
                amount_signed=v["amount_signed"],
                investor=v.get("investor") or "",
            )
        created.append(p)
    return Written([p.pk for p in created], [], {p.unit_id for p in created})


def _page(request) -> dict:
    return {
        "title": _("导入重点项目"),
        "back_url": reverse("project_list"),
        "back_title": _("重点项目"),
        "notes": [
            _("第一行为列名：责任单位、项目名称、类别、建设地点为必填。"),
            _("招商引资项目填写签约日期和签约金额（万元）；金额不能为负数。"),
            _("只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
        ],
    }


def _pages(job) -> dict:
    return {
        "title": _("导入重点项目"),
        "back_url": reverse("project_list"),
        "back_title": _("重点项目"),
        "import_url": reverse("project_import"),
    }


def _done(record) -> str:
    return _("重点项目导入完成。")


SPEC = Spec(
    kind="supervision.projects",
    columns=COLUMNS,
    parsers=_parsers,
    check=_check,
    write=_write,
    permission=MANAGE,
    audit_action="jianfu.supervision.project.imported",
    event="supervision.projects",
    unit_column=True,
    row_check=_row_check,
    distinct=frozenset({"name", "location", "note", "investor"}),
    steps=(
        gettext_lazy("读取文件"),
        gettext_lazy("检查每一行（共 %(n)s 行）"),
        gettext_lazy("与已登记的项目核对"),
        gettext_lazy("与已登记的项目核对并保存"),
    ),
    page=_page,
    pages=_pages,
    done=_done,
)
