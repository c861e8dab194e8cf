"""The one scoping function: what an account (or an API token) may see and change.

Every page, API endpoint, export and background job reaches unit-owned data through `visible()` or
`get_for()`. Outside the principal's units a record does not exist (404, so ids cannot be probed);
inside them, a missing permission code is a 403 that says why. The scope guard
(`scope_guard.py`: `Model.scoped`, entered for every request) catches the query that forgets.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .permissions import (
    ADMIN_ROLES,
    CATALOGUE,
    ROLE_PERMISSIONS,
    UNIT_ONLY_ROLES,
    check_code,
    permissions_for_roles,
)

PATH_MAX = 255


@dataclass(frozen=True)
class Scope:
    unit_id: int | None
    path: str | None
    unit_only: bool
    perms: frozenset[str]

    def can(self, code: str) -> bool:
        return check_code(code) in self.perms

    def covers_path(self, path: str) -> bool:
        if self.path is None:
            return False
        if self.unit_only:
            return path == self.path
        return path.startswith(self.path)

    def units_q(self, prefix: str = "") -> Q:
        """A filter on a unit relation (prefix "unit__") or on Unit itself (prefix "").

        A subtree is one index range on the materialized path: every descendant's path is the
        root's path followed by characters of the tree alphabet, all of which sort at or below "Z".
        """
        if self.path is None:
            return Q(pk__in=[])
        if self.unit_only:
            return Q(**{f"{prefix}path": self.path})
        upper = self.path + "Z" * (PATH_MAX - len(self.path))
        return Q(**{f"{prefix}path__gte": self.path, f"{prefix}path__lte": upper})


EMPTY = Scope(None, None, True, frozenset())


class TokenPrincipal:
    """The principal behind an API token: bound to its unit's subtree and its listed codes."""

    is_token = True
    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, token):
        self.token = token
        self.home_unit = token.unit

    def get_username(self) -> str:
        return f"token:{self.token.name}"


def scope_of(principal) -> Scope:
    if principal is None or not getattr(principal, "is_authenticated", False):
        return EMPTY
    cached = getattr(principal, "_jianfu_scope", None)
    if cached is not None:
        return cached
    if getattr(principal, "is_token", False):
        from .permissions import TOKEN_GRANTABLE

        unit = principal.token.unit
        perms = frozenset(c for c in principal.token.scopes if c in TOKEN_GRANTABLE)
        scope = Scope(unit.pk, unit.path, False, perms)
    elif not principal.is_active or principal.home_unit_id is None:
        scope = EMPTY
    else:
        roles = principal.role_codes
        unit = principal.home_unit
        unit_only = bool(roles) and roles <= UNIT_ONLY_ROLES
        scope = Scope(unit.pk, unit.path, unit_only, permissions_for_roles(roles))
    principal._jianfu_scope = scope
    return scope


def can(principal, code: str) -> bool:
    return scope_of(principal).can(code)


class Refused(PermissionDenied):
    """A missing permission code (403 with the reason), carrying the code it missed so that a
    request naming a record can answer 404 instead (see `hides`)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def require(principal, code: str) -> Scope:
    """403 with a reason when the principal lacks the code."""
    scope = scope_of(principal)
    if not scope.can(code):
        raise Refused(_("您没有“%(what)s”的权限。") % {"what": CATALOGUE[code]}, code)
    return scope


def hides(principal, code: str) -> bool:
    """Is a refusal of `code` on a request that names a record a 404 rather than a 403?

    Yes when no role on the principal's side of the separation of duties ever holds the code:
    an administrator (系统、安全、审计管理员) refused a business record, a business role refused an
    account or a token. Such a principal can never see that record, and a 403 would tell an
    existing id from a missing one. A refusal a role of the principal's own side could be granted
    past keeps its 403 with the reason."""
    return code not in _side_codes(principal)


def _side_codes(principal) -> frozenset[str]:
    """Every code some role on the principal's side holds (read now: apps register theirs)."""
    roles = getattr(principal, "role_codes", None)
    admin = bool(roles) and set(roles) <= ADMIN_ROLES
    side = ADMIN_ROLES if admin else set(ROLE_PERMISSIONS) - ADMIN_ROLES
    return frozenset().union(*(ROLE_PERMISSIONS[r] for r in side))


def visible(qs: QuerySet, principal, *, perm: str, unit_field: str | None = "unit") -> QuerySet:
    """The records of `qs` the principal may see under permission `perm`.

    unit_field names the relation to Unit ("unit", "home_unit", …), or None when qs is of Units.
    """
    scope = require(principal, perm)
    prefix = "" if unit_field is None else f"{unit_field}__"
    return qs.filter(scope.units_q(prefix))


def get_for(
    source: type[Model] | QuerySet,
    principal,
    pk,
    *,
    perm: str,
    unit_field: str | None = "unit",
) -> Model:
    """One record, or 404 when it is outside the principal's units, or 403 without `perm`."""
    qs = source._default_manager.all() if isinstance(source, type) else source
    scope = scope_of(principal)
    check_code(perm)
    prefix = "" if unit_field is None else f"{unit_field}__"
    try:
        obj = qs.filter(scope.units_q(prefix)).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(principal, perm)
    return obj


def covers(principal, obj: Model, *, unit_field: str | None = "unit") -> bool:
    """May the principal see this loaded object (its unit must be loaded or cheap to load)."""
    unit = obj if unit_field is None else getattr(obj, unit_field)
    return unit is not None and scope_of(principal).covers_path(unit.path)
