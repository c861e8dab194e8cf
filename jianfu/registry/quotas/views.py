"""The quota table: the office sets each unit's quota cell by cell, or all at once from last
year's actual figures (previewed first); everyone who may see quotas sees the table with last
year's use and this year's. The import page is the shared one (core.imports.views).

Thin: units are reached through scope.get_for, the reads are in queries, the writes in services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianfu.core import clock, excel, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind

from ..models import Category
from . import queries, services
from .forms import QuotaBulkForm, QuotaCellForm

KIND_GROUPS = {
    "main": (UnitKind.COUNTY, UnitKind.DEPARTMENT),
    "county": (UnitKind.COUNTY,),
    "department": (UnitKind.DEPARTMENT,),
    "county_department": (UnitKind.COUNTY_DEPARTMENT,),
    "township": (UnitKind.TOWNSHIP,),
}
KIND_GROUP_LABELS = [
    ("main", gettext_lazy("县（市、区）和市直单位")),
    ("county", gettext_lazy("县（市、区）")),
    ("department", gettext_lazy("市直单位")),
    ("county_department", gettext_lazy("县直部门")),
    ("township", gettext_lazy("乡镇（街道）")),
]


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _cell(unit, category, year, quotas, last, used, **extra) -> dict:
    quota = quotas.get((unit.pk, category))
    limit = quota.limit if quota else None
    n = used.get((unit.pk, category), 0)
    return {
        "unit": unit,
        "category": category,
        "label": Category(category).label,
        "year": year,
        "limit": limit,
        "last": last.get((unit.pk, category), 0),
        "used": n,
        "over": limit is not None and n > limit,
        **extra,
    }


@login_required
def quota_list(request):
    s = scope.require(request.user, "registry.quota:view")
    this_year = clock.today().year
    year = _year(request.GET.get("year"), this_year)
    group = request.GET.get("kinds", "main")
    if group not in KIND_GROUPS:
        group = "main"
    q = inputs.search_text(request.GET.get("q"))
    units = queries.quota_units(request.user, KIND_GROUPS[group], q)
    page = Paginator(units, 100).get_page(request.GET.get("page"))
    ids = [u.pk for u in page]
    quotas = queries.quotas_of(ids, year)
    last = queries.counted_by_category(ids, year - 1, follow_predecessors=True)
    used = queries.counted_by_category(ids, year)
    rows = [
        {"unit": u, "cells": [_cell(u, c, year, quotas, last, used) for c in Category.values]}
        for u in page
    ]
    can_set = s.can("registry.quota:set")
    return render(
        request,
        "registry/quota_list.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "years": list(range(this_year + 1, this_year - 4, -1)),
            "group": group,
            "groups": KIND_GROUP_LABELS,
            "q": q,
            "categories": Category.choices,
            "can_set": can_set,
            "last_year_running": year - 1 == this_year,
            "today": clock.today(),
            "bulk": QuotaBulkForm(initial={"year": year, "category": "all", "units": "both"})
            if can_set
            else None,
        },
    )


def _back_to_quotas(request, year) -> str:
    params = {"year": year}
    for key in ("kinds", "q", "page"):
        if request.POST.get(key):
            params[key] = request.POST[key]
    return reverse("quota_settings") + "?" + urlencode(params)


@login_required
@require_POST
def quota_cell(request):
    """One cell of the quota table: htmx posts it and swaps the cell; without JS the page
    reloads."""
    scope.require(request.user, "registry.quota:set")
    form = QuotaCellForm(request.POST)
    if not form.is_valid() and set(form.errors) - {"limit"}:
        return HttpResponseBadRequest()
    d = form.cleaned_data
    unit = scope.get_for(Unit, request.user, d["unit"], perm="registry.quota:set", unit_field=None)
    error, saved = None, False
    if form.has_error("limit"):
        error = _("指标须为不小于 0 的整数。")
    else:
        try:
            services.quota_set(
                by=request.user, unit=unit, year=d["year"], category=d["category"], limit=d["limit"]
            )
            saved = True
        except DomainError as e:
            error = str(e.message)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_back_to_quotas(request, d["year"]))
    ids = [unit.pk]
    cell = _cell(
        unit,
        d["category"],
        d["year"],
        queries.quotas_of(ids, d["year"]),
        queries.counted_by_category(ids, d["year"] - 1, follow_predecessors=True),
        queries.counted_by_category(ids, d["year"]),
        saved=saved,
        error=error,
        typed=request.POST.get("limit", ""),
    )
    return render(request, "registry/quota_list.html#cell", {"cell": cell, "can_set": True})


@login_required
@require_POST
def quota_bulk(request):
    """Quotas from last year's actual figures: the first post shows, unit by unit, the base each
    quota is cut from and the period it covers (short of a year when the base year is still
    running or the registry starts in the middle of it); the confirmed post writes them."""
    scope.require(request.user, "registry.quota:set")
    form = QuotaBulkForm(request.POST)
    year = _year(request.POST.get("year"), clock.today().year)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(_back_to_quotas(request, year))
    d = form.cleaned_data
    units = queries.bulk_units(request.user, d["units"])
    categories = Category.values if d["category"] == "all" else [d["category"]]
    cut_pct = float(d["cut_pct"])
    try:
        if request.POST.get("confirm") != "1":
            basis = queries.bulk_basis(
                units, year=d["year"], categories=categories, cut_pct=cut_pct
            )
            return render(
                request,
                "registry/quota_bulk_preview.html",
                {
                    "basis": basis,
                    "form": form,
                    "data": d,
                    "pct": _pct(d["cut_pct"]),
                    "categories": [(c, Category(c).label) for c in categories],
                    "units": _bulk_rows(basis, categories),
                    "refusal": basis.refusal(),
                    "back_url": _back_to_quotas(request, d["year"]),
                },
            )
        basis = services.quotas_from_last_year(
            by=request.user, units=units, year=d["year"], categories=categories, cut_pct=cut_pct
        )
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _bulk_result(basis, len(units), d))
    return redirect(_back_to_quotas(request, d["year"]))


def _bulk_rows(basis, categories) -> list[dict]:
    """One row per unit, its categories' bases in the order of the columns."""
    by_unit: dict[int, dict] = {}
    for row in basis.rows:
        entry = by_unit.setdefault(row.unit.pk, {"unit": row.unit, "cells": {}})
        entry["cells"][row.category] = row
    return [
        {"unit": e["unit"], "cells": [e["cells"][c] for c in categories]} for e in by_unit.values()
    ]


def _bulk_result(basis, n_units: int, d) -> str:
    text = _("已按上年实际压减 %(p)s%% 设定 %(n)s 个单位的 %(y)s 年指标。基数：%(b)s。") % {
        "p": _pct(d["cut_pct"]),
        "n": n_units,
        "y": d["year"],
        "b": "；".join(p.describe() for p in basis.periods),
    }
    missing = basis.without_records()
    if missing:
        text += " " + _("其中 %(n)s 项上年无登记，新指标为 0。") % {"n": missing}
    return text


def _pct(value) -> str:
    return f"{value:.1f}".removesuffix(".0")


@login_required
def quota_template(request):
    from . import quota_import

    scope.require(request.user, "registry.quota:set")
    return excel.xlsx_response(quota_import.quota_template(), _("硬性指标导入模板") + ".xlsx")
