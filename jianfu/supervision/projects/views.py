"""Key projects' pages: the list with its filters (category, owner, health), one project's page
(figures, milestones, money by month, the deal, the signals raised), the forms a unit's contact
fills (start, money, milestones, what has arrived of a deal), the office's project and deal forms,
the import, and the site-visit preparation (观摩) with its Excel export.

Thin: every project is reached through queries (scope.visible / scope.get_for: 404 outside the
account's units, 403 without the code); every write goes through services, whose DomainErrors land
on the form field they name.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from jianfu.core import clock, excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.signals import display

from . import health, queries, services
from .forms import (
    ArrivalForm,
    DealForm,
    MilestoneDoneForm,
    MilestoneForm,
    MoneyForm,
    ProjectForm,
    StartForm,
    StatusForm,
)
from .models import Milestone, ProjectStatus
from .services import EDIT, MANAGE, VIEW

PER_PAGE = 50
VISIT_MAX = 200


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ids(request) -> list[int]:
    out = []
    for v in request.GET.getlist("ids"):
        i = _int(v)
        if i is not None and i not in out:
            out.append(i)
    return out[:VISIT_MAX]


def _refused(form, e: DomainError) -> None:
    form.add_error(e.field if e.field in form.fields else None, str(e.message))


def _health_options():
    return [
        (queries.HEALTH_TROUBLED, _("有预警")),
        (queries.HEALTH_CLEAN, _("无预警")),
        *[(r.code, str(r.label)) for r in health.RULES],
    ]


# --- The list -------------------------------------------------------------------------------------


@login_required
def project_list(request):
    user = request.user
    scope.require(user, VIEW)
    g = request.GET
    owners = queries.owners(user)
    unit = next((u for u in owners if u.pk == _int(g.get("unit"))), None)
    categories = queries.categories()
    category = next((c for c in categories if c.pk == _int(g.get("category"))), None)
    health_filter = g.get("health", "")
    if health_filter not in dict(_health_options()):
        health_filter = ""
    q = (g.get("q") or "").strip()[:50]
    qs = queries.filtered(
        user,
        category=category.pk if category else None,
        unit=unit,
        health_filter=health_filter,
        q=q,
    )
    page = Paginator(qs, PER_PAGE).get_page(g.get("page"))
    rows = list(page)
    figures = queries.figures(rows)
    signals = queries.signals_by_project([p.pk for p in rows])
    for p in rows:
        p.fig = figures[p.pk]
        p.signals = display.decorate(signals.get(p.pk, []))
    return render(
        request,
        "supervision/projects/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": {
                "unit": str(unit.pk) if unit else "",
                "category": str(category.pk) if category else "",
                "health": health_filter,
                "q": q,
            },
            "unit_options": [(str(u.pk), u.name) for u in owners],
            "category_options": [(str(c.pk), c.name) for c in categories],
            "health_options": _health_options(),
            "can_manage": scope.can(user, MANAGE),
        },
    )


# --- One project ----------------------------------------------------------------------------------


@login_required
def project_detail(request, pk):
    user = request.user
    p = queries.project(user, pk)
    fig = queries.figures([p])[p.pk]
    signals = display.decorate(queries.signals_by_project([p.pk]).get(p.pk, []))
    may_edit = scope.can(user, EDIT)
    return render(
        request,
        "supervision/projects/detail.html",
        {
            "p": p,
            "fig": fig,
            "deal": fig["deal"],
            "milestones": queries.milestones(p),
            "months": queries.months(p),
            "starts": queries.starts(p),
            "signals": signals,
            "can_manage": scope.can(user, MANAGE),
            "can_edit": may_edit,
            "can_signals": scope.can(user, "signals.signal:view"),
            "today": clock.today(),
        },
    )


def _form_page(request, p, form, title: str, *, note: str = ""):
    return render(
        request,
        "supervision/projects/form.html",
        {
            "p": p,
            "form": form,
            "title": title,
            "note": note,
            "back": reverse("project_detail", args=[p.pk]) if p else reverse("project_list"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def project_create(request):
    user = request.user
    form = ProjectForm(request.POST or None, principal=user, perm=MANAGE)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            p = services.project_create(
                by=user,
                unit_id=d["unit"].pk,
                category_id=d["category"].pk,
                name=d["name"],
                location=d["location"],
                total_investment=d["total_investment"] or 0,
                planned_start=d["planned_start"],
                note=d["note"],
            )
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已登记重点项目“%(n)s”。") % {"n": p.name})
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, None, form, _("登记重点项目"))


@login_required
def project_edit(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, MANAGE)
    initial = {
        "unit": p.unit,
        "category": p.category,
        "name": p.name,
        "location": p.location,
        "total_investment": p.total_investment,
        "planned_start": p.planned_start,
        "note": p.note,
    }
    form = ProjectForm(request.POST or None, initial=initial, principal=user, perm=MANAGE)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.project_update(
                by=user,
                project=p,
                unit_id=d["unit"].pk,
                category_id=d["category"].pk,
                name=d["name"],
                location=d["location"],
                total_investment=d["total_investment"] or 0,
                planned_start=d["planned_start"],
                note=d["note"],
            )
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("修改项目"))


@login_required
def project_start(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    form = StartForm(request.POST or None, initial={"started_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.project_record_start(
                by=user,
                project=p,
                started_on=form.cleaned_data["started_on"],
                note=form.cleaned_data["note"],
            )
        except DomainError as e:
            _refused(form, e)
        else:
            if event.repeated:
                messages.warning(request, _("该项目此前已报告开工，本次记为重复开工。"))
            else:
                messages.success(request, _("已报告开工。"))
            return redirect("project_detail", pk=p.pk)
    note = (
        _("该项目已于 %(d)s 开工；再次报告将记为重复开工。") % {"d": p.actual_start}
        if p.actual_start
        else ""
    )
    return _form_page(request, p, form, _("报告开工"), note=note)


@login_required
def project_status(request, pk):
    """Completed (竣工) or suspended (停工), or back under construction."""
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    form = StatusForm(request.POST or None, initial={"status": p.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.project_set_status(by=user, project=p, status=form.cleaned_data["status"])
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("项目状态"))


@login_required
def project_money(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    month = clock.today().replace(day=1)
    row = next((m for m in queries.months(p) if m.month == month), None)
    initial = {
        "month": month,
        "planned": row.planned if row else "",
        "arrived": row.arrived if row else "",
    }
    form = MoneyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.money_record(
                by=user, project=p, month=d["month"], planned=d["planned"], arrived=d["arrived"]
            )
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(
                request, _("已保存 %(m)s 的投资情况。") % {"m": d["month"].strftime("%Y-%m")}
            )
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("填报月度投资"))


@login_required
def milestone_add(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_add(by=user, project=p, **form.cleaned_data)
        except DomainError as e:
            _refused(form, e)
        else:
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("添加节点"))


@login_required
def milestone_done(request, pk, milestone_id):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    m = scope.get_for(
        Milestone.objects.filter(project=p),
        user,
        milestone_id,
        perm=EDIT,
        unit_field="project__unit",
    )
    form = MilestoneDoneForm(request.POST or None, initial={"done_on": m.done_on or clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_done(by=user, milestone=m, done_on=form.cleaned_data["done_on"])
        except DomainError as e:
            _refused(form, e)
        else:
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("节点“%(n)s”完成情况") % {"n": m.name})


@login_required
def deal_edit(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, MANAGE)
    deal = queries.deal(p)
    initial = (
        {
            "investor": deal.investor,
            "signed_on": deal.signed_on,
            "amount_signed": deal.amount_signed,
            "amount_arrived": deal.amount_arrived,
            "arrival_note": deal.arrival_note,
        }
        if deal
        else {}
    )
    form = DealForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.deal_sign(
                by=user,
                project=p,
                signed_on=d["signed_on"],
                amount_signed=d["amount_signed"],
                investor=d["investor"],
                amount_arrived=d["amount_arrived"] or None,
                arrival_note=d["arrival_note"],
            )
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存招商引资签约。"))
            return redirect("project_detail", pk=p.pk)
    return _form_page(request, p, form, _("招商引资签约"))


@login_required
def deal_arrival(request, pk):
    user = request.user
    p = queries.project(user, pk)
    scope.require(user, EDIT)
    deal = queries.deal(p)
    initial = (
        {"amount_arrived": deal.amount_arrived, "arrival_note": deal.arrival_note} if deal else {}
    )
    form = ArrivalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_arrival(
                by=user,
                project=p,
                amount_arrived=form.cleaned_data["amount_arrived"],
                note=form.cleaned_data["arrival_note"],
            )
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("已保存到位金额。"))
            return redirect("project_detail", pk=p.pk)
    note = (
        _("签约金额 %(s)s 万元，签约日期 %(d)s。") % {"s": deal.amount_signed, "d": deal.signed_on}
        if deal
        else _("该项目没有招商引资签约记录。")
    )
    return _form_page(request, p, form, _("填报到位金额"), note=note)


# --- Site-visit preparation -----------------------------------------------------------------------


def _visit_rows(user, ids):
    projects = queries.visit_list(user, ids)
    figures = queries.figures(projects)
    signals = queries.signals_by_project([p.pk for p in projects])
    for p in projects:
        p.fig = figures[p.pk]
        p.signals = display.decorate(signals.get(p.pk, []))
    return projects


@login_required
def project_visit(request):
    """The projects chosen on the list (?ids=…), with their figures: the site visit's list."""
    user = request.user
    scope.require(user, VIEW)
    ids = _ids(request)
    rows = _visit_rows(user, ids)
    return render(
        request,
        "supervision/projects/visit.html",
        {
            "rows": rows,
            "query": "&".join(f"ids={p.pk}" for p in rows),
        },
    )


