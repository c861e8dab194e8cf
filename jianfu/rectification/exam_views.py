"""The negative list (负面清单) and self-examination (自查) pages.

The office keeps the province's list (by hand or from Excel), publishes it, and opens rounds over
its units; a unit's contact answers every item on one page; the office sees who has not finished.

Thin: lists are the province's, not a unit's, so the code alone gates them; rounds are reached
through their scope unit and participations through their unit (scope.get_for: 404 outside the
account's units, 403 without the code). Writes go through exams.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from jianfu.core import clock, excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.forms import UploadForm
from jianfu.core.imports import job_views as import_views

from . import exams, list_import, queries
from .exam_forms import ItemForm, NegativeListCopyForm, NegativeListForm, RoundForm
from .io_views import run_import
from .models import Answer, NegativeList, Participation, Problem

VIEW = queries.LIST_VIEW
MANAGE = exams.MANAGE
ANSWER = exams.ANSWER
PER_PAGE = 100


def _apply_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Negative lists -------------------------------------------------------------------------------


@login_required
def negative_list_list(request):
    s = scope.require(request.user, VIEW)
    return render(
        request,
        "rectification/list_list.html",
        {"lists": queries.negative_lists(request.user), "can_manage": s.can(MANAGE)},
    )


@login_required
def negative_list_create(request):
    scope.require(request.user, MANAGE)
    form = NegativeListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            nl = exams.list_create(by=request.user, **form.cleaned_data)
        except DomainError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("清单已建立。请逐项添加事项，或从 Excel 导入。"))
            return redirect("negative_list_detail", pk=nl.pk)
    return render(
        request,
        "rectification/list_form.html",
        {"form": form, "title": _("新建负面清单")},
        status=400 if form.errors else 200,
    )


@login_required
def negative_list_copy(request, pk):
    scope.require(request.user, MANAGE)
    source = queries.negative_list_for(request.user, pk)
    form = NegativeListCopyForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            nl = exams.list_new_version(by=request.user, source=source, **form.cleaned_data)
        except DomainError as e:
            _apply_error(form, e)
        else:
            messages.success(
                request,
                _("已新建版本 %(y)s v%(v)s（草稿），原清单保持不变。")
                % {"y": nl.year, "v": nl.version},
            )
            return redirect("negative_list_detail", pk=nl.pk)
    return render(
        request,
        "rectification/list_form.html",
        {"form": form, "title": _("新建版本"), "source": source},
        status=400 if form.errors else 200,
    )


def _detail(request, nl: NegativeList, *, add_form=None, status=200):
    s = scope.scope_of(request.user)
    editable = not nl.is_published and s.can(MANAGE)
    groups = queries.items_by_category(nl)
    if add_form is None and editable:
        last = groups[-1][0] if groups else ""
        add_form = ItemForm(
            initial={"number": queries.next_number(nl), "category": last}, auto_id="add_%s"
        )
    return render(
        request,
        "rectification/list_detail.html",
        {
            "nl": nl,
            "groups": groups,
            "item_count": sum(len(items) for _c, items in groups),
            "categories": [c for c, _items in groups],
            "editable": editable,
            "can_manage": s.can(MANAGE),
            "add_form": add_form,
            "rounds": queries.rounds_of_list(nl, request.user),
        },
        status=status,
    )


@login_required
def negative_list_detail(request, pk):
    """The list's items by category; in a draft, POST adds an item."""
    nl = queries.negative_list_for(request.user, pk)
    if request.method != "POST":
        return _detail(request, nl)
    scope.require(request.user, MANAGE)
    form = ItemForm(request.POST, auto_id="add_%s")
    if form.is_valid():
        try:
            item = exams.item_save(by=request.user, negative_list=nl, data=form.cleaned_data)
        except DomainError as e:
            if e.code == "published":
                messages.error(request, str(e.message))
                return redirect("negative_list_detail", pk=nl.pk)
            _apply_error(form, e)
        else:
            messages.success(request, _("已添加第 %(n)s 项。") % {"n": item.number})
            return redirect(reverse("negative_list_detail", args=[nl.pk]) + "#add-item")
    return _detail(request, nl, add_form=form, status=400)


