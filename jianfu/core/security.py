"""Login security (等保2.0 level 3): password rules, lockout, password age."""

import datetime as dt
import functools
import string

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import audit, clock, prepared, runtime
from .models import AddressBlock, Lockout, LoginFailure

MIN_LENGTH = 8
CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def _classes_in(password: str) -> int:
    found = sum(1 for _name, chars in CLASSES if any(c in chars for c in password))
    # Anything else (punctuation, spaces, other scripts) counts as the fourth class, "special".
    special = any(not (c.isascii() and c.isalnum()) for c in password)
    return found + int(special)


class ComplexityValidator:
    """At least 8 characters, 3 of 4 character classes, and not the login name."""

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < MIN_LENGTH:
            errors.append(
                ValidationError(
                    ngettext(
                        "密码至少需要 %(n)d 个字符。", "密码至少需要 %(n)d 个字符。", MIN_LENGTH
                    )
                    % {"n": MIN_LENGTH},
                    code="password_too_short",
                )
            )
        if _classes_in(password) < 3:
            errors.append(
                ValidationError(
                    _("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
                    code="password_too_simple",
                )
            )
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            errors.append(ValidationError(_("密码不能包含用户名。"), code="password_has_username"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "至少 8 个字符，包含大写字母、小写字母、数字、特殊字符中的至少三类，且不含用户名。"
        )


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def locked_until(username: str, ip: str | None) -> dt.datetime | None:
    until = (
        Lockout.objects.filter(username=_key(username), ip=ip, until__gt=clock.now())
        .values_list("until", flat=True)
        .first()
    )
    return until


class LoginResult:
    def __init__(self, user=None, error: str = "", locked: bool = False):
        self.user, self.error, self.locked = user, error, locked


def _minutes_left(until: dt.datetime) -> int:
    return max(1, int((until - clock.now()).total_seconds() // 60) + 1)


def refusal(username: str, ip: str | None) -> LoginResult | None:
    """The answer for a login name and address that may not try now (its address blocked, or the
    name locked from that address), or None. The password step and the second step both ask."""
    if ip and (until := address_blocked_until(ip)):
        return LoginResult(error=_address_message(_minutes_left(until)), locked=True)
    if until := locked_until(username, ip):
        return LoginResult(error=_locked_message(_minutes_left(until)), locked=True)
    return None


def attempt_login(request, username: str, password: str) -> LoginResult:
    """Check the address block and the lockout, authenticate, count the failure. An unknown login
    name and a wrong password get the same answer, and an unknown name is locked just the same,
    so the answer never tells whether an account exists."""
    ip = audit.client_ip(request)
    key = _key(username)
    if refused := refusal(key, ip):
        return refused
    user = authenticate(request, username=key, password=password)
    if user is not None:
        return LoginResult(user=user)
    return fail(key, ip)


def forgive(username: str, ip: str | None) -> None:
    """A login completed: the name's earlier failures from this address are forgotten."""
    LoginFailure.objects.filter(username=_key(username), ip=ip).delete()


def _locked_message(minutes: int) -> str:
    return _(
        "登录失败次数过多，该账户在本地址已被锁定，请 %(m)s 分钟后再试，或联系安全管理员解锁。"
    ) % {"m": minutes}


def _address_message(minutes: int) -> str:
    # Says nothing of any account: the address tried too many, whichever names exist.
    return _("本地址登录失败次数过多，已暂停从本地址登录，请 %(m)s 分钟后再试。") % {"m": minutes}


@transaction.atomic
def fail(key: str, ip: str | None, *, step: str = "password") -> LoginResult:
    """Count one failed login (a wrong password, or a wrong second-factor code): toward the name's
    lockout from this address, and toward the address's block over all names."""
    s = runtime.get_many(
        [
            "security.lockout_threshold",
            "security.lockout_window_minutes",
            "security.lockout_minutes",
        ]
    )
    now = clock.now()
    LoginFailure.objects.create(username=key, ip=ip, at=now)
    window_start = now - dt.timedelta(minutes=s["security.lockout_window_minutes"])
    # Failures are kept after a lockout (the address throttle counts them too); those before the
    # last lockout ended no longer count toward the name's next one.
    last_lock = Lockout.objects.filter(username=key, ip=ip).values_list("until", flat=True).first()
    if last_lock is not None and last_lock > window_start:
        window_start = last_lock
    count = LoginFailure.objects.filter(username=key, ip=ip, at__gt=window_start).count()
    audit.record(
        "jianfu.core.login.failed",
        actor=None,
        actor_name=key,
        success=False,
        extra={"failures_in_window": count, "step": step},
    )
    if ip and (blocked := _block_address(ip, now)):
        return blocked
    if count >= s["security.lockout_threshold"]:
        until = now + dt.timedelta(minutes=s["security.lockout_minutes"])
        Lockout.objects.update_or_create(username=key, ip=ip, defaults={"until": until})
        audit.record(
            "jianfu.core.login.locked",
            actor=None,
            actor_name=key,
            success=False,
            extra={"until": until},
        )
        return LoginResult(error=_locked_message(s["security.lockout_minutes"]), locked=True)
    left = s["security.lockout_threshold"] - count
    return LoginResult(error=_("用户名或密码错误。再失败 %(n)s 次将锁定。") % {"n": left})


# --- The address throttle (credential stuffing) -----------------------------------------------


def address_blocked_until(ip: str) -> dt.datetime | None:
    return (
        AddressBlock.objects.filter(ip=ip, until__gt=clock.now())
        .values_list("until", flat=True)
        .first()
    )


def _block_address(ip: str, now: dt.datetime) -> LoginResult | None:
    """Block the address when it failed on too many different login names within the window.

    Different names, not failures: one person mistyping their own password is the lockout's
    business; many names from one address is someone trying a list."""
    s = runtime.get_many(
        [
            "security.address_threshold",
            "security.address_window_minutes",
            "security.address_block_minutes",
        ]
    )
    since = now - dt.timedelta(minutes=s["security.address_window_minutes"])
    last_block = AddressBlock.objects.filter(ip=ip).values_list("until", flat=True).first()
    if last_block is not None and last_block > since:
        since = last_block
    names = (
        LoginFailure.objects.filter(ip=ip, at__gt=since)
        .values_list("username", flat=True)
        .distinct()
        .count()
    )
    if names < s["security.address_threshold"]:
        return None
    until = now + dt.timedelta(minutes=s["security.address_block_minutes"])
    AddressBlock.objects.update_or_create(ip=ip, defaults={"until": until})
    audit.record(
        "jianfu.core.login.address_blocked",
        actor=None,
        actor_name=ip,
        success=False,
        extra={"ip": ip, "names_in_window": names, "until": until},
    )
    return LoginResult(error=_address_message(s["security.address_block_minutes"]), locked=True)


def password_expired(user) -> bool:
    if user.password_changed_at is None:
        return False
    max_age = runtime.get("security.password_max_age_days")
    return clock.now() - user.password_changed_at > dt.timedelta(days=max_age)


def locked_anywhere(username: str) -> list[Lockout]:
    """Lockouts of a login name still in force, from any address (the account page shows them)."""
    return list(Lockout.objects.filter(username=_key(username), until__gt=clock.now()))


class AccountBackend(ModelBackend):
    """Django's ModelBackend; the account behind a session is read by one plain statement.

    Every request of a signed-in account reads it, and at the month-end burst building the ORM
    query cost twice what running it did. The values still go through the ORM's conversions.
    An account past its validity end date neither logs in nor keeps its sessions."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        valid_until = getattr(user, "valid_until", None)
        return valid_until is None or valid_until >= clock.today()

    def get_user(self, user_id):
        model = get_user_model()
        connection = connections[router.db_for_read(model)]
        sql, names, columns = _account_query(connection.alias)
        with prepared.cursor(connection.alias) as cursor:
            cursor.execute(sql, [model._meta.pk.get_db_prep_value(user_id, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for value, (col, converters) in zip(row, columns, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        user = model.from_db(connection.alias, names, values)
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _account_query(alias: str) -> tuple[str, list[str], list]:
    """(SQL, attribute names, [(column, its converters)]) for one account by id, built once per
    process."""
    model, connection = get_user_model(), connections[alias]
    fields, table = model._meta.concrete_fields, model._meta.db_table
    columns = []
    for field in fields:
        col = field.get_col(table)
        columns.append(
            (col, connection.ops.get_db_converters(col) + field.get_db_converters(connection))
        )
    sql = (
        f"SELECT {', '.join(connection.ops.quote_name(f.column) for f in fields)}"  # noqa: S608
        f" FROM {table} WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s"
    )
    return sql, [f.attname for f in fields], columns
