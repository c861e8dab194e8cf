"""The scope guard: unit-owned models answer queries only inside a scope, as pretix's
django-scopes does, so a forgotten filter fails (in tests first) instead of leaking.

Each unit-owned model keeps Django's plain `objects` — Django itself needs it (related lookups,
migrations, serializers, forms), and so do services, rules, jobs and fixtures — and gains
`scoped`, a manager that
- inside `active(principal)` returns only the records in the principal's unit subtree (the same
  `Scope.units_q` range `scope.visible()` applies);
- inside `unscoped()` returns everything (a job, a rule, a command, the demo, a fixture that says
  so out loud);
- anywhere else raises ScopeError.

ScopeMiddleware makes every request (pages and the ninja API alike) `active` for its principal:
the API token or session ninja authenticated (`request.auth`), else `request.user`. The principal
is resolved at the first guarded query, so a request that reads no scoped data pays nothing.

django-scopes itself is not used: its manager filters by one value or a list of values, while our
scope is a subtree, one range on the materialized path; what would be left of it is the context
variable below.

Views and API modules reach unit-owned models through `Model.scoped`, through `scope.get_for()` /
`scope.visible()` (the read path that names the permission), or on a line marked
`# unscoped: <why>` — `core/tests/test_scope_guard.py` reads their source and fails otherwise.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from django.db import models
from django.http import Http404

from .scope import Refused, Scope, hides, scope_of


class ScopeError(Exception):
    """A guarded model was queried with no scope active and no `unscoped()` around it."""


_UNSCOPED = object()
# None (nothing entered: the guard refuses), _UNSCOPED, or a callable giving the active Scope.
_state: ContextVar = ContextVar("jianfu_scope", default=None)


@contextmanager
def _entered(value) -> Iterator[None]:
    token = _state.set(value)
    try:
        yield
    finally:
        _state.reset(token)


def active(principal) -> AbstractContextManager[None]:
    """`with active(principal):` — guarded queries see the principal's units (or a Scope's)."""
    if isinstance(principal, Scope):
        return _entered(lambda: principal)
    return _entered(lambda: scope_of(principal))


def unscoped() -> AbstractContextManager[None]:
    """`with unscoped():` — guarded queries see every unit. For jobs, rules, commands, the demo
    and fixtures, never for a person's request."""
    return _entered(_UNSCOPED)


def current() -> Scope | None:
    """The active scope; None inside `unscoped()`; ScopeError when nothing is entered."""
    state = _state.get()
    if state is _UNSCOPED:
        return None
    if state is None:
        raise ScopeError(
            "No scope is active: enter scope_guard.active(principal) (requests do, through "
            "ScopeMiddleware) or, for a job, scope_guard.unscoped()."
        )
    return state()


class ScopedManager(models.Manager):
    """The guarded manager. `unit_field` is the path to the owning Unit ("unit",
    "problem__unit", …), or None on Unit itself."""

    def __init__(self, unit_field: str | None = "unit"):
        super().__init__()
        self.unit_field = unit_field

    def get_queryset(self):
        qs = super().get_queryset()
        try:
            scope = current()
        except ScopeError as error:
            raise ScopeError(f"{self.model.__name__}.scoped: {error}") from None
        if scope is None:
            return qs
        return qs.filter(scope.units_q("" if self.unit_field is None else f"{self.unit_field}__"))


def principal_of(request):
    """Who a request acts for: the token or session ninja authenticated, else the session user."""
    return getattr(request, "auth", None) or getattr(request, "user", None)


# Path arguments that name no record (a step of a workflow, a kind of import, a period).
_NOT_RECORDS = frozenset({"action", "step", "kind", "period", "channel"})


def names_record(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match) and any(k not in _NOT_RECORDS for k in match.kwargs)


def refusal_hides(request, exc) -> bool:
    """A refusal on a request that names a record, of a kind the principal can never see: the
    record does not exist for it (404), so ids cannot be probed (scope.hides)."""
    return (
        isinstance(exc, Refused)
        and names_record(request)
        and hides(principal_of(request), exc.code)
    )


class ScopeMiddleware:
    """Every request runs inside the scope of its principal, resolved lazily (see principal_of).
    A view's refusal of a record its principal can never see becomes a 404 (refusal_hides)."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        with _entered(lambda: scope_of(principal_of(request))):
            return self.get_response(request)

    def process_exception(self, request, exc):
        if refusal_hides(request, exc):
            raise Http404 from exc
        return None