def _item(request, pk, item_id):
    nl = queries.negative_list_for(request.user, pk)
    scope.require(request.user, MANAGE)
    item = nl.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    return nl, item


@login_required
def negative_item_edit(request, pk, item_id):
    """One item's form: inline in the list with htmx (the row becomes the form and back), a page
    of its own without JS."""
    nl, item = _item(request, pk, item_id)
    if nl.is_published:
        messages.error(request, _("该清单已发布，不能再修改；请新建版本。"))
        url = reverse("negative_list_detail", args=[nl.pk])
        # An htmx swap would put the whole page into the row: reload the page instead.
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    form = ItemForm(request.POST or None, initial=_item_data(item), auto_id=f"item{item.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            item = exams.item_save(
                by=request.user, negative_list=nl, data=form.cleaned_data, item_id=item.pk
            )
        except DomainError as e:
            _apply_error(form, e)
        else:
            if request.htmx:
                ctx = {"nl": nl, "item": item, "editable": True}
                return render(request, "rectification/list_detail.html#item", ctx)
            messages.success(request, _("第 %(n)s 项已保存。") % {"n": item.number})
            return redirect(reverse("negative_list_detail", args=[nl.pk]) + f"#item-{item.pk}")
    ctx = {"nl": nl, "item": item, "form": form, "categories": _categories(nl)}
    if request.htmx:
        # The swap shows the errors (htmx does not swap a 4xx answer by default).
        if request.GET.get("cancel"):
            ctx["editable"] = True
            return render(request, "rectification/list_detail.html#item", ctx)
        return render(request, "rectification/list_detail.html#item_form", ctx)
    return render(
        request, "rectification/list_item_form.html", ctx, status=400 if form.errors else 200
    )


def _item_data(item) -> dict:
    return {k: getattr(item, k) for k in ("number", "category", "title", "explanation")}


def _categories(nl: NegativeList) -> list[str]:
    categories = nl.items.order_by("position", "pk").values_list("category", flat=True)
    return list(dict.fromkeys(categories))


@login_required
@require_POST
def negative_item_delete(request, pk, item_id):
    nl, item = _item(request, pk, item_id)
    try:
        exams.item_delete(by=request.user, negative_list=nl, item_id=item.pk)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("第 %(n)s 项已删除。") % {"n": item.number})
    return redirect("negative_list_detail", pk=nl.pk)


@login_required
@require_POST
def negative_list_publish(request, pk):
    nl = queries.negative_list_for(request.user, pk)
    scope.require(request.user, MANAGE)
    try:
        exams.list_publish(by=request.user, negative_list=nl)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("清单已发布，可以对照它发起自查。发布后不能再修改。"))
    return redirect("negative_list_detail", pk=nl.pk)


@login_required
@import_views.upload_page
def negative_list_import(request, pk):
    nl = queries.negative_list_for(request.user, pk)
    scope.require(request.user, MANAGE)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if nl.is_published:
        errors = [excel.SheetError(None, None, _("该清单已发布，不能再导入；请新建版本。"))]
    elif request.method == "POST" and form.is_valid():
        parsed, errors = run_import(
            list_import.import_items, form.cleaned_data["file"], by=request.user, negative_list=nl
        )
        if parsed is not None:
            messages.success(
                request,
                _("导入完成：共 %(n)s 项，%(c)s 个类别。")
                % {"n": len(parsed.rows), "c": parsed.categories}
                + excel.skipped_examples(list(parsed.examples)),
            )
            return redirect("negative_list_detail", pk=nl.pk)
    return render(
        request,
        "rectification/list_import.html",
        {
            "nl": nl,
            "form": form,
            "errors": errors,
            "item_count": nl.items.count(),
            "columns": list_import.COLUMNS,
        },
        status=400 if errors and request.method == "POST" else 200,
    )


@login_required
def negative_list_template(request):
    scope.require(request.user, MANAGE)
    return excel.xlsx_response(list_import.template(), _("负面清单导入模板") + ".xlsx")


# --- Rounds (the office) --------------------------------------------------------------------------


