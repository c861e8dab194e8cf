"""The bulletin's pages: the list (and a new draft), one bulletin (internal or public version,
its progress while drafted, its workflow, who has confirmed reading), the Word and PDF files."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from jianfu.core import clock, scope
from jianfu.core.errors import DomainError

from . import charts, output, periods, queries, services
from .models import Kind, Status

ACTIONS = {
    "submit": (services.bulletin_submit, "bulletins.bulletin:draft", _lazy("已提交审核。")),
    "return": (services.bulletin_return, "bulletins.bulletin:approve", _lazy("已退回修改。")),
    "approve": (services.bulletin_approve, "bulletins.bulletin:approve", _lazy("已审核通过。")),
    "publish": (
        services.bulletin_publish,
        "bulletins.bulletin:draft",
        _lazy("已发布，已通知各单位。"),
    ),
    "regenerate": (
        services.bulletin_regenerate,
        "bulletins.bulletin:draft",
        _lazy("正在重新生成。"),
    ),
    "confirm": (services.receipt_confirm, "bulletins.bulletin:confirm", _lazy("已确认阅读。")),
}


def _period_from(post) -> tuple[dt.date, dt.date, str]:
    kind = post.get("kind", Kind.MONTHLY)
    try:
        if kind == Kind.QUARTERLY:
            year, q = int(post.get("year", "")), int(post.get("quarter", ""))
            return periods.quarter(year, q)
        if kind == Kind.SPECIAL:
            start = dt.date.fromisoformat(post.get("start", ""))
            end = dt.date.fromisoformat(post.get("end", ""))
            return periods.span(start, end)
        year, month = (int(x) for x in post.get("month", "").split("-"))
        return periods.month(year, month)
    except (ValueError, KeyError, TypeError):
        raise DomainError("bulletin.period", _("请选择通报的期间。")) from None


@login_required
def bulletin_list(request):
    scope.require(request.user, queries.VIEW)
    can_draft = scope.can(request.user, queries.DRAFT)
    if request.method == "POST" and can_draft:
        kind = request.POST.get("kind", Kind.MONTHLY)
        if kind not in Kind.values:
            kind = Kind.MONTHLY
        try:
            start, end, label = _period_from(request.POST)
            b = services.bulletin_create(
                by=request.user,
                kind=kind,
                start=start,
                end=end,
                label=label,
                title=request.POST.get("title", "").strip(),
            )
        except DomainError as e:
            messages.error(request, str(e.message))
        else:
            return redirect("bulletin_detail", b.pk)
    today = clock.today()
    last_start, _end, _label = periods.previous("monthly", today)
    return render(
        request,
        "bulletins/list.html",
        {
            "bulletins": queries.listing(request.user)[:200],
            "can_draft": can_draft,
            "staff": queries.is_staff(request.user),
            "default_month": f"{last_start:%Y-%m}",
            "this_year": today.year,
            "kinds": Kind.choices,
        },
    )


def _context(request, b) -> dict:
    public = request.GET.get("version") == "public"
    staff = queries.is_staff(request.user)
    return {
        "b": b,
        "public": public,
        "sections": charts.with_charts(queries.links_for(request.user, queries.version(b, public))),
        "staff": staff,
        "can_draft": scope.can(request.user, queries.DRAFT),
        "can_approve": scope.can(request.user, queries.APPROVE),
        "reading": queries.reading(b) if staff and b.published else None,
        "receipt": queries.my_receipt(b, request.user),
        "running": b.status == Status.GENERATING,
        "editable": b.status in (Status.DRAFT, Status.FAILED),
        "S": Status,
        "office_available": output.libreoffice() is not None,
    }


@login_required
def bulletin_detail(request, pk: int):
    b = queries.bulletin_for(request.user, pk)
    ctx = _context(request, b)
    if request.htmx and request.GET.get("part") == "progress":
        response = render(request, "bulletins/detail.html#progress", ctx)
        if not ctx["running"]:
            response["HX-Refresh"] = "true"  # drafted: show the whole page
        return response
    return render(request, "bulletins/detail.html", ctx)


@login_required
@require_POST
def bulletin_act(request, pk: int, action: str):
    b = queries.bulletin_for(request.user, pk)
    if action not in ACTIONS:
        return redirect("bulletin_detail", b.pk)
    service, perm, done = ACTIONS[action]
    scope.require(request.user, perm)
    try:
        service(bulletin=b, by=request.user)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, str(done))
    return redirect("bulletin_detail", b.pk)


@login_required
def bulletin_edit(request, pk: int):
    b = queries.bulletin_for(request.user, pk)
    scope.require(request.user, queries.DRAFT)
    if request.method == "POST":
        try:
            services.bulletin_edit(
                bulletin=b,
                by=request.user,
                title=request.POST.get("title", ""),
                number=request.POST.get("number", ""),
                foreword=request.POST.get("foreword", ""),
                closing=request.POST.get("closing", ""),
            )
        except DomainError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("已保存。"))
            return redirect("bulletin_detail", b.pk)
    return render(request, "bulletins/edit.html", {"b": b})


@login_required
@require_POST
def bulletin_line(request, pk: int):
    b = queries.bulletin_for(request.user, pk)
    scope.require(request.user, queries.DRAFT)
    try:
        services.bulletin_line_public(
            bulletin=b,
            by=request.user,
            section=request.POST.get("section", ""),
            index=int(request.POST.get("index", "-1") or -1),
            public=request.POST.get("public") == "1",
        )
    except (DomainError, ValueError) as e:
        messages.error(request, str(getattr(e, "message", _("没有这一条。"))))
    return redirect(reverse("bulletin_detail", args=[b.pk]) + "#" + request.POST.get("section", ""))


def _download(request, pk: int, fmt: str):
    b = queries.bulletin_for(request.user, pk)
    public = request.GET.get("version") == "public"
    if not b.content:
        messages.error(request, _("通报还没有内容。"))
        return redirect("bulletin_detail", b.pk)
    name = f"{b.title}{'（公开版）' if public else ''}"
    if fmt == "docx":
        data = output.docx_bytes(b, public=public)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        try:
            data = output.pdf_bytes(b, public=public)
        except output.OfficeMissing as e:
            messages.error(request, str(e))
            return redirect("bulletin_detail", b.pk)
        ctype = "application/pdf"
    response = HttpResponse(data, content_type=ctype)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


@login_required
def bulletin_docx(request, pk: int):
    return _download(request, pk, "docx")


@login_required
def bulletin_pdf(request, pk: int):
    return _download(request, pk, "pdf")
