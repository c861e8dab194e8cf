"""Targets, key work and livelihood projects from a spreadsheet, as a spec on the one import runner
(core.imports): one target per row. All or nothing: every problem is reported by row and column in
Chinese and nothing is saved. Rows only create targets; one already registered (the same unit,
year and name) is refused, so importing a file twice adds nothing."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import clock, parsing
from jianfu.core.errors import DomainError
from jianfu.core.imports import UNIT, Spec, Written, cells
from jianfu.core.models import User
from jianfu.core.parsing import ParseError
from jianfu.core.sheet_columns import Column

from . import services
from .models import Target, TargetKind
from .services import MANAGE

COLUMNS = (
    Column(UNIT, "责任单位", ("单位", "单位名称", "单位代码"), True),
    Column("kind", "类别", ("类型", "指标类别"), True),
    Column("name", "名称", ("指标名称", "工作名称", "项目名称", "事项"), True),
    Column("year", "年度", ("年份",), False),
    Column("target_value", "年度目标值", ("目标值", "全年目标"), False),
    Column("measure", "计量单位", ("单位名称（计量）", "计量"), False),
    Column("done_value", "累计完成值", ("完成值", "已完成"), False),
    Column("percent", "完成进度（%）", ("完成进度", "完成比例", "进度"), False),
    Column("note", "进展说明", ("说明", "备注"), False),
)

KIND_WORDS = {str(label): value for value, label in TargetKind.choices} | {
    **{v: v for v in TargetKind.values},
    "经济": TargetKind.ECONOMIC,
    "指标": TargetKind.ECONOMIC,
    "主要经济指标": TargetKind.ECONOMIC,
    "重点任务": TargetKind.KEY_WORK,
    "民生": TargetKind.LIVELIHOOD,
    "民生项目": TargetKind.LIVELIHOOD,
}


def _checked(fn, *args, **kwargs):
    def parse(value):
        try:
            return fn(value, *args, **kwargs)
        except DomainError as e:
            raise ParseError(str(e.message)) from None

    return parse


def _kind(value):
    text = cells.cell_text(value)
    found = KIND_WORDS.get(text) or KIND_WORDS.get(parsing.choice_key(text))
    if found is None:
        raise ParseError(
            _("类别“%(v)s”不是可选的值，可选：%(ok)s。")
            % {"v": text[:40], "ok": "、".join(str(label) for label in TargetKind.labels)}
        )
    return str(found)


def _year(value):
    text = cells.cell_text(value).removesuffix("年")
    if not text:
        return None
    try:
        return services._year(text.split(".")[0])
    except DomainError as e:
        raise ParseError(str(e.message)) from None


def _parsers(units) -> dict:
    return {
        "kind": _kind,
        "name": cells.text(120),
        "year": _year,
        "target_value": _checked(services.number, _("年度目标值"), "target_value", positive=True),
        "measure": cells.text(20),
        "done_value": _checked(services.number, _("累计完成值"), "done_value"),
        "percent": _checked(services.percent),
        "note": cells.text(500),
    }


def _row_check(sheet, r) -> None:
    v = r.values
    if v.get("done_value") is not None and not v.get("target_value"):
        sheet.error(
            r, "done_value", _("没有年度目标值的工作请填写“完成进度（%）”，不填“累计完成值”。")
        )


def _check(sheet, units):
    this_year = clock.today().year
    seen: dict[tuple, int] = {}
    for r in sheet.rows:
        if not r.ok:
            continue
        key = (r.values.get("year") or this_year, r.unit_id, r.values["name"])
        if key in seen:
            sheet.error(
                r,
                "name",
                _("第 %(a)s 行和第 %(b)s 行是同一单位同一年度的同一项（名称相同）。")
                % {"a": seen[key], "b": r.line},
            )
        else:
            seen[key] = r.line
    existing = set(
        Target.objects.filter(
            review__year__in={k[0] for k in seen}, name__in={k[2] for k in seen}
        ).values_list("review__year", "unit_id", "name")
    )
    for r in sheet.rows:
        if r.ok and (r.values.get("year") or this_year, r.unit_id, r.values["name"]) in existing:
            sheet.error(
                r,
                "name",
                _("该单位本年度已登记过“%(n)s”，不再重复导入；修改请在页面上进行。")
                % {"n": r.values["name"]},
            )
    if sheet.errors:
        sheet.fail()
    return sheet.rows


def _write(sheet, rows, changes, record, by, now) -> Written:
    user = by if isinstance(by, User) else None
    this_year = clock.today().year
    created = []
    for r in rows:
        v = r.values
        review = services.review_of(v.get("year") or this_year)
        entered = v.get("done_value") is not None or v.get("percent") is not None
        t = Target.objects.create(
            review=review,
            unit_id=r.unit_id,
            kind=v["kind"],
            name=v["name"],
            target_value=v.get("target_value"),
            measure=v.get("measure") or "",
            done_value=v.get("done_value"),
            percent=v.get("percent"),
            note=v.get("note") or "",
            created_at=now,
            entered_at=now if entered else None,
            entered_by=user if entered else None,
        )
        created.append(t)
    return Written([t.pk for t in created], [], {t.unit_id for t in created})


def _page(request) -> dict:
    return {
        "title": _("导入年度指标和重点工作"),
        "back_url": reverse("review_board"),
        "back_title": _("年中回头看"),
        "notes": [
            _("第一行为列名：责任单位、类别（经济指标、重点工作、民生实事）、名称为必填。"),
            _("有数值的指标填写年度目标值和累计完成值；没有数值的工作填写完成进度（0—100）。"),
            _("年度不填为今年。只要有一处错误，就一条也不保存，并列出每处错误所在的行和列。"),
        ],
    }


def _pages(job) -> dict:
    return {
        "title": _("导入年度指标和重点工作"),
        "back_url": reverse("review_board"),
        "back_title": _("年中回头看"),
        "import_url": reverse("review_import"),
    }


def _done(record) -> str:
    return _("年度指标和重点工作导入完成。")


SPEC = Spec(
    kind="supervision.review",
    columns=COLUMNS,
    parsers=_parsers,
    check=_check,
    write=_write,
    permission=MANAGE,
    audit_action="jianfu.supervision.review.imported",
    event="supervision.review",
    unit_column=True,
    row_check=_row_check,
    distinct=frozenset({"name", "note"}),
    page=_page,
    pages=_pages,
    done=_done,
)