@login_required
def round_list(request):
    s = scope.require(request.user, VIEW)
    rounds = queries.rounds_for(request.user)
    # ?status=open: the rounds not finished yet (where the home page's count leads).
    open_only = request.GET.get("status") == "open"
    if open_only:
        rounds = rounds.filter(closed_at__isnull=True)
    page = Paginator(rounds, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "rectification/round_list.html",
        {
            "page": page,
            "today": clock.today(),
            "can_manage": s.can(MANAGE),
            "open_only": open_only,
        },
    )


@login_required
def round_create(request):
    scope.require(request.user, MANAGE)
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rnd = exams.round_open(
                by=request.user,
                negative_list=d["negative_list"],
                title=d["title"],
                scope_unit_id=int(d["scope_unit"]),
                deadline=d["deadline"],
                unit_kinds=d["unit_kinds"],
            )
        except DomainError as e:
            _apply_error(form, e)
        else:
            messages.success(
                request,
                _("已发起自查，共 %(n)s 个单位参加。") % {"n": rnd.participations.count()},
            )
            return redirect("round_detail", pk=rnd.pk)
    return render(
        request,
        "rectification/round_form.html",
        {"form": form, "has_lists": form.fields["negative_list"].queryset.exists()},
        status=400 if form.errors else 200,
    )


@login_required
def round_detail(request, pk):
    rnd = queries.round_for(request.user, pk)
    counties = queries.round_counties(rnd)
    county = next((c for c in counties if c.pk == _int(request.GET.get("county"))), None)
    status = request.GET.get("status", "")
    if status not in ("pending", "submitted"):
        status = ""
    rows = queries.round_units(rnd, county=county, status=status)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "rectification/round_detail.html",
        {
            "round": rnd,
            "summary": queries.round_summary(rnd),
            "page": page,
            "counties": counties,
            "county": county,
            "status": status,
            "overdue": rnd.is_open and rnd.deadline < clock.today(),
            "can_manage": scope.can(request.user, MANAGE),
        },
    )


@login_required
@require_POST
def round_close(request, pk):
    rnd = queries.round_for(request.user, pk, perm=MANAGE)
    exams.round_close(by=request.user, round=rnd)
    pending = rnd.total - rnd.submitted
    messages.success(
        request,
        _("本轮自查已结束；%(n)s 个单位未提交。") % {"n": pending}
        if pending
        else _("本轮自查已结束，全部单位已提交。"),
    )
    return redirect("round_detail", pk=rnd.pk)


# --- Answering (the units) ------------------------------------------------------------------------


@login_required
def exam_home(request):
    scope.require(request.user, ANSWER)
    current = queries.exam_participations(request.user)
    rounds: dict[int, dict] = {}
    for p in current:
        r = rounds.setdefault(p.round_id, {"round": p.round, "rows": []})
        r["rows"].append(p)
    return render(
        request,
        "rectification/exam_home.html",
        {
            "rounds": list(rounds.values()),
            "past": queries.exam_participations(request.user, open_rounds=False),
            "today": clock.today(),
        },
    )


def _answers_from(post, items) -> dict[int, tuple[str, str]]:
    return {i.pk: (post.get(f"a{i.pk}", "").strip(), post.get(f"e{i.pk}", "")) for i in items}


def _exam_page(request, p: Participation, *, typed=None, error=None, status=200):
    """The answer sheet: every item by category, what is stored (or what was just typed, when a
    save was refused), editable while the round is open and the unit has not submitted."""
    stored = queries.answers_of(p)
    editable = p.submitted_at is None and p.round.is_open and scope.can(request.user, ANSWER)
    groups = []
    answered = 0
    first_error = None
    for category, items in queries.items_by_category(p.round.negative_list):
        rows = []
        for item in items:
            a = stored.get(item.pk)
            if typed is not None:
                answer, explanation = typed.get(item.pk, ("", ""))
            else:
                answer, explanation = (a.answer, a.explanation) if a else ("", "")
            answered += bool(answer)
            marked = bool(error and (error.get(item.pk) or (error.get("missing") and not answer)))
            if marked and first_error is None:
                first_error = item.pk
            rows.append(
                {
                    "item": item,
                    "answer": answer,
                    "explanation": explanation,
                    "label": Answer(answer).label if answer in Answer.values else "",
                    "stored": a,
                    "error": error.get(item.pk) if error else None,
                    "missing": bool(error and error.get("missing") and not answer),
                }
            )
        groups.append((category, rows))
    total = sum(len(rows) for _c, rows in groups)
    # unscoped: the problems of a participation already checked
    problems = Problem.objects.filter(exam_answer__participation=p).count() if p.submitted_at else 0
    return render(
        request,
        "rectification/exam_answer.html",
        {
            "p": p,
            "round": p.round,
            "groups": groups,
            "answered": answered,
            "total": total,
            "editable": editable,
            "problems": problems,
            "message": error.get("message") if error else "",
            "first_error": first_error,
            "choices": Answer.choices,
            "overdue": p.round.deadline < clock.today(),
            "can_manage": scope.can(request.user, MANAGE),
        },
        status=status,
    )


