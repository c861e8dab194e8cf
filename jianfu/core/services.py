"""Writes on units, accounts, roles, tokens, runtime settings and holiday overrides. Each is one
transaction that ends with its audit entry; each checks the writer's permission and scope itself."""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, clock, passwords, permissions, runtime, scope
from .errors import DomainError
from .fields import Unreadable
from .masking import mask_phone
from .models import (
    ApiToken,
    HolidayKind,
    HolidayOverride,
    Lockout,
    LoginFailure,
    RoleGrant,
    RuntimeSetting,
    Unit,
    User,
)
from .permissions import ADMIN_ROLES, Role

UNIT_FIELDS = ("code", "name", "short_name", "kind", "valid_until", "successor_id")
ACCOUNT_FIELDS = ("username", "full_name", "phone", "home_unit_id", "is_active", "valid_until")


def _account_changes(before: dict, user: User) -> dict:
    """The account's changed fields for the audit log, the phone number masked: the log is kept
    for years and read by the auditor, who needs to see that it changed, not the number."""
    changes = audit.diff(before, audit.snapshot(user, ACCOUNT_FIELDS))
    if "phone" in changes:
        changes["phone"] = [mask_phone(v or "") for v in changes["phone"]]
    return changes


def _require_covers(by, unit: Unit | None) -> None:
    if unit is None or not scope.scope_of(by).covers_path(unit.path):
        raise DomainError("out_of_scope", _("所选单位不在您的管理范围内。"), field="unit")


# --- Units --------------------------------------------------------------------------------------


def _check_unit(*, code: str, name: str, kind: str, exclude_pk=None) -> None:
    from .models import UnitKind

    if not code.strip():
        raise DomainError("required", _("单位代码不能为空。"), field="code")
    if not name.strip():
        raise DomainError("required", _("名称不能为空。"), field="name")
    if kind not in UnitKind.values:
        raise DomainError("bad_kind", _("未知的单位类型“%(k)s”。") % {"k": kind}, field="kind")
    if Unit.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise DomainError(
            "duplicate_code", _("单位代码“%(c)s”已被使用。") % {"c": code}, field="code"
        )


@transaction.atomic
def unit_create(*, by, parent: Unit, code: str, name: str, kind: str, short_name: str = "") -> Unit:
    scope.require(by, "core.unit:manage")
    _require_covers(by, parent)
    code, name, short_name = code.strip(), name.strip(), short_name.strip()
    _check_unit(code=code, name=name, kind=kind)
    unit = Unit.objects.add_child(
        parent, {"code": code, "name": name, "short_name": short_name, "kind": kind}
    )
    audit.record(
        "jianfu.core.unit.created",
        actor=by,
        obj=unit,
        changes=audit.diff({}, audit.snapshot(unit, UNIT_FIELDS)),
        extra={"parent": parent.pk},
    )
    return unit


