"""Subtree query and scope check on the province-size units tree.

    .venv/bin/python bench/units.py                    # SQLite (bench/.data/units/)
    DATABASE_URL=postgres://…/jianfu_bench .venv/bin/python bench/units.py

subtree_query_ms: the ids of every unit under a median county (median of 50 runs).
scope_check_ms: may this account see this object — a county contact's request for one unit, done
the way every page does it (scope from the account's roles and home unit, then the object fetched
within that scope), for a fresh account object each time so nothing is cached between runs.
scope_guard_check_ms: the same request through the scope guard (the request's scope entered as
the middleware does, then `Unit.scoped`), for what the guard adds.
"""

import contextlib
import random
import time

from _setup import figure, median_ms, start

vendor = start("units")

from django.http import Http404  # noqa: E402

from jianfu.core import scope, scope_guard  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.core.queries import subtree_ids  # noqa: E402
from jianfu.demo import generator  # noqa: E402

if not Unit.objects.exists():
    t = time.perf_counter()
    generator.load(size="province", seed=2025, with_extensions=False)
    print(f"built the province tree in {time.perf_counter() - t:.1f} s")

print(f"database: {vendor}; units: {Unit.objects.count()}")
counties = list(Unit.objects.filter(kind="county").order_by("path"))
sizes = sorted((len(subtree_ids(c)), c.pk) for c in counties)
median_size, median_pk = sizes[len(sizes) // 2]
county = Unit.objects.get(pk=median_pk)
print(f"median county: {county.name} with {median_size} units below and including it")

figure("subtree_query_ms", median_ms(lambda: subtree_ids(county)))

contact = User.objects.filter(role_grants__role="contact", home_unit__kind="county").first()
if contact is None:  # province-size demo accounts cover the first city; any county will do
    contact = User.objects.create(username="bench-contact", home_unit=county)
    contact.role_grants.create(role="contact")
home = contact.home_unit
inside = list(Unit.objects.filter(scope.scope_of(contact).units_q()).values_list("pk", flat=True))
outside = list(Unit.objects.exclude(pk__in=inside).values_list("pk", flat=True)[:5000])
rng = random.Random(7)


def check():
    account = User.objects.select_related("home_unit").get(pk=contact.pk)
    pk = rng.choice(inside) if rng.random() < 0.5 else rng.choice(outside)
    # Outside the scope the answer is 404 (Http404), half the time by design.
    with contextlib.suppress(Http404):
        scope.get_for(Unit, account, pk, perm="core.unit:view", unit_field=None)


figure("scope_check_ms", median_ms(check, runs=200))


def guarded_check():
    account = User.objects.select_related("home_unit").get(pk=contact.pk)
    pk = rng.choice(inside) if rng.random() < 0.5 else rng.choice(outside)
    with scope_guard.active(account), contextlib.suppress(Unit.DoesNotExist):
        Unit.scoped.get(pk=pk)


figure("scope_guard_check_ms", median_ms(guarded_check, runs=200))