VISIT_HEADERS = (
    "序号",
    "项目名称",
    "责任单位",
    "类别",
    "建设地点",
    "状态",
    "计划开工日期",
    "实际开工日期",
    "计划总投资（万元）",
    "累计到位资金（万元）",
    "资金到位占比（%）",
    "节点完成",
    "签约日期",
    "签约金额（万元）",
    "签约到位金额（万元）",
    "预警",
)


@login_required
def project_visit_export(request):
    user = request.user
    scope.require(user, VIEW)
    rows = _visit_rows(user, _ids(request))
    data = []
    for i, p in enumerate(rows, 1):
        f, deal = p.fig, p.fig["deal"]
        data.append(
            [
                i,
                p.name,
                p.unit.name,
                p.category.name,
                p.location,
                str(ProjectStatus(p.status).label),
                p.planned_start,
                p.actual_start,
                float(p.total_investment),
                float(f["arrived"]),
                f["money_pct"],
                f"{f['done']}/{f['milestones']}",
                deal.signed_on if deal else None,
                float(deal.amount_signed) if deal else None,
                float(deal.amount_arrived) if deal else None,
                "；".join(s.headline for s in p.signals),
            ]
        )
    book = excel.write_workbook(
        [
            (
                str(_("观摩项目")),
                list(VISIT_HEADERS),
                [[excel.neutralise(v) for v in r] for r in data],
            )
        ],
        widths={(0, "B"): 30, (0, "C"): 16, (0, "E"): 24, (0, "P"): 60},
    )
    return excel.xlsx_response(book, f"观摩项目-{clock.today().isoformat()}.xlsx")


urlpatterns = [
    path("projects/", project_list, name="project_list"),
    path("projects/new/", project_create, name="project_create"),
    path(
        "projects/import/",
        import_views.upload,
        {"kind": "supervision.projects"},
        name="project_import",
    ),
    path("projects/visit/", project_visit, name="project_visit"),
    path("projects/visit.xlsx", project_visit_export, name="project_visit_export"),
    path("projects/<int:pk>/", project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    path("projects/<int:pk>/start/", project_start, name="project_start"),
    path("projects/<int:pk>/status/", project_status, name="project_status"),
    path("projects/<int:pk>/money/", project_money, name="project_money"),
    path("projects/<int:pk>/milestones/new/", milestone_add, name="project_milestone_add"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/",
        milestone_done,
        name="project_milestone_done",
    ),
    path("projects/<int:pk>/deal/", deal_edit, name="project_deal"),
    path("projects/<int:pk>/deal/arrival/", deal_arrival, name="project_deal_arrival"),
]
