"""Pages of the registries (every kind in registry.kinds) and the counting rules.

Thin: every record is reached through scope.get_for (404 outside the account's units, 403 without
the code), lists through queries.records_for, and every write goes through services.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jianfu.core import audit, clock, excel, runtime, scope
from jianfu.core import services as core_services
from jianfu.core.errors import DomainError

from .. import counting
from ..kinds import KINDS, Kind
from ..models import Level
from . import queries, services
from .forms import UNIT_SELECT_LIMIT, RecordFilterForm, unit_label

PER_PAGE = 50


def _kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise Http404 from None


def _record(request, k: Kind, pk, perm=None):
    return scope.get_for(
        k.model.objects.select_related("unit"), request.user, pk, perm=perm or k.view_perm
    )


def _apply_error(form, error: DomainError):
    field = error.field
    if field and field.endswith("_id") and field[:-3] in form.fields:
        field = field[:-3]  # a link's column (merged_with_id) is the form's field (merged_with)
    form.add_error(field if field in form.fields else None, str(error.message))


class _Paginator(Paginator):
    """A paginator given the count it would otherwise query again."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


# --- Lists --------------------------------------------------------------------------------------


def _filter_form(request, k: Kind) -> RecordFilterForm:
    return RecordFilterForm(
        request.GET,
        model=k.model,
        units=queries.units_with_records(request.user, k.model, limit=UNIT_SELECT_LIMIT),
        years=queries.years_with_records(request.user, k.model),
        principal=request.user,
    )


def _filtered(request, k: Kind, form: RecordFilterForm):
    """The records the valid filters select; none under a filter error."""
    filters = form.filters()
    if filters is None:
        return queries.RecordFilter(), queries.records_for(request.user, k.model).none()
    return filters, queries.records_for(request.user, k.model, filters)


@login_required
def record_list(request, kind):
    k = _kind(kind)
    s = scope.require(request.user, k.view_perm)
    form = _filter_form(request, k)
    filters, records = _filtered(request, k, form)
    if form.is_valid():
        totals = queries.totals_for(request.user, k.model, filters, records)
    else:
        totals = {"n": 0, "counted": 0}
    page = _Paginator(queries.with_co_units(records), PER_PAGE, totals["n"]).get_page(
        request.GET.get("page")
    )
    for r in page:
        # What the list's shared cells show, read the kind's way.
        r.row_date = getattr(r, k.date_field)
        r.row_end = getattr(r, k.end_field) if k.end_field else None
        r.row_type = k.type_label(r)
        r.row_co = list(getattr(r, k.co_field).all()) if k.co_field else []  # prefetched
    context = {
        "k": k,
        "form": form,
        "page": page,
        "totals": totals,
        "sort": filters.sort,
        "can_edit": s.can(k.edit_perm),
    }
    if request.htmx and request.htmx.target == "record-rows":
        return render(request, "registry/record_list.html#rows", context)
    return render(request, "registry/record_list.html", context)


@login_required
def record_export(request, kind):
    from . import importers

    k = _kind(kind)
    scope.require(request.user, k.view_perm)
    _filters, records = _filtered(request, k, _filter_form(request, k))
    data = importers.export_records(k.code, records, by=request.user)  # audited there
    return excel.xlsx_response(data, f"{k.title}_{clock.today():%Y%m%d}.xlsx")


@login_required
def record_template(request, kind):
    from . import importers

    k = _kind(kind)
    scope.require(request.user, k.edit_perm)
    return excel.xlsx_response(
        importers.template(k.code), _("%(t)s导入模板") % {"t": k.noun} + ".xlsx"
    )


# --- One record ---------------------------------------------------------------------------------

LEVELS = dict(Level.choices)


def _choices(model, name: str) -> dict | None:
    """The choices of a model field, None for a field without (or no field of that name)."""
    try:
        choices = model._meta.get_field(name).choices
    except FieldDoesNotExist:
        return None
    return dict(choices) if choices else None


