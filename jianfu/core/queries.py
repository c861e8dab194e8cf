"""Reads on units, accounts and the audit log; each starts from a scoped queryset."""

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from . import scope
from .models import AuditEntry, Unit, UnitKind, User
from .permissions import Role


def count_by(qs: QuerySet, field: str) -> dict:
    """{value of field: rows with it} in one grouped query. The ordering is cleared because a
    model's default ordering would join the GROUP BY and split the groups."""
    return dict(qs.order_by().values_list(field).annotate(n=Count("pk")))


def with_parent(qs: QuerySet) -> QuerySet:
    """Annotate parent_id (the tree stores only paths) in the same query."""
    parent = Unit.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)
    ).values("pk")[:1]
    return qs.annotate(parent_id=Subquery(parent))


def units_for(
    principal,
    *,
    parent: int | None = None,
    kind: str | None = None,
    q: str = "",
    include_closed: bool = False,
) -> QuerySet:
    units = scope.visible(Unit.objects.all(), principal, perm="core.unit:view", unit_field=None)
    if parent is not None:
        parent_unit = scope.get_for(Unit, principal, parent, perm="core.unit:view", unit_field=None)
        units = units.filter(path__startswith=parent_unit.path, depth=parent_unit.depth + 1)
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code=q))
    if not include_closed:
        units = units.filter(valid_until__isnull=True)
    return with_parent(units.order_by("path"))


def subtree_ids(unit: Unit) -> list[int]:
    return list(
        Unit.objects.filter(
            scope.Scope(unit.pk, unit.path, False, frozenset()).units_q()
        ).values_list("pk", flat=True)
    )


def scope_summary(principal) -> list[tuple[str, int]]:
    """How many units of each kind lie in the principal's scope (the home page's table)."""
    s = scope.scope_of(principal)
    counts = count_by(Unit.objects.filter(s.units_q(), valid_until__isnull=True), "kind")
    return [(label, counts[value]) for value, label in UnitKind.choices if counts.get(value)]


def ancestors(unit: Unit) -> list[Unit]:
    paths = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def accounts_for(principal, *, q: str = "", role: str = "", unit: Unit | None = None) -> QuerySet:
    users = scope.visible(
        User.objects.all(), principal, perm="core.account:view", unit_field="home_unit"
    )
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if role and role in Role.values:
        users = users.filter(role_grants__role=role)
    if unit is not None:
        users = users.filter(home_unit=unit)
    return (
        users.select_related("home_unit")
        .prefetch_related("role_grants")
        .order_by(F("home_unit__path").asc(), "username")
    )


def audit_entries(
    principal,
    *,
    actor: str = "",
    code: str = "",
    object_type: str = "",
    object_id: str = "",
    since=None,
    until=None,
    failed_only: bool = False,
) -> QuerySet:
    scope.require(principal, "core.audit:view")
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name__icontains=actor)
    if code:
        entries = entries.filter(code__startswith=code)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    if failed_only:
        entries = entries.filter(success=False)
    return entries.order_by("-seq")
