"""The administrators' pages: units, accounts and their roles, runtime settings, API tokens, the
audit log, the working-day calendar. The models, their services and queries are core's; these are
only the pages over them (the units' spreadsheet import stays with core's other imports).

Thin: each reaches its object through scope.get_for (404 outside the account's units), checks the
code with scope.require (403 with a reason), and writes through core's services.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianfu.core import (
    audit,
    clock,
    inputs,
    operations,
    queries,
    runtime,
    scope,
    security,
    services,
    two_factor,
    workdays,
)
from jianfu.core.errors import DomainError
from jianfu.core.fields import Unreadable
from jianfu.core.inputs import TextField
from jianfu.core.models import ApiToken, AuditVerification, HolidayKind, Unit, User
from jianfu.core.permissions import Role

from .forms import AccountForm, AuditFilterForm, RoleForm, TokenForm, UnitCloseForm, UnitForm


def _unit_by_code(request, code: str, *, perm: str = "core.unit:view") -> Unit | None:
    return Unit.scoped.filter(code=(code or "").strip()).first()


def _page(request, qs, per_page=50):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _apply_error(form, error: DomainError, default_field=None):
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, str(error.message))


# --- Units --------------------------------------------------------------------------------------


@login_required
def unit_list(request):
    s = scope.require(request.user, "core.unit:view")
    q = inputs.search_text(request.GET.get("q"))
    kind = inputs.search_text(request.GET.get("kind"))
    closed = request.GET.get("closed") == "1"
    if q or kind:
        parent, crumbs = None, []
        units = queries.units_for(request.user, q=q, kind=kind, include_closed=closed)
    else:
        parent_pk = request.GET.get("parent") or s.unit_id
        parent = scope.get_for(
            Unit, request.user, parent_pk, perm="core.unit:view", unit_field=None
        )
        crumbs = [u for u in queries.ancestors(parent) if s.covers_path(u.path)] + [parent]
        units = queries.units_for(request.user, parent=parent.pk, include_closed=closed)
    page = _page(request, units, 100)
    context = {
        "page": page,
        "parent": parent,
        "crumbs": crumbs,
        "q": q,
        "kind": kind,
        "closed": closed,
        "kinds": Unit._meta.get_field("kind").choices,
        "can_manage": s.can("core.unit:manage"),
    }
    if request.htmx and request.htmx.target == "unit-rows":
        return render(request, "administration/unit_list.html#rows", context)
    return render(request, "administration/unit_list.html", context)


@login_required
def unit_detail(request, pk):
    unit = scope.get_for(
        queries.with_parent(Unit.objects.all()),
        request.user,
        pk,
        perm="core.unit:view",
        unit_field=None,
    )
    s = scope.scope_of(request.user)
    children = queries.units_for(request.user, parent=unit.pk, include_closed=True)[:200]
    return render(
        request,
        "administration/unit_detail.html",
        {
            "unit": unit,
            "crumbs": [u for u in queries.ancestors(unit) if s.covers_path(u.path)],
            "children": children,
            # unscoped: a successor is named even outside the account's units
            "successor": Unit.objects.filter(pk=unit.successor_id).first(),
            "can_manage": s.can("core.unit:manage"),
            "accounts": (
                queries.accounts_for(request.user, unit=unit)
                if s.can("core.account:view")
                else None
            ),
        },
    )


@login_required
def unit_create(request):
    scope.require(request.user, "core.unit:manage")
    initial = {}
    if parent_pk := request.GET.get("parent"):
        parent = scope.get_for(
            Unit, request.user, parent_pk, perm="core.unit:manage", unit_field=None
        )
        initial["parent_code"] = parent.code
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        parent = _unit_by_code(request, d["parent_code"])
        if parent is None:
            form.add_error(
                "parent_code", _("找不到代码为“%(c)s”的上级单位。") % {"c": d["parent_code"]}
            )
        else:
            try:
                unit = services.unit_create(
                    by=request.user,
                    parent=parent,
                    code=d["code"],
                    name=d["name"],
                    short_name=d["short_name"],
                    kind=d["kind"],
                )
            except DomainError as e:
                _apply_error(form, e)
            else:
                messages.success(request, _("已新增单位“%(n)s”。") % {"n": unit.name})
                return redirect("unit_detail", pk=unit.pk)
    return render(request, "administration/unit_form.html", {"form": form, "title": _("新增单位")})


@login_required
def unit_edit(request, pk):
    unit = scope.get_for(Unit, request.user, pk, perm="core.unit:manage", unit_field=None)
    parent = Unit.objects.get_parent(unit)  # unscoped: checked against the scope below
    form = UnitForm(
        request.POST or None,
        initial={
            "code": unit.code,
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
            "parent_code": parent.code if parent else "",
        },
    )
    if parent is None or not scope.scope_of(request.user).covers_path(parent.path):
        form.fields["parent_code"].disabled = True
        form.fields["parent_code"].required = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = services.unit_update(
                by=request.user,
                unit=unit,
                code=d["code"],
                name=d["name"],
                short_name=d["short_name"],
                kind=d["kind"],
            )
            if not form.fields["parent_code"].disabled and d["parent_code"] != parent.code:
                new_parent = _unit_by_code(request, d["parent_code"])
                if new_parent is None:
                    raise DomainError(
                        "no_parent",
                        _("找不到代码为“%(c)s”的上级单位。") % {"c": d["parent_code"]},
                        field="parent_code",
                    )
                services.unit_move(by=request.user, unit=unit, parent=new_parent)
        except DomainError as e:
            _apply_error(form, e, "parent_code" if e.field == "parent" else None)
        else:
            messages.success(request, _("已保存。"))
            return redirect("unit_detail", pk=unit.pk)
    return render(
        request,
        "administration/unit_form.html",
        {"form": form, "unit": unit, "title": _("修改单位")},
    )


@login_required
def unit_close(request, pk):
    unit = scope.get_for(Unit, request.user, pk, perm="core.unit:manage", unit_field=None)
    form = UnitCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        successor = None
        if d["successor_code"]:
            successor = _unit_by_code(request, d["successor_code"])
            if successor is None:
                form.add_error(
                    "successor_code", _("找不到代码为“%(c)s”的单位。") % {"c": d["successor_code"]}
                )
        if not form.errors:
            try:
                services.unit_close(
                    by=request.user, unit=unit, valid_until=d["valid_until"], successor=successor
                )
            except DomainError as e:
                _apply_error(form, e, "successor_code")
            else:
                messages.success(request, _("已撤销单位“%(n)s”。") % {"n": unit.name})
                return redirect("unit_detail", pk=unit.pk)
    return render(
        request,
        "administration/unit_form.html",
        {"form": form, "unit": unit, "title": _("撤销单位")},
    )


# --- Accounts -----------------------------------------------------------------------------------


@login_required
def account_list(request):
    s = scope.require(request.user, "core.account:view")
    q, role = inputs.search_text(request.GET.get("q")), inputs.search_text(request.GET.get("role"))
    page = _page(request, queries.accounts_for(request.user, q=q, role=role))
    context = {
        "page": page,
        "q": q,
        "role": role,
        "roles": Role.choices,
        "can_manage": s.can("core.account:manage"),
    }
    if request.htmx and request.htmx.target == "account-rows":
        return render(request, "administration/account_list.html#rows", context)
    return render(request, "administration/account_list.html", context)


def _account(request, pk, perm="core.account:view") -> User:
    """An account in scope; one who may not see accounts at all gets 404 for any id (the account
    view code first), one who sees it but lacks `perm` a 403 naming it."""
    account = scope.get_for(
        User.objects.select_related("home_unit"),
        request.user,
        pk,
        perm="core.account:view",
        unit_field="home_unit",
    )
    scope.require(request.user, perm)
    return account


UNREADABLE_PHONE = gettext_lazy(
    "此账户的联系电话无法解密：服务器的 SM4 密钥（JIANFU_SM4_KEY）与保存时不同。"
    "请系统管理员恢复原密钥；修改账户时填写新号码将替换原值，留空则保留原值。"
)


@login_required
def account_detail(request, pk):
    account = _account(request, pk)
    if isinstance(account.phone, Unreadable):
        messages.error(request, UNREADABLE_PHONE)
    s = scope.scope_of(request.user)
    held = account.role_codes
    return render(
        request,
        "administration/account_detail.html",
        {
            "account": account,
            "can_manage": s.can("core.account:manage"),
            "can_grant": s.can("core.role:grant") and account.pk != request.user.pk,
            "can_unlock": s.can("core.account:unlock"),
            "can_reset_two_factor": s.can("core.two_factor:reset"),
            "two_factor_enrolled": two_factor.is_enrolled(account),
            "two_factor_required": two_factor.required_for(account),
            "locked": security.locked_anywhere(account.username),
            "grantable": [(v, label) for v, label in Role.choices if v not in held],
            "held": [(v, label) for v, label in Role.choices if v in held],
            "temp_password": request.session.pop("temp_password", None),
        },
    )


@login_required
def account_create(request):
    scope.require(request.user, "core.account:manage")
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = _unit_by_code(request, d["unit_code"])
        if unit is None:
            form.add_error("unit_code", _("找不到代码为“%(c)s”的单位。") % {"c": d["unit_code"]})
        else:
            try:
                user, password = services.account_create(
                    by=request.user,
                    username=d["username"],
                    home_unit=unit,
                    full_name=d["full_name"],
                    phone=d["phone"],
                    valid_until=d["valid_until"],
                )
            except DomainError as e:
                _apply_error(form, e)
            else:
                request.session["temp_password"] = password
                messages.success(request, _("已新增账户，请把临时密码交给本人；首次登录须修改。"))
                return redirect("account_detail", pk=user.pk)
    return render(
        request, "administration/account_form.html", {"form": form, "title": _("新增账户")}
    )


@login_required
def account_edit(request, pk):
    account = _account(request, pk, "core.account:manage")
    unreadable = isinstance(account.phone, Unreadable)
    if unreadable and request.method != "POST":
        messages.error(request, UNREADABLE_PHONE)
    form = AccountForm(
        request.POST or None,
        initial={
            "username": account.username,
            "full_name": account.full_name,
            # Never offer the notice as a value: saved back, it would replace the ciphertext.
            "phone": "" if unreadable else account.phone,
            "unit_code": account.home_unit.code if account.home_unit else "",
            "valid_until": account.valid_until,
        },
    )
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = _unit_by_code(request, d["unit_code"])
        if unit is None:
            form.add_error("unit_code", _("找不到代码为“%(c)s”的单位。") % {"c": d["unit_code"]})
        else:
            services.account_update(
                by=request.user,
                user=account,
                full_name=d["full_name"],
                phone=d["phone"],
                home_unit=unit,
                valid_until=d["valid_until"],
            )
            messages.success(request, _("已保存。"))
            return redirect("account_detail", pk=account.pk)
    return render(
        request,
        "administration/account_form.html",
        {"form": form, "account": account, "title": _("修改账户")},
    )


@login_required
@require_POST
def account_active(request, pk):
    account = _account(request, pk, "core.account:manage")
    try:
        services.account_set_active(
            by=request.user, user=account, active=request.POST.get("active") == "1"
        )
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_reset(request, pk):
    account = _account(request, pk, "core.account:manage")
    request.session["temp_password"] = services.account_reset_password(
        by=request.user, user=account
    )
    messages.success(request, _("已重置密码，请把临时密码交给本人；登录后须修改。"))
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_roles(request, pk):
    account = _account(request, pk, "core.role:grant")
    form = RoleForm(request.POST)
    if form.is_valid():
        role, action = form.cleaned_data["role"], form.cleaned_data["action"]
        try:
            if action == "grant":
                services.role_grant(by=request.user, user=account, role=role)
            else:
                services.role_revoke(by=request.user, user=account, role=role)
        except DomainError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("已授予角色。") if action == "grant" else _("已收回角色。"))
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_unlock(request, pk):
    account = _account(request, pk, "core.account:unlock")
    services.account_unlock(by=request.user, user=account)
    messages.success(request, _("已解除锁定。"))
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_two_factor_reset(request, pk):
    account = _account(request, pk, "core.two_factor:reset")
    try:
        two_factor.reset(by=request.user, user=account)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已重置双因素认证，该账户下次登录时须重新设置验证器。"))
    return redirect("account_detail", pk=account.pk)


# --- Runtime settings ---------------------------------------------------------------------------


@login_required
def setting_list(request):
    s = scope.require(request.user, "core.setting:view")
    errors = {}
    if request.method == "POST":
        key = request.POST.get("key", "")
        value = request.POST.get("value")
        d = runtime.DEFINITIONS.get(key)
        # A secret's field is always shown empty: empty means "unchanged" unless asked to clear.
        if (
            d is not None
            and d.secret
            and not (value or "").strip()
            and not request.POST.get("clear")
        ):
            messages.info(request, _("“%(l)s”未修改。") % {"l": d.label})
            return redirect("setting_list")
        try:
            services.setting_update(by=request.user, key=key, value=value)
        except DomainError as e:
            errors[key] = str(e.message)
        else:
            messages.success(request, _("参数已保存。"))
            return redirect("setting_list")
    values = runtime.get_many(list(runtime.DEFINITIONS))
    groups = {"security": _("安全参数"), "business": _("业务参数")}
    rows = [
        {
            "def": d,
            "value": (
                bool(values[d.key])
                if d.secret
                else request.POST.get("value")
                if d.key in errors
                else values[d.key]
            ),
            "error": errors.get(d.key),
            "editable": s.can(f"core.setting:{d.group}"),
            "is_bool": d.kind is bool,
            "is_text": d.kind is str,
            "default_label": dict(d.choices).get(d.default, d.default),
        }
        for d in runtime.DEFINITIONS.values()
        if s.can(f"core.setting:{d.group}") or s.can("core.setting:view")
    ]
    return render(
        request,
        "administration/setting_list.html",
        {
            "sections": [
                (label, [r for r in rows if r["def"].group == g]) for g, label in groups.items()
            ],
        },
        status=400 if errors else 200,
    )


# --- API tokens ---------------------------------------------------------------------------------


@login_required
def token_list(request):
    scope.require(request.user, "core.token:manage")
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = _unit_by_code(request, d["unit_code"])
        if unit is None:
            form.add_error("unit_code", _("找不到代码为“%(c)s”的单位。") % {"c": d["unit_code"]})
        else:
            import datetime as dt

            from django.utils import timezone

            expires = (
                timezone.make_aware(dt.datetime.combine(d["expires_at"], dt.time.max))
                if d["expires_at"]
                else None
            )
            try:
                token, secret = services.token_issue(
                    by=request.user,
                    name=d["name"],
                    unit=unit,
                    scopes=d["scopes"],
                    expires_at=expires,
                )
            except DomainError as e:
                _apply_error(form, e)
            else:
                form = TokenForm()
    tokens = ApiToken.scoped.select_related("unit", "created_by")
    return render(
        request,
        "administration/token_list.html",
        {"form": form, "secret": secret, "tokens": tokens.order_by("-created_at")},
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = scope.get_for(ApiToken, request.user, pk, perm="core.token:manage")
    services.token_revoke(by=request.user, token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("token_list")


# --- Audit log ----------------------------------------------------------------------------------


@login_required
def audit_list(request):
    scope.require(request.user, "core.audit:view")
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = queries.audit_entries(request.user, **{k: v for k, v in filters.items() if v})
    page = _page(request, entries, 50)
    for entry in page:
        entry.sentence = audit.sentence(entry.code)
        # The audit administrator sees which fields changed, never the business values.
        entry.fields = sorted(entry.changes)
    context = {
        "form": form,
        "page": page,
        "verification": AuditVerification.objects.order_by("-at").first(),
    }
    if request.htmx and request.htmx.target == "audit-rows":
        return render(request, "administration/audit_list.html#rows", context)
    return render(request, "administration/audit_list.html", context)


@login_required
@require_POST
def audit_verify(request):
    """Walking the chain is heavy: it runs in the worker; the page shows the latest outcome."""
    from jianfu.core.tasks import audit_verify as task

    scope.require(request.user, "core.audit:view")
    task.enqueue()
    messages.info(request, _("已开始校验审计链，完成后刷新本页查看结果。"))
    return redirect("audit_list")


# --- Working-day calendar -----------------------------------------------------------------------


class HolidayOverrideForm(forms.Form):
    # Kept beside its one view: the page is the only place overrides are entered.
    day = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=HolidayKind.choices)
    name = TextField(
        label=gettext_lazy("名称"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("如：国庆节、春节。"),
    )


def _calendar_year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if 1900 <= year <= 2200 else clock.today().year


def _calendar_url(year: int) -> str:
    return f"{reverse('calendar')}?year={year}"


@login_required
def calendar(request):
    s = scope.require(request.user, "core.setting:view")
    can_edit = s.can("core.setting:business")
    year = _calendar_year(request)
    form = HolidayOverrideForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        scope.require(request.user, "core.setting:business")
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = services.holiday_override_set(
                    by=request.user, day=d["day"], kind=d["kind"], name=d["name"]
                )
            except DomainError as e:
                _apply_error(form, e, "day")
            else:
                messages.success(
                    request,
                    _("已将 %(d)s 录入为“%(k)s”。")
                    % {"d": row.day.isoformat(), "k": row.get_kind_display()},
                )
                return redirect(_calendar_url(row.day.year))
    coverage = workdays.coverage(dt.date(year, 1, 1))
    context = {
        "year": year,
        "days": workdays.special_days(year),
        "coverage": coverage,
        "coverage_sentence": workdays.coverage_sentence(year, coverage),
        "form": form,
        "can_edit": can_edit,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "administration/calendar.html", context, status=status)


@login_required
@require_POST
def calendar_delete(request):
    scope.require(request.user, "core.setting:business")
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = None
    try:
        services.holiday_override_delete(by=request.user, day=day)
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect(_calendar_url(day.year if day else clock.today().year))
    messages.success(request, _("已删除 %(d)s 的调整。") % {"d": day.isoformat()})
    return redirect(_calendar_url(day.year))


# --- Running state ------------------------------------------------------------------------------


@login_required
def system_status(request):
    """What the system administrator watches at month end (core.operations): read only."""
    scope.require(request.user, "core.system:view")
    template = "administration/system_status.html"
    context = {"status": operations.status(), "now": clock.now()}
    # The open page reads its state again every half minute (htmx): the part alone.
    return render(request, f"{template}#state" if request.htmx else template, context)
