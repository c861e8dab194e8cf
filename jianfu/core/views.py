"""Pages of the foundation: login, logout, password, the home page (whose cards the apps register),
and the units' spreadsheet export and import template (the import page is the shared one,
core.imports.views). The administrators' pages (units, accounts, settings, tokens, audit log,
calendar) are the administration app's.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from . import audit, excel, queries, scope, security, services, two_factor, units_import
from . import home as home_cards
from .errors import DomainError
from .forms import LoginForm, PasswordChangeForm


def _apply_error(form, error: DomainError, default_field=None):
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, str(error.message))


# --- Session ------------------------------------------------------------------------------------


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = security.attempt_login(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if result.user is not None:
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, require_https=request.is_secure()
            ):
                target = "home"
            # A second factor due: the account waits in the session, not signed in, for it.
            if two_factor.is_enrolled(result.user):
                two_factor.begin(request, result.user, target)
                return redirect("login_verify")
            if two_factor.required_for(result.user):
                two_factor.begin(request, result.user, target)
                return redirect("login_enrol")
            return complete_login(request, result.user, target)
        form.add_error(None, result.error)
    return render(request, "core/login.html", {"form": form, "next": request.GET.get("next", "")})


def complete_login(request, user, target: str):
    """Sign the account in (both steps done): its earlier failures from here are forgotten."""
    two_factor.end(request)
    login(request, user, backend="jianfu.core.security.AccountBackend")
    security.forgive(user.username, audit.client_ip(request))
    services.login_recorded(user=user)
    return redirect(target)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.logout_recorded(user=request.user)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as e:
            _apply_error(form, e)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(request, "core/password_change.html", {"form": form})


@require_GET
def health(request):
    """For a load balancer or a monitor, without signing in: 200 when this process reaches its
    database, 503 when it does not. It says nothing more (the state itself is the system
    administrator's page, system_status)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    # Every signed-in account has a home page, even one not yet given a role (it says so). What
    # the person has to do comes from the cards the apps register (core.home).
    s = scope.scope_of(request.user)
    unit = request.user.home_unit
    return render(
        request,
        "core/home.html",
        {
            "unit": unit,
            "ancestors": queries.ancestors(unit) if unit else [],
            "roles": request.user.role_labels(),
            "summary": queries.scope_summary(request.user),
            "unit_only": s.unit_only,
            "no_roles": not request.user.role_codes,
            "home": home_cards.build(request),
        },
    )


# --- Units: the spreadsheet export and the import's template --------------------------------------


@login_required
def unit_export(request):
    scope.require(request.user, "core.unit:view")
    data = units_import.export_units(request.user)
    return excel.xlsx_response(data, pgettext("units list", "单位") + ".xlsx")


@login_required
def unit_template(request):
    scope.require(request.user, "core.unit:manage")
    return excel.xlsx_response(units_import.units_template(), _("单位导入模板") + ".xlsx")
