"""The leaders' dashboard: the whole city at a glance, and one county's or department's profile.
The panels are the apps' (core/dashboard.py); these views choose the unit and render them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from . import dashboard, scope
from .models import Unit, UnitKind
from .replica import replica_reads

# The units that have a profile: counties and city departments (the units quotas are set for).
PROFILE_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)


@replica_reads
@login_required
def city(request):
    """The principal's whole scope. A contact, whose scope is its own unit, lands on its profile."""
    s = scope.require(request.user, dashboard.VIEW)
    home = request.user.home_unit
    if home is None or home.kind not in (UnitKind.CITY, UnitKind.PROVINCE):
        return redirect("dashboard_unit", s.unit_id)
    units = (
        scope.visible(Unit.objects.all(), request.user, perm=dashboard.VIEW, unit_field=None)
        .filter(kind__in=PROFILE_KINDS, valid_until__isnull=True)
        .only("pk", "name", "kind", "path")
        .order_by("kind", "path")
    )
    groups = {kind: [] for kind in PROFILE_KINDS}
    for unit in units:
        groups[unit.kind].append(unit)
    return render(
        request,
        "core/dashboard.html",
        {
            "unit": None,
            "scope_unit": home,
            "panels": dashboard.build(request.user),
            "profiles": [(UnitKind(k).label, us) for k, us in groups.items() if us],
        },
    )


@replica_reads
@login_required
def unit_profile(request, pk: int):
    """One unit's one-page profile: 404 outside the principal's units."""
    unit = scope.get_for(Unit, request.user, pk, perm=dashboard.VIEW, unit_field=None)
    return render(
        request,
        "core/dashboard.html",
        {"unit": unit, "panels": dashboard.build(request.user, unit), "profiles": []},
    )
