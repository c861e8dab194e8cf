"""The review's pages: the review of every unit (lagging first, filter by kind), a unit's review
(its targets, supervision items and key projects), the office's target and date forms, the
contact's progress form, the import and the Excel export.

Thin: targets and units are reached through queries (scope.visible / scope.get_for: 404 outside
the account's units, 403 without the code); every write goes through services, whose DomainErrors
land on the form field they name, the typed input kept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from jianfu.core import clock, excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.core.models import Unit

from . import queries, services
from .forms import DateForm, ProgressForm, TargetForm
from .models import Target, TargetKind
from .services import ENTER, MANAGE, VIEW


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else clock.today().year


def _kind(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in TargetKind.values else ""


def _refused(form, e: DomainError) -> None:
    form.add_error(e.field if e.field in form.fields else None, str(e.message))


def _years(year: int) -> list[int]:
    this = clock.today().year
    return sorted({this - 1, this, year}, reverse=True)


@login_required
def review_board(request):
    user = request.user
    scope.require(user, VIEW)
    year, kind = _year(request), _kind(request)
    stock = queries.stock(user, year, kind=kind)
    return render(
        request,
        "supervision/review/board.html",
        {
            "stock": stock,
            "year": year,
            "years": _years(year),
            "kind": kind,
            "kinds": TargetKind.choices,
            "can_manage": scope.can(user, MANAGE),
            "export_url": reverse("review_export") + f"?year={year}&kind={kind}",
        },
    )


@login_required
def review_unit(request, unit_id):
    user = request.user
    unit = queries.unit(user, unit_id)
    year = _year(request)
    stock = queries.stock(user, year, unit_id=unit.pk)
    row = stock.rows[0]
    return render(
        request,
        "supervision/review/unit.html",
        {
            "unit": unit,
            "stock": stock,
            "row": row,
            "year": year,
            "items": queries.unit_items(unit.pk, stock.as_of),
            "projects": queries.unit_projects(unit.pk, stock.as_of),
            "can_manage": scope.can(user, MANAGE),
            "can_enter": scope.can(user, ENTER),
        },
    )


def _form_page(request, form, title: str, back: str, *, note: str = "", target=None):
    return render(
        request,
        "supervision/review/form.html",
        {"form": form, "title": title, "back": back, "note": note, "target": target},
        status=400 if form.is_bound and form.errors else 200,
    )


def _target(user, pk, perm: str) -> Target:
    return scope.get_for(Target.objects.select_related("unit", "review"), user, pk, perm=perm)


@login_required
def target_create(request):
    user = request.user
    year = _year(request)
    # "Add a target" from a unit's page names the unit; one outside the scope is simply not filled.
    pk = request.GET.get("unit", "")
    unit = scope.visible(Unit.objects.all(), user, perm=MANAGE, unit_field=None).filter(
        pk=int(pk) if pk.isdigit() and len(pk) < 19 else None
    )
    form = TargetForm(
        request.POST or None, principal=user, perm=MANAGE, initial={"unit": unit.first()}
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        unit = d.pop("unit")
        try:
            t = services.target_create(by=user, year=year, unit_id=unit.pk, **d)
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已登记“%(n)s”。") % {"n": t.name})
            return redirect(reverse("review_unit", args=[unit.pk]) + f"?year={year}")
    return _form_page(
        request,
        form,
        _("登记 %(y)s 年指标或重点工作") % {"y": year},
        reverse("review_board") + f"?year={year}",
    )


@login_required
def target_edit(request, pk):
    user = request.user
    t = _target(user, pk, MANAGE)
    initial = {
        "unit": t.unit,
        "kind": t.kind,
        "name": t.name,
        "target_value": "" if t.target_value is None else t.target_value,
        "measure": t.measure,
        "done_value": "" if t.done_value is None else t.done_value,
        "percent": "" if t.percent is None else t.percent,
        "note": t.note,
    }
    form = TargetForm(request.POST or None, principal=user, perm=MANAGE, initial=initial)
    back = reverse("review_unit", args=[t.unit_id]) + f"?year={t.review.year}"
    if request.method == "POST" and request.POST.get("delete"):
        services.target_delete(by=user, target=t)
        messages.success(request, _("已删除“%(n)s”。") % {"n": t.name})
        return redirect(back)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        unit = d.pop("unit")
        try:
            services.target_update(by=user, target=t, unit_id=unit.pk, **d)
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("review_unit", args=[unit.pk]) + f"?year={t.review.year}")
    return _form_page(request, form, _("修改“%(n)s”") % {"n": t.name}, back, target=t)


@login_required
def target_progress(request, pk):
    user = request.user
    t = _target(user, pk, ENTER)
    initial = {
        "done_value": "" if t.done_value is None else t.done_value,
        "percent": "" if t.percent is None else t.percent,
        "note": t.note,
    }
    form = ProgressForm(request.POST or None, target=t, initial=initial)
    back = reverse("review_unit", args=[t.unit_id]) + f"?year={t.review.year}"
    if request.method == "POST" and form.is_valid():
        try:
            services.target_progress(by=user, target=t, **form.cleaned_data)
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存“%(n)s”的完成情况。") % {"n": t.name})
            return redirect(back)
    if t.has_number:
        note = _("年度目标：%(v)s %(m)s") % {"v": services.show(t.target_value), "m": t.measure}
    else:
        note = _("该项没有年度目标值，请按完成进度（0—100）填报。")
    return _form_page(
        request, form, _("填报“%(n)s”完成情况") % {"n": t.name}, back, note=note, target=t
    )


@login_required
def review_date(request):
    user = request.user
    scope.require(user, MANAGE)
    year = _year(request)
    current = queries.review(year)
    initial = {
        "stock_date": queries.stock_date(year),
        "note": current.note if current else "",
    }
    form = DateForm(request.POST or None, initial=initial)
    back = reverse("review_board") + f"?year={year}"
    if request.method == "POST" and form.is_valid():
        try:
            services.review_set_date(by=user, year=year, **form.cleaned_data)
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已设定 %(y)s 年回头看日期。") % {"y": year})
            return redirect(back)
    return _form_page(
        request,
        form,
        _("%(y)s 年回头看日期") % {"y": year},
        back,
        note=_("默认为 6 月 30 日；时间进度和滞后单位按此日期计算。"),
    )


HEAD_UNITS = (
    "单位",
    "时间进度（%）",
    "完成进度（%）",
    "差距（百分点）",
    "是否滞后",
    "指标和工作项数",
    "滞后项数",
    "未填报项数",
    "在办督办事项",
    "红色（逾期）",
    "黄色（滞后）",
    "督办平均完成（%）",
    "督办平均时间进度（%）",
    "重点项目数",
    "节点完成（%）",
    "资金到位（%）",
)
HEAD_TARGETS = (
    "单位",
    "类别",
    "名称",
    "年度目标值",
    "计量单位",
    "累计完成值",
    "完成进度（%）",
    "时间进度（%）",
    "差距（百分点）",
    "是否滞后",
    "进展说明",
)


def export_rows(stock) -> tuple[list[list], list[list]]:
    """The export's two sheets (units; targets), from the same Stock the page shows."""
    yes, no = _("是"), _("否")
    units, targets = [], []
    for r in stock.rows:
        units.append(
            [
                r.name,
                stock.time_share,
                r.share,
                r.gap,
                yes if r.lagging else no,
                len(r.targets),
                len(r.lagging_targets),
                r.not_entered,
                r.items.open,
                r.items.red,
                r.items.yellow,
                r.items.percent,
                r.items.time_share,
                r.projects.count,
                r.projects.milestone_pct,
                r.projects.money_pct,
            ]
        )
        for t in r.targets:
            targets.append(
                [
                    r.name,
                    t.target.get_kind_display(),
                    t.target.name,
                    None if t.target.target_value is None else float(t.target.target_value),
                    t.target.measure,
                    None if t.target.done_value is None else float(t.target.done_value),
                    t.share if t.share is not None else _("未填报"),
                    stock.time_share,
                    t.gap,
                    yes if t.lagging else no,
                    t.target.note,
                ]
            )
    return units, targets


@login_required
def review_export(request):
    user = request.user
    scope.require(user, VIEW)
    year, kind = _year(request), _kind(request)
    stock = queries.stock(user, year, kind=kind)
    units, targets = export_rows(stock)
    book = excel.write_workbook(
        [
            (_("单位"), list(HEAD_UNITS), units),
            (_("指标和重点工作"), list(HEAD_TARGETS), targets),
        ]
    )
    return excel.xlsx_response(book, f"年中回头看-{year}-{stock.as_of.isoformat()}.xlsx")


urlpatterns = [
    path("review/", review_board, name="review_board"),
    path("review/date/", review_date, name="review_date"),
    path("review/export.xlsx", review_export, name="review_export"),
    path(
        "review/import/",
        import_views.upload,
        {"kind": "supervision.review"},
        name="review_import",
    ),
    path("review/targets/new/", target_create, name="review_target_create"),
    path("review/targets/<int:pk>/", target_edit, name="review_target_edit"),
    path("review/targets/<int:pk>/progress/", target_progress, name="review_target_progress"),
    path("review/units/<int:unit_id>/", review_unit, name="review_unit"),
]