def _display(model, name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if name.endswith("_levels") and isinstance(value, list):
        return "、".join(str(LEVELS.get(v, v)) for v in value)
    choices = _choices(model, name)
    if choices is not None:
        return str(choices.get(value, value))
    if name == "merged_with_id":
        return f"#{value}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name


def _field_order(model, name: str) -> int:
    names = [f.name for f in model._meta.get_fields()]
    name = name.removesuffix("_id")
    return names.index(name) if name in names else len(names)


def _history(obj) -> list[dict]:
    model, rows = type(obj), []
    for entry in queries.history(obj):
        changes = []
        for name, pair in sorted(entry.changes.items(), key=lambda kv: _field_order(model, kv[0])):
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            if entry.code.endswith(".created") and after in (None, "", [], 0, False):
                continue
            changes.append(
                (_label(model, name), _display(model, name, before), _display(model, name, after))
            )
        rows.append(
            {
                "entry": entry,
                "sentence": audit.sentence(entry.code),
                "changes": changes,
                "created": entry.code.endswith(".created"),
            }
        )
    return rows


@login_required
def record_detail(request, kind, pk):
    k = _kind(kind)
    obj = _record(request, k, pk)
    counts, reason = k.counting.verdict(obj, counting.Rules.current())
    model = k.model
    rows = [(_label(model, n), _display(model, n, getattr(obj, n))) for n in k.detail_fields]
    co_units = list(getattr(obj, k.co_field).order_by("path")) if k.co_field else []
    return render(
        request,
        "registry/record_detail.html",
        {
            "k": k,
            "obj": obj,
            "rows": rows,
            "co_units": co_units,
            "counts_now": counts,
            "reason": reason,
            "merged_with": getattr(obj, "merged_with", None),
            "import_record": obj.import_record,
            "history": _history(obj),
            "can_edit": scope.can(request.user, k.edit_perm),
        },
    )


def _save(request, k: Kind, form, obj=None):
    """Run the service; on a DomainError put it on its field and return None."""
    try:
        if obj is None:
            return services.record_create(
                k.model,
                by=request.user,
                unit=form.unit,
                co_units=form.co_units,
                **form.service_fields(),
            )
        return services.record_update(
            obj,
            by=request.user,
            co_units=form.co_units if k.co_field else None,
            **form.service_fields(),
        )
    except DomainError as e:
        _apply_error(form, e)
        return None


def _form_page(request, k: Kind, form, obj=None, status=200):
    rules = counting.Rules.current()
    return render(
        request,
        "registry/record_form.html",
        {
            "k": k,
            "form": form,
            "obj": obj,
            "rule_rows": k.counting.rule_rows(rules),
            "verdict": _verdict_from(k, form, rules),
            "unit_options": _unit_options(form.issuers),
            "title": (_("修改%(n)s") if obj else _("登记%(n)s")) % {"n": k.noun},
        },
        status=status,
    )


def _unit_options(units) -> list[tuple[str, str]]:
    """Datalist options: the name, or "name（code）" where the name is not unique."""
    seen: dict[str, int] = {}
    for u in units:
        seen[u.name] = seen.get(u.name, 0) + 1
    return [
        (u.name if seen[u.name] == 1 else unit_label(u), f"{u.code} · {u.get_kind_display()}")
        for u in units
    ]


@login_required
def record_create(request, kind):
    k = _kind(kind)
    scope.require(request.user, k.edit_perm)
    form = k.form_class(request.POST or None, principal=request.user)
    if request.method == "POST" and form.is_valid():
        obj = _save(request, k, form)
        if obj is not None:
            messages.success(request, _("已登记“%(t)s”。") % {"t": obj.title})
            if "again" in request.POST:
                return redirect(f"{k.code}_create")
            return redirect(f"{k.code}_detail", pk=obj.pk)
    status = 400 if form.is_bound and form.errors else 200
    return _form_page(request, k, form, status=status)


@login_required
def record_edit(request, kind, pk):
    k = _kind(kind)
    obj = _record(request, k, pk, k.edit_perm)
    form = k.form_class(request.POST or None, principal=request.user, instance=obj)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, k, form, obj)
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect(f"{k.code}_detail", pk=obj.pk)
    status = 400 if form.is_bound and form.errors else 200
    return _form_page(request, k, form, obj, status=status)


@login_required
def record_delete(request, kind, pk):
    k = _kind(kind)
    obj = _record(request, k, pk, k.edit_perm)
    if request.method == "POST":
        title = obj.title
        services.record_delete(obj, by=request.user)
        messages.success(request, _("已删除“%(t)s”。") % {"t": title})
        return redirect(k.url)
    return render(request, "registry/record_delete.html", {"k": k, "obj": obj})


def _verdict_from(k: Kind, form, rules) -> tuple[bool, str] | None:
    """Whether the record, as typed so far, would count (None until the deciding fields are
    filled)."""
    data = form.data if form.is_bound else None
    value = (lambda name: data.get(name)) if data is not None else form.initial.get
    return k.counting.verdict_from(value, rules)


@login_required
def counting_preview(request, kind):
    """The verdict beside the form, refreshed by htmx as the person fills it in."""
    k = _kind(kind)
    scope.require(request.user, k.edit_perm)
    form = k.form_class(request.GET, principal=request.user, issuers=[])
    verdict = _verdict_from(k, form, counting.Rules.current())
    return render(request, "registry/record_form.html#verdict", {"verdict": verdict, "k": k})


# --- Counting rules -----------------------------------------------------------------------------


@login_required
def counting_rules(request):
    s = scope.scope_of(request.user)
    if not (s.can("registry.record:view") or s.can("registry.quota:view")):
        scope.require(request.user, "registry.record:view")
    can_edit = s.can("core.setting:business")
    error = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有市委办可以修改计数规则。"))
        key = request.POST.get("key", "")
        if key not in counting.KEYS:
            return HttpResponseBadRequest()
        try:
            changed = _counting_update(request.user, key, request.POST.get("value"))
        except DomainError as e:
            error = str(e.message)
        else:
            if changed:
                messages.success(request, _("计数规则已修改，正在按新规则重新计算全部登记记录。"))
            return redirect("counting_rules")
    values = runtime.get_many(counting.KEYS)
    rules = counting.Rules.current()
    return render(
        request,
        "registry/counting_rules.html",
        {
            "fixed": counting.FIXED_RULES,
            "settings": [(runtime.DEFINITIONS[key], values[key]) for key in counting.KEYS],
            "tables": [(kk.noun, kk.counting.rule_rows(rules)) for kk in KINDS.values()],
            "can_edit": can_edit,
            "error": error,
        },
        status=400 if error else 200,
    )


def _counting_update(by, key: str, value) -> bool:
    """Change one counting rule; when it changed, recount every record after the commit."""
    from .tasks import recompute_counted_task

    with transaction.atomic():
        before = runtime.get(key)
        core_services.setting_update(by=by, key=key, value=value)
        changed = runtime.get(key) != before
        if changed:
            transaction.on_commit(recompute_counted_task.enqueue)
    return changed
