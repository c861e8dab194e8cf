"""The clue ledger's pages: the public report page and status lookup (no login), the commission's
ledger and a clue's page (the informant behind a POST, audited), the subject unit's referred
clues (no informant anywhere), the sample-point reports and open signals that can become clues.

Thin: clues are reached through queries.clue_for (404 outside the account's units, and for a unit
before referral); every write goes through services, whose DomainErrors are shown with what the
person typed kept.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianfu.core import audit, excel, files, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import views as import_views
from jianfu.core.models import Unit, UnitKind
from jianfu.core.scope_guard import unscoped

from . import config, queries, services
from .models import Clue, ClueCategory, ClueChannel, ClueFile, ClueStatus

PUBLIC_STATUS_LABELS = {
    "received": gettext_lazy("已收到，正在受理"),
    "handling": gettext_lazy("正在处置"),
    "passed_on": gettext_lazy("已按规定转有管辖权的机关办理"),
    "closed": gettext_lazy("已办结"),
}


# The kinds the public page suggests: the units that send work down. A village, school or
# enterprise is still found when typed by name or code; listing a province's 30,000 of them made
# the page two megabytes.
SUGGESTED_KINDS = [
    k for k in UnitKind if k not in {UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE}
]


def _open_units():
    # unscoped: the public page names units without an account; open units only
    return Unit.objects.filter(valid_until__isnull=True)  # unscoped: public unit list


def _units_for_public() -> list[dict]:
    with unscoped():
        rows = _open_units().filter(kind__in=SUGGESTED_KINDS).order_by("path")
        return list(rows.values("name", "code"))


def _unit_from_choice(typed: str) -> int:
    """The unit the text names: "名称（代码）" as the list offers it, or a code, or a name that
    only one open unit bears (a shared name such as 城关镇 needs the code)."""
    typed = (typed or "").strip()[:200]
    if not typed:
        raise DomainError(
            "bad_unit", _("请从列表中选择被反映单位（可输入名称搜索）。"), field="unit"
        )
    value = typed[:-1].rsplit("（", 1)[1] if typed.endswith("）") and "（" in typed else typed
    with unscoped():
        found = list(
            _open_units().filter(Q(code=value) | Q(name=value)).values_list("pk", "code")[:2]
        )
    by_code = [pk for pk, code in found if code == value]
    if by_code or len(found) == 1:
        return (by_code or [found[0][0]])[0]
    if found:
        raise DomainError(
            "bad_unit",
            _("有多个单位名为“%(v)s”，请从列表中选择，或填写单位代码。") % {"v": typed},
            field="unit",
        )
    raise DomainError(
        "bad_unit", _("没有找到单位“%(v)s”，请从列表中选择。") % {"v": typed}, field="unit"
    )


def _informant_from(post) -> dict | None:
    data = {k: post.get(f"informant_{k}", "") for k in services.INFORMANT_FIELDS}
    return data if any(v.strip() for v in data.values()) else None


def report(request):
    """The public page: anyone reports a problem, anonymously or by real name."""
    units = _units_for_public()
    ctx = {"units": units, "categories": ClueCategory.choices, "data": {}, "error": None}
    if request.method != "POST":
        return render(request, "accountability/clues/public_report.html", ctx)
    post = request.POST
    ctx["data"] = post
    try:
        unit_id = _unit_from_choice(post.get("unit", ""))
        clue = services.public_report(
            ip=audit.client_ip(request),
            subject_unit_id=unit_id,
            category=post.get("category", ""),
            text=post.get("text", ""),
            subject_person=post.get("subject_person", ""),
            informant=_informant_from(post),
            real_name=post.get("real_name") == "1",
            files=files.read_uploads(request, "files"),
        )
    except DomainError as e:
        ctx["error"] = e
        return render(request, "accountability/clues/public_report.html", ctx, status=e.status)
    return render(
        request,
        "accountability/clues/public_receipt.html",
        {"receipt_no": clue.receipt_no, "code": clue.query_code},
    )


def report_status(request):
    """The informant's status lookup: the receipt number and query code give the status only."""
    ctx = {"data": request.POST if request.method == "POST" else {}, "result": None}
    if request.method == "POST":
        clue = queries.public_status(request.POST.get("receipt_no"), request.POST.get("code"))
        if clue is None:
            ctx["error"] = _("受理编号或查询码不正确，请核对后重试。")
            return render(request, "accountability/clues/public_status.html", ctx, status=404)
        ctx["result"] = {
            "receipt_no": clue.receipt_no,
            "received_at": clue.received_at,
            "status": PUBLIC_STATUS_LABELS[queries.PUBLIC_STATUS[clue.status]],
        }
    return render(request, "accountability/clues/public_status.html", ctx)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def clue_list(request):
    g = request.GET
    try:
        unit_id = int(g.get("unit") or 0) or None
    except ValueError:
        unit_id = None
    f = queries.Filters(
        channel=g.get("channel", "") if g.get("channel") in ClueChannel.values else "",
        status=g.get("status", "") if g.get("status") in ClueStatus.values else "",
        category=g.get("category", "") if g.get("category") in ClueCategory.values else "",
        unit_id=unit_id,
        start=_date(g.get("start", "")),
        end=_date(g.get("end", "")),
    )
    rows = queries.ledger(request.user, f)
    units = scope.visible(Unit.scoped.all(), request.user, perm=services.VIEW, unit_field=None)
    return render(
        request,
        "accountability/clues/list.html",
        {
            "rows": rows,
            "f": f,
            "channels": ClueChannel.choices,
            "statuses": ClueStatus.choices,
            "categories": ClueCategory.choices,
            "units": units.only("id", "name").order_by("path"),
            "can_manage": scope.can(request.user, services.MANAGE),
        },
    )