@login_required
def exam_answer(request, pk):
    p = queries.participation_for(request.user, pk)
    if request.method != "POST":
        return _exam_page(request, p)
    scope.require(request.user, ANSWER)
    items = list(p.round.negative_list.items.all())
    typed = _answers_from(request.POST, items)
    submit = request.POST.get("action") == "submit"
    try:
        if submit:
            problems = exams.exam_submit(by=request.user, participation_id=p.pk, answers=typed)
        else:
            exams.exam_save(by=request.user, participation_id=p.pk, answers=typed)
    except DomainError as e:
        if e.code in ("submitted", "closed"):
            messages.error(request, str(e.message))
            return redirect("exam_answer", pk=p.pk)
        return _exam_page(
            request, p, typed=typed, error=_error_marks(e, items), status=e.status or 400
        )
    if submit:
        messages.success(
            request,
            _("自查结果已提交。根据自查结果登记了 %(n)s 个问题。") % {"n": len(problems)}
            if problems
            else _("自查结果已提交，未发现问题。"),
        )
    else:
        done = sum(1 for answer, _e in typed.values() if answer)
        messages.success(
            request,
            _("已暂存（已作答 %(a)s / %(t)s 项）。全部作答后请点击“提交”。")
            % {"a": done, "t": len(items)},
        )
        loose = [i.number for i in items if not typed[i.pk][0] and typed[i.pk][1].strip()]
        if loose:
            messages.warning(
                request,
                _("第 %(list)s 项写了情况说明但未选择自查结果，这些说明没有保存。")
                % {"list": "、".join(loose[:20])},
            )
    return redirect("exam_answer", pk=p.pk)


def _error_marks(e: DomainError, items) -> dict:
    """Where the refusal points: the item its field names (a<id>/e<id>), or every unanswered
    item when the refusal is about those."""
    marks: dict = {"message": str(e.message)}
    if e.field and e.field[:1] in ("a", "e") and e.field[1:].isdigit():
        marks[int(e.field[1:])] = str(e.message)
    if e.code == "unanswered":
        marks["missing"] = True
    return marks


urlpatterns = [
    path("lists/", negative_list_list, name="negative_list_list"),
    path("lists/new/", negative_list_create, name="negative_list_create"),
    path("lists/template.xlsx", negative_list_template, name="negative_list_template"),
    path("lists/<int:pk>/", negative_list_detail, name="negative_list_detail"),
    path("lists/<int:pk>/import/", negative_list_import, name="negative_list_import"),
    path("lists/<int:pk>/publish/", negative_list_publish, name="negative_list_publish"),
    path("lists/<int:pk>/copy/", negative_list_copy, name="negative_list_copy"),
    path("lists/<int:pk>/items/<int:item_id>/edit/", negative_item_edit, name="negative_item_edit"),
    path(
        "lists/<int:pk>/items/<int:item_id>/delete/",
        negative_item_delete,
        name="negative_item_delete",
    ),
    path("rounds/", round_list, name="round_list"),
    path("rounds/new/", round_create, name="round_create"),
    path("rounds/<int:pk>/", round_detail, name="round_detail"),
    path("rounds/<int:pk>/close/", round_close, name="round_close"),
    path("exams/", exam_home, name="exam_home"),
    path("exams/<int:pk>/", exam_answer, name="exam_answer"),
]