@transaction.atomic
def unit_update(*, by, unit: Unit, **fields) -> Unit:
    scope.require(by, "core.unit:manage")
    _require_covers(by, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = audit.snapshot(unit, UNIT_FIELDS)
    for name in ("code", "name", "short_name", "kind"):
        if name in fields:
            setattr(unit, name, (fields[name] or "").strip())
    _check_unit(code=unit.code, name=unit.name, kind=unit.kind, exclude_pk=unit.pk)
    unit.save()
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if changes:
        audit.record("jianfu.core.unit.updated", actor=by, obj=unit, changes=changes)
    return unit


@transaction.atomic
def unit_move(*, by, unit: Unit, parent: Unit) -> Unit:
    scope.require(by, "core.unit:manage")
    _require_covers(by, unit)
    _require_covers(by, parent)
    unit = Unit.objects.get(pk=unit.pk)
    parent = Unit.objects.get(pk=parent.pk)
    if parent.path.startswith(unit.path):
        raise DomainError("cycle", _("不能把单位移到它自己或它的下级单位之下。"), field="parent")
    old_parent = Unit.objects.get_parent(unit)
    Unit.objects.move(unit, parent, pos="last-child")
    unit.refresh_from_db()
    audit.record(
        "jianfu.core.unit.moved",
        actor=by,
        obj=unit,
        changes={"parent": [old_parent.pk if old_parent else None, parent.pk]},
    )
    return unit


@transaction.atomic
def unit_close(*, by, unit: Unit, valid_until, successor: Unit | None = None) -> Unit:
    scope.require(by, "core.unit:manage")
    _require_covers(by, unit)
    if successor is not None:
        _require_covers(by, successor)
        if successor.pk == unit.pk:
            raise DomainError(
                "bad_successor", _("承继单位不能是被撤销的单位本身。"), field="successor"
            )
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.valid_until = valid_until
    unit.successor = successor
    unit.save(update_fields=["valid_until", "successor", "updated_at"])
    audit.record(
        "jianfu.core.unit.closed",
        actor=by,
        obj=unit,
        changes=audit.diff(before, audit.snapshot(unit, UNIT_FIELDS)),
    )
    return unit


# --- Accounts -----------------------------------------------------------------------------------


def _temporary_password() -> str:
    # Four classes guaranteed; the account must change it at first login.
    return "Jf-" + secrets.token_urlsafe(9) + "7a"


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError("weak_password", " ".join(e.messages), field="password") from e


@transaction.atomic
def account_create(
    *,
    by,
    username: str,
    home_unit: Unit,
    full_name: str = "",
    phone: str = "",
    password: str | None = None,
    valid_until: dt.date | None = None,
) -> tuple[User, str]:
    """Create an account with a temporary password it must change at first login."""
    scope.require(by, "core.account:manage")
    _require_covers(by, home_unit)
    username = username.strip()
    if not username:
        raise DomainError("required", _("用户名不能为空。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            "duplicate_username", _("用户名“%(u)s”已被使用。") % {"u": username}, field="username"
        )
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone.strip(),
        home_unit=home_unit,
        must_change_password=True,
        valid_until=valid_until,
    )
    password = password or _temporary_password()
    _validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = clock.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as e:
        raise DomainError(
            "duplicate_username", _("用户名“%(u)s”已被使用。") % {"u": username}, field="username"
        ) from e
    audit.record(
        "jianfu.core.account.created",
        actor=by,
        obj=user,
        changes=_account_changes({}, user),
    )
    return user, password


@transaction.atomic
def account_update(
    *,
    by,
    user: User,
    full_name: str,
    phone: str,
    home_unit: Unit,
    valid_until: dt.date | None = None,
) -> User:
    """Change an account's particulars; `valid_until` is the last day it may log in (None: no
    end)."""
    scope.require(by, "core.account:manage")
    _require_covers(by, user.home_unit)
    _require_covers(by, home_unit)
    before = audit.snapshot(user, ACCOUNT_FIELDS)
    user.full_name, user.home_unit = full_name.strip(), home_unit
    # A phone this server cannot decrypt (key changed) is kept when the form leaves it blank.
    if phone.strip() or not isinstance(user.phone, Unreadable):
        user.phone = phone.strip()
    user.valid_until = valid_until
    user.save(update_fields=["full_name", "phone", "home_unit", "valid_until"])
    changes = _account_changes(before, user)
    if changes:
        audit.record("jianfu.core.account.updated", actor=by, obj=user, changes=changes)
    return user


@transaction.atomic
def account_set_active(*, by, user: User, active: bool) -> User:
    scope.require(by, "core.account:manage")
    _require_covers(by, user.home_unit)
    if user.pk == by.pk:
        raise DomainError("self", _("不能停用自己的账户。"))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        _bump_access(user)
        code = "jianfu.core.account.activated" if active else "jianfu.core.account.deactivated"
        audit.record(code, actor=by, obj=user, changes={"is_active": [not active, active]})
    return user


@transaction.atomic
def account_reset_password(*, by, user: User) -> str:
    scope.require(by, "core.account:manage")
    _require_covers(by, user.home_unit)
    password = _temporary_password()
    passwords.retire(user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("jianfu.core.password.reset", actor=by, obj=user)
    return password


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise DomainError("bad_password", _("原密码不正确。"), field="old_password")
    if old_password == new_password:
        raise DomainError("same_password", _("新密码不能与原密码相同。"), field="new_password")
    _validate_password(new_password, user)
    passwords.retire(user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("jianfu.core.password.changed", actor=user, obj=user)
    return user


@transaction.atomic
def account_unlock(*, by, user: User) -> int:
    scope.require(by, "core.account:unlock")
    _require_covers(by, user.home_unit)
    key = user.username.lower()
    removed, _detail = Lockout.objects.filter(username=key).delete()
    LoginFailure.objects.filter(username=key).delete()
    audit.record("jianfu.core.account.unlocked", actor=by, obj=user, extra={"lockouts": removed})
    return removed


# --- Roles (the security administrator's) -------------------------------------------------------


def _bump_access(user: User) -> None:
    """Sessions that cached this account's roles read them again on their next request."""
    User.objects.filter(pk=user.pk).update(access_version=F("access_version") + 1)


@transaction.atomic
def role_grant(*, by, user: User, role: str) -> RoleGrant:
    scope.require(by, "core.role:grant")
    _require_covers(by, user.home_unit)
    if role not in Role.values:
        raise DomainError("bad_role", _("未知角色“%(r)s”。") % {"r": role}, field="role")
    if user.pk == by.pk:
        raise DomainError("self", _("不能给自己授予或收回角色。"), field="role")
    held = set(user.role_grants.values_list("role", flat=True))
    if role in held:
        raise DomainError("already", _("该账户已经拥有这个角色。"), field="role")
    if held and (role in ADMIN_ROLES or held & ADMIN_ROLES):
        raise DomainError(
            "separation",
            _("三员分立：系统管理员、安全管理员、审计管理员不能兼任其他任何角色。"),
            field="role",
        )
    grant = RoleGrant.objects.create(user=user, role=role, granted_by=by)
    _bump_access(user)
    audit.record(
        "jianfu.core.role.granted",
        actor=by,
        obj=user,
        changes={"roles": [sorted(held), sorted(held | {role})]},
    )
    return grant


@transaction.atomic
def role_revoke(*, by, user: User, role: str) -> None:
    scope.require(by, "core.role:grant")
    _require_covers(by, user.home_unit)
    if user.pk == by.pk:
        raise DomainError("self", _("不能给自己授予或收回角色。"), field="role")
    held = set(user.role_grants.values_list("role", flat=True))
    if role not in held:
        raise DomainError("not_held", _("该账户没有这个角色。"), field="role")
    RoleGrant.objects.filter(user=user, role=role).delete()
    _bump_access(user)
    audit.record(
        "jianfu.core.role.revoked",
        actor=by,
        obj=user,
        changes={"roles": [sorted(held), sorted(held - {role})]},
    )


# --- Runtime settings ---------------------------------------------------------------------------


@transaction.atomic
def setting_update(*, by, key: str, value) -> RuntimeSetting:
    d = runtime.DEFINITIONS.get(key)
    if d is None:
        raise DomainError("bad_setting", _("未知参数“%(k)s”。") % {"k": key})
    scope.require(by, f"core.setting:{d.group}")
    try:
        value = d.parse(value)
    except (TypeError, ValueError) as e:
        raise DomainError(
            "bad_value", _("“%(l)s”的值“%(v)s”无效。") % {"l": d.label, "v": value}, field=key
        ) from e
    if d.kind is not bool and (
        (d.minimum is not None and value < d.minimum)
        or (d.maximum is not None and value > d.maximum)
    ):
        raise DomainError(
            "out_of_range",
            _("“%(l)s”须在 %(lo)s 到 %(hi)s 之间。")
            % {"l": d.label, "lo": d.minimum, "hi": d.maximum},
            field=key,
        )
    if d.choices and value not in {c for c, _label in d.choices}:
        raise DomainError(
            "bad_value", _("“%(l)s”的值“%(v)s”无效。") % {"l": d.label, "v": value}, field=key
        )
    if d.check is not None and value not in ("", None):
        try:
            d.check(value)
        except ValueError as e:
            raise DomainError("bad_value", str(e), field=key) from e
    before = runtime.get(key)
    row, _created = RuntimeSetting.objects.update_or_create(
        key=key, defaults={"value": value, "updated_by": by}
    )
    runtime.invalidate()
    if before != value:
        # A secret's change is recorded as set or cleared, never its value.
        shown = (lambda v: "******" if v else "") if d.secret else (lambda v: v)
        audit.record(
            "jianfu.core.setting.changed",
            actor=by,
            object_type="core.runtimesetting",
            object_id=key,
            changes={key: [shown(before), shown(value)]},
        )
    return row


# --- API tokens ---------------------------------------------------------------------------------


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *, by, name: str, unit: Unit, scopes: list[str], expires_at=None
) -> tuple[ApiToken, str]:
    """Issue a token; the secret is shown once and only its hash is kept."""
    scope.require(by, "core.token:manage")
    _require_covers(by, unit)
    if not name.strip():
        raise DomainError("required", _("令牌名称不能为空。"), field="name")
    bad = [s for s in scopes if s not in permissions.TOKEN_GRANTABLE]
    if bad or not scopes:
        raise DomainError(
            "bad_scope", _("令牌权限范围无效：%(s)s") % {"s": ", ".join(bad) or "—"}, field="scopes"
        )
    secret = "jf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        unit=unit,
        scopes=sorted(set(scopes)),
        prefix=secret[:10],
        key_hash=token_hash(secret),
        created_by=by,
        expires_at=expires_at,
    )
    audit.record(
        "jianfu.core.token.issued",
        actor=by,
        obj=token,
        extra={"unit": unit.pk, "scopes": token.scopes},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, by, token: ApiToken) -> ApiToken:
    scope.require(by, "core.token:manage")
    _require_covers(by, token.unit)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record("jianfu.core.token.revoked", actor=by, obj=token)
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("unit")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= clock.now()):
        return None
    # Touch at most once a minute: the hot path of a push must not write every time.
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- Sessions -----------------------------------------------------------------------------------


