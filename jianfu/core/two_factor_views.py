"""The second step of login (a code, or enrolling an authenticator) and the account's own
two-factor page. The business rules are core.two_factor's; lockout and the address throttle are
core.security's, so a wrong code counts as a wrong password does."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import audit, security, two_factor
from .errors import DomainError
from .forms import CodeForm
from .views import complete_login


def _expired(request):
    two_factor.end(request)
    messages.info(request, _("验证超时，请重新登录。"))
    return redirect("login")


def _refused_or_failed(request, user, form, *, failed: bool):
    """Count a wrong code (when `failed`); when the name or the address is now locked, the pending
    login ends and the login page says why."""
    ip = audit.client_ip(request)
    key = user.username.lower()
    result = security.fail(key, ip, step="second_factor") if failed else security.refusal(key, ip)
    if result is not None and result.locked:
        two_factor.end(request)
        messages.error(request, result.error)
        return redirect("login")
    if failed:
        form.add_error("code", _("验证码不正确。"))
    return None


def login_verify(request):
    found = two_factor.pending(request)
    if found is None:
        return _expired(request)
    user, target = found
    if not two_factor.is_enrolled(user):
        return redirect("login_enrol")
    form = CodeForm(request.POST or None)
    if (stop := _refused_or_failed(request, user, form, failed=False)) is not None:
        return stop
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(user=user, code=form.cleaned_data["code"]):
            return complete_login(request, user, target)
        if (stop := _refused_or_failed(request, user, form, failed=True)) is not None:
            return stop
    return render(request, "core/login_verify.html", {"form": form, "account": user})


def login_enrol(request):
    found = two_factor.pending(request)
    if found is None:
        return _expired(request)
    user, target = found
    if two_factor.is_enrolled(user):
        return redirect("login_verify")
    form = CodeForm(request.POST or None)
    if (stop := _refused_or_failed(request, user, form, failed=False)) is not None:
        return stop
    device = two_factor.enrolment_device(user)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.enrol_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except DomainError as e:
            messages.error(request, str(e.message))
            return _expired(request)
        if codes is not None:
            response = complete_login(request, user, target)
            # The codes are shown in this answer only: nothing keeps them in clear.
            return render(
                request,
                "core/two_factor_codes.html",
                {"codes": codes, "next": response.url, "first": True},
            )
        if (stop := _refused_or_failed(request, user, form, failed=True)) is not None:
            return stop
    return render(
        request,
        "core/login_enrol.html",
        {
            "form": form,
            "account": user,
            "qr": two_factor.qr_data_uri(device),
            "secret": two_factor.secret_text(device),
        },
    )


@login_required
def two_factor_page(request):
    """The account's own: whether it uses a second factor, recovery codes left, new codes."""
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.recovery_codes_regenerate(user=user, code=form.cleaned_data["code"])
        if codes is not None:
            context = {"codes": codes, "next": reverse("two_factor")}
            return render(request, "core/two_factor_codes.html", context)
        form.add_error("code", _("验证码不正确。"))
    return render(
        request,
        "core/two_factor.html",
        {
            "form": form,
            "enrolled": two_factor.is_enrolled(user),
            "required": two_factor.required_for(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )
