import time

from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import audit, runtime
from .api_errors import error_response
from .permissions import Role
from .security import password_expired

# Roles whose sessions end sooner when idle (the three administrators and the city office).
PRIVILEGED = {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR, Role.OFFICE}
LAST_SEEN = "jianfu_last_seen"
TOUCH_SECONDS = 60


def idle_limit_seconds(user) -> int:
    key = (
        "security.idle_minutes_privileged"
        if user.role_codes & PRIVILEGED
        else "security.idle_minutes"
    )
    return int(runtime.get(key)) * 60


ROLES = "jianfu_roles"


@receiver(user_logged_in, dispatch_uid="jianfu_prime_session")
def _prime_session(sender, request, user, **kwargs) -> None:
    """A login saves the session anyway: the role codes and the last-seen time go in with it, so
    the account's next request (often its first submission) need not write the session again."""
    request.session[ROLES] = [user.access_version, sorted(user.role_codes)]
    request.session[LAST_SEEN] = time.time()


class RoleCacheMiddleware:
    """Keeps the account's role codes in its session (one query fewer on every request), read
    again whenever the account's access_version moves (a role granted or revoked)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            cached = request.session.get(ROLES)
            if cached and cached[0] == user.access_version:
                user._role_codes = frozenset(cached[1])
            else:
                request.session[ROLES] = [user.access_version, sorted(user.role_codes)]
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Ends a session idle for longer than the runtime setting allows; binds the client address
    for the audit entries this request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.bind_request(request)
        try:
            return self._handle(request)
        finally:
            audit.unbind(token)

    def _handle(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > idle_limit_seconds(user):
                return self._expired(request, user)
            # A minute's precision is plenty for a 15-minute timeout, and it spares most requests
            # a session write.
            if last is None or now - last >= TOUCH_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _expired(self, request, user):
        from django.db import transaction

        with transaction.atomic():
            audit.record("jianfu.core.session.expired", actor=user, obj=user)
        logout(request)
        message = _("长时间未操作，已自动退出，请重新登录。")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        login = reverse("login") + "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return redirect(login)


class ForcePasswordChangeMiddleware:
    """An account whose password must change (first login, reset, too old) can do nothing else."""

    ALLOWED = ("password_change", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/static/")
            and (user.must_change_password or password_expired(user))
        ):
            if request.path.startswith("/api/"):
                # The browser's session may not reach the API around the password change either.
                return JsonResponse(
                    {"code": "password_change", "detail": _("请先修改密码。")}, status=403
                )
            if _resolve(request) not in self.ALLOWED:
                return redirect("password_change")
        return self.get_response(request)


def _resolve(request):
    from django.urls import Resolver404, resolve

    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class NoStoreMiddleware:
    """Nothing the application answers is kept by a browser or a proxy (等保 8.1.4.10: after
    logout, Back shows nothing). Every answer, not only a signed-in account's: an API answer to a
    token holds business data though no session is signed in, and a download (an export, a
    bulletin) is business data too. Static files never reach this middleware (WhiteNoise answers
    them first), so they stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, private"
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class LanguageMiddleware:
    """Chinese unless the account chose otherwise with the language switch (the cookie): a
    browser that asks for English by default still gets the office's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy on every page; a JSON answer gets one fixed header instead.

    A policy says what a page may load and run, and a JSON body is no page: it needs only to load
    nothing and be framed nowhere. Building the page policy for each API answer cost about a tenth
    of a month-end submission.
    """

    JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/json"):
            response.headers.setdefault("Content-Security-Policy", self.JSON_POLICY)
            return response
        return super().process_response(request, response)


class ApiErrorsAsJsonMiddleware:
    """Under /api/ every answer is JSON: Django's own error pages (an unknown path, a method the
    path does not take, a server error, a request it could not read) become the API's error shape
    with its `code`. The interactive documentation stays a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        if (
            response.status_code >= 400
            and path.startswith("/api/")
            and not path.startswith("/api/docs")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            converted = error_response(response.status_code)
            for header in ("Allow", "Cache-Control"):
                if response.has_header(header):
                    converted[header] = response[header]
            return converted
        return response