@transaction.atomic
def login_recorded(*, user: User) -> None:
    audit.record("jianfu.core.login.succeeded", actor=user, obj=user)


@transaction.atomic
def logout_recorded(*, user: User) -> None:
    audit.record("jianfu.core.logout", actor=user, obj=user)


# --- Holiday overrides (the working-day calendar) -----------------------------------------------

audit.describe(
    {
        "jianfu.core.holiday_override.created": gettext_lazy("录入节假日调整"),
        "jianfu.core.holiday_override.changed": gettext_lazy("修改节假日调整"),
        "jianfu.core.holiday_override.deleted": gettext_lazy("删除节假日调整"),
    }
)

HOLIDAY_FIELDS = ("day", "kind", "name")


@transaction.atomic
def holiday_override_set(*, by, day, kind: str, name: str = "") -> HolidayOverride:
    """Declare `day` a holiday or a make-up working day (over the State Council schedule, or for a
    year it does not reach). A day already entered changes kind or name; the same again is refused.
    """
    scope.require(by, "core.setting:business")
    name = (name or "").strip()
    if not isinstance(day, dt.date):
        raise DomainError("required", _("请填写日期。"), field="day")
    if kind not in HolidayKind.values:
        raise DomainError("bad_kind", _("未知的日期类型“%(k)s”。") % {"k": kind}, field="kind")
    if len(name) > 50:
        raise DomainError("too_long", _("名称不能超过 50 个字。"), field="name")
    row = HolidayOverride.objects.select_for_update().filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = HolidayOverride.objects.create(day=day, kind=kind, name=name, created_by=by)
        except IntegrityError as e:
            raise DomainError(
                "already", _("该日期刚被他人录入，请刷新后再试。"), field="day"
            ) from e
        code, changes = "created", audit.diff({}, audit.snapshot(row, HOLIDAY_FIELDS))
    else:
        if row.kind == kind and row.name == name:
            raise DomainError(
                "already",
                _("%(d)s 已经录入为“%(k)s”。")
                % {"d": day.isoformat(), "k": row.get_kind_display()},
                field="day",
            )
        before = audit.snapshot(row, HOLIDAY_FIELDS)
        row.kind, row.name = kind, name
        row.save(update_fields=["kind", "name"])
        code, changes = "changed", audit.diff(before, audit.snapshot(row, HOLIDAY_FIELDS))
    audit.record(f"jianfu.core.holiday_override.{code}", actor=by, obj=row, changes=changes)
    return row


@transaction.atomic
def holiday_override_delete(*, by, day) -> None:
    """Remove the office's word for `day`: the schedule (or the plain week) applies again."""
    scope.require(by, "core.setting:business")
    row = HolidayOverride.objects.select_for_update().filter(day=day).first()
    if row is None:
        raise DomainError("not_found", _("该日期没有录入调整。"), field="day")
    pk, before = row.pk, audit.snapshot(row, HOLIDAY_FIELDS)
    row.delete()
    audit.record(
        "jianfu.core.holiday_override.deleted",
        actor=by,
        object_type=HolidayOverride._meta.label_lower,
        object_id=pk,
        changes=audit.diff(before, {}),
    )