def _detail(request, pk, informant=None, status=200):
    clue, commission = queries.clue_for(request.user, pk)
    ctx = {
        "clue": clue,
        "commission": commission,
        "cluster": queries.cluster_of(clue),
        "can_informant": commission and scope.can(request.user, services.INFORMANT),
        "can_manage": commission and scope.can(request.user, services.MANAGE),
        "informant": informant,
    }
    return render(request, "accountability/clues/detail.html", ctx, status=status)


@login_required
def clue_detail(request, pk: int):
    return _detail(request, pk)


@login_required
@require_POST
def clue_informant(request, pk: int):
    """The commission opens the informant's identity: a POST, audited by the service."""
    data = services.informant_read(by=request.user, clue_id=pk)
    return _detail(request, pk, informant=data or {"anonymous": True})


@login_required
@require_POST
def clue_refer(request, pk: int):
    services.clue_refer(by=request.user, clue_id=pk)
    messages.success(request, _("已转交被反映单位（不含举报人信息）。"))
    return redirect("clue_detail", pk)


@login_required
def clue_file(request, pk: int):
    f = (
        scope.get_for(
            ClueFile.scoped.select_related("clue"),
            request.user,
            pk,
            perm=services.VIEW,
            unit_field="clue__subject_unit",
        )
        if scope.can(request.user, services.VIEW)
        else scope.get_for(
            ClueFile.scoped.filter(clue__referred_at__isnull=False),
            request.user,
            pk,
            perm=config.REFERRED,
            unit_field="clue__subject_unit",
        )
    )
    return files.download_response(f.relpath, f.name, f.kind)


@login_required
def clue_referred(request):
    rows = queries.referred(request.user)
    return render(request, "accountability/clues/referred.html", {"rows": rows})


@login_required
def clue_sample_points(request):
    from jianfu.monitoring.models import Report

    qs = scope.visible(
        Report.scoped.all(), request.user, perm=services.CREATE, unit_field="point__unit"
    )
    rows = list(qs.select_related("point__unit", "point__county").order_by("-submitted_at")[:300])
    rows = [r for r in rows if services.report_text(r.values or {})][:100]
    made = dict(
        Clue.scoped.filter(
            source_kind=services.SOURCE_REPORT, source_id__in=[r.pk for r in rows]
        ).values_list("source_id", "pk")
    )
    for r in rows:
        r.text = services.report_text(r.values)
        r.clue_id = made.get(r.pk)
    return render(request, "accountability/clues/sample_points.html", {"rows": rows})


@login_required
@require_POST
def clue_from_report(request, pk: int):
    try:
        clue = services.clue_from_report(by=request.user, report_id=pk)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("clue_sample_points")
    messages.success(request, _("已转为问题线索。"))
    if scope.can(request.user, services.VIEW):
        return redirect("clue_detail", clue.pk)
    return redirect("clue_sample_points")


@login_required
def clue_signals(request):
    from jianfu.signals import display
    from jianfu.signals.models import Signal, SignalStatus

    qs = scope.visible(Signal.scoped.all(), request.user, perm=services.MANAGE)
    rows = list(
        qs.filter(status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED])
        .select_related("unit")
        .order_by("first_raised_at")[:200]
    )
    made = dict(
        Clue.scoped.filter(
            source_kind=services.SOURCE_SIGNAL, source_id__in=[s.pk for s in rows]
        ).values_list("source_id", "pk")
    )
    for s in rows:
        s.headline = display.headline(s)
        s.clue_id = made.get(s.pk)
    return render(request, "accountability/clues/signals.html", {"rows": rows})


@login_required
@require_POST
def clue_escalate(request, pk: int):
    clue = services.clue_from_signal(by=request.user, signal_id=pk)
    messages.success(request, _("预警已升级为问题线索。"))
    return redirect("clue_detail", clue.pk)


@login_required
def clue_template(request, channel: str):
    from .importers import TITLES, template

    scope.require(request.user, services.MANAGE)
    name = str(TITLES[channel]).removeprefix("导入") + _("导入模板") + ".xlsx"
    return excel.xlsx_response(template(channel), name)


urlpatterns = [
    path("report/", report, name="clue_report"),
    path("report/status/", report_status, name="clue_report_status"),
    path("clues/", clue_list, name="clue_list"),
    path("clues/<int:pk>/", clue_detail, name="clue_detail"),
    path("clues/<int:pk>/informant/", clue_informant, name="clue_informant"),
    path("clues/<int:pk>/refer/", clue_refer, name="clue_refer"),
    path("clues/files/<int:pk>/", clue_file, name="clue_file"),
    path("clues/referred/", clue_referred, name="clue_referred"),
    path("clues/sample-points/", clue_sample_points, name="clue_sample_points"),
    path("clues/sample-points/<int:pk>/", clue_from_report, name="clue_from_report"),
    path("clues/signals/", clue_signals, name="clue_signals"),
    path("clues/signals/<int:pk>/", clue_escalate, name="clue_escalate"),
    path(
        "clues/import/hotline/",
        import_views.upload,
        {"kind": "accountability.clues_hotline"},
        name="clue_import_hotline",
    ),
    path(
        "clues/import/petition/",
        import_views.upload,
        {"kind": "accountability.clues_petition"},
        name="clue_import_petition",
    ),
    path(
        "clues/import/hotline.xlsx",
        clue_template,
        {"channel": ClueChannel.HOTLINE},
        name="clue_template_hotline",
    ),
    path(
        "clues/import/petition.xlsx",
        clue_template,
        {"channel": ClueChannel.PETITION},
        name="clue_template_petition",
    ),
]
