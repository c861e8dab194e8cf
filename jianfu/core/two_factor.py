"""The second factor of login (等保 level 3: two kinds of authentication, one cryptographic):
a TOTP authenticator app (django-otp's TOTP device) and ten one-time recovery codes.

Which roles must use it is the runtime setting `security.two_factor_roles`. The password step
(core.views.login_view) does not sign the account in when a second factor is due: it keeps the
account in the session as *pending* for a few minutes, and the second step (a code, or enrolment
for an account that must but has no authenticator yet) completes the login. So no session ever
exists for an account that passed the password step only, and no middleware is needed.
"""

import base64
import secrets
import time

import segno
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, runtime, scope
from .errors import DomainError

audit.describe(
    {
        "jianfu.core.two_factor.enrolled": _("启用双因素认证"),
        "jianfu.core.two_factor.reset": _("重置双因素认证"),
        "jianfu.core.two_factor.recovery_used": _("使用恢复码登录"),
        "jianfu.core.two_factor.recovery_regenerated": _("重新生成恢复码"),
        "jianfu.core.login.address_blocked": _("同一地址登录失败过多，暂停该地址登录"),
    }
)

PENDING = "jianfu_two_factor_pending"
PENDING_SECONDS = 300
RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# Recovery codes: no 0/o, 1/l/i to misread.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def required_for(user) -> bool:
    roles = runtime.role_list(runtime.get("security.two_factor_roles"))
    return bool(user.role_codes & roles)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


# --- The pending login ------------------------------------------------------------------------


def begin(request, user, target: str) -> None:
    request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": target}


def pending(request):
    """(the account, where to go after) of the login awaiting its second step, or None when there
    is none or it waited too long."""
    from .models import User

    data = request.session.get(PENDING)
    if not data or time.time() - data["at"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    return (user, data["next"]) if user is not None else None


def end(request) -> None:
    request.session.pop(PENDING, None)


# --- Enrolment --------------------------------------------------------------------------------


def enrolment_device(user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, kept across page reloads so the
    QR code the person scanned stays valid until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (drawn here, no network)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app that cannot scan."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _digest(code: str) -> str:
    """Recovery codes are kept as keyed digests (django-otp keeps its static tokens in clear)."""
    plain = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("jianfu.two_factor.recovery", plain).hexdigest()[:16]


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_digest(c)) for c in codes])
    return codes


@transaction.atomic
def enrol_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return the new recovery codes (shown
    once), or None when the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise DomainError("bad_device", _("验证器设置已失效，请重新登录。"))
    if not device.verify_token(_digits(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_recovery_codes(user)
    audit.record("jianfu.core.two_factor.enrolled", actor=user, obj=user)
    return codes


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


# --- The second step --------------------------------------------------------------------------


@transaction.atomic
def verify(*, user, code: str) -> bool:
    """A code from the authenticator, or one of the recovery codes (used up, and audited)."""
    code = (code or "").strip()
    digits = _digits(code)
    if len(digits) == 6 and len(code.replace(" ", "")) == 6:
        device = authenticator(user)
        return device is not None and device.verify_token(digits)
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
    if recovery is None or not code or not recovery.verify_token(_digest(code)):
        return False
    audit.record(
        "jianfu.core.two_factor.recovery_used",
        actor=user,
        obj=user,
        extra={"codes_left": recovery.token_set.count()},
    )
    return True


@transaction.atomic
def recovery_codes_regenerate(*, user, code: str) -> list[str] | None:
    """New recovery codes for the signed-in account (the old ones stop working); it confirms with
    a code from its authenticator. None when that code is wrong."""
    device = authenticator(user)
    if device is None or not device.verify_token(_digits(code)):
        return None
    codes = _new_recovery_codes(user)
    audit.record("jianfu.core.two_factor.recovery_regenerated", actor=user, obj=user)
    return codes


@transaction.atomic
def reset(*, by, user) -> None:
    """The security administrator removes an account's authenticator and recovery codes (a lost
    phone); the account enrols again at its next login."""
    scope.require(by, "core.two_factor:reset")
    if user.home_unit is None or not scope.scope_of(by).covers_path(user.home_unit.path):
        raise DomainError("out_of_scope", _("该账户不在您的管理范围内。"))
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    audit.record("jianfu.core.two_factor.reset", actor=by, obj=user, extra={"devices": removed})
