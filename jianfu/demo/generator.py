"""The synthetic city (or province) the demo, the tests and the benchmarks run on.

Three layers, each usable alone:

- `build_nodes(size, seed)` and `build_accounts(nodes, seed)`: pure functions that return the units
  (with their materialized paths already computed) and the demo accounts, without touching the
  database. Same seed, same names and codes; nothing here reads the global `random` or the time.
- `populate(size, seed, as_of)`: writes them with `bulk_create` (a province of ~35,000 units in a
  few seconds), runs the extensions that later apps registered, and writes one audit entry
  ("jianfu.demo.loaded") for the whole load.
- `load(size, seed, as_of)`: what `jianfu demo` calls. When the database already holds units it
  does nothing and returns what is there, so `make demo` run twice starts fast. Deleting `var/`
  (or dropping the PostgreSQL database) starts over.

Extending the demo. Each stage of the pipeline adds its demo data (registry records, sample points,
signals, problems …) with an extension: a function that receives a `DemoContext` and returns a dict
of counts. It lives in this package, one module per stage (`jianfu/demo/<stage>.py`, never inside
the domain app: the apps do not know the demo), registers itself, and is named in `PIPELINE`::

    # jianfu/demo/monitoring.py
    from jianfu.demo.generator import AccountSpec, register

    @register(count=lambda: {"sample_points": SamplePoint.objects.count()})
    def sample_points(ctx):
        villages = ctx.units["village"]
        points = [...]  # pick with ctx.rng, date with ctx.as_of
        ctx.add_accounts([AccountSpec(f"reporter-{u.code}", ctx.person_name(), u.code,
                                      ("reporter",)) for u in ...])
        return {"sample_points": len(points)}

Extensions run in the order of `PIPELINE`, inside the load's transaction. Each gets its own
`random.Random`, seeded from the demo seed and its own name, so adding an extension never changes
the data another one makes.
"""

import datetime as dt
import importlib
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from jianfu.core import audit, clock, runtime
from jianfu.core.models import RoleGrant, RuntimeSetting, Unit, UnitKind, User
from jianfu.core.permissions import Role

from . import names

DEMO_PASSWORD = "Jianfu@2025"  # noqa: S105 — the demo's published shared password
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's default, which Unit uses
STEPLEN = 4
BATCH_SIZE = 2000

# The six named accounts, in the order they are listed; their home unit is the root.
NAMED_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("office", Role.OFFICE),
    ("leader", Role.LEADER),
    ("discipline", Role.DISCIPLINE),
    ("sysadmin", Role.SYSADMIN),
    ("secadmin", Role.SECADMIN),
    ("auditor", Role.AUDITOR),
)
CONTACT_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)

# Administrative-style codes: the city is 4109 (410900), a province 41 (410000) with cities
# 4101 … 41NN. Within a county: street offices 001…, towns 101…, townships (乡) 201…; within a
# township: communities 001…, villages 201…; districts 02…, counties 21…, county-level cities 81….
PROVINCE_CODE = "41"
CITY_CODE = "4109"


@dataclass(frozen=True)
class Size:
    """How big a build is. Totals are for the whole build and are spread over the parents at
    random (so each county differs), which keeps the totals exact for every seed."""

    cities: int  # 0: the root is the city itself
    counties: int
    townships: int
    villages: int
    county_departments: int  # per county
    schools: tuple[int, int]  # per township, inclusive range
    enterprises: tuple[int, int]
    departments: tuple[str, ...] | None = None  # per city; None: all of names.CITY_DEPARTMENTS


SIZES: dict[str, Size] = {
    # For tests: small enough to build in a test's transaction.
    "tiny": Size(
        cities=0,
        counties=2,
        townships=4,
        villages=12,
        county_departments=2,
        schools=(1, 1),
        enterprises=(1, 1),
        departments=("市委办公室", "市发展和改革委员会", "市教育局"),
    ),
    "city": Size(
        cities=0,
        counties=10,
        townships=150,
        villages=3000,
        county_departments=10,
        schools=(1, 3),
        enterprises=(1, 3),
    ),
    "province": Size(
        cities=16,
        counties=120,
        townships=1500,
        villages=25000,
        county_departments=10,
        schools=(1, 3),
        enterprises=(1, 3),
    ),
}


# --- Pure building ------------------------------------------------------------------------------


def step(n: int) -> str:
    """The n-th step of a materialized path (1 → "0001"), as treebeard writes it."""
    if not 0 < n < len(ALPHABET) ** STEPLEN:
        raise ValueError(f"path step out of range: {n}")
    digits = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


class _Tree:
    """Collects node dicts in depth-first order, computing path, depth and numchild."""

    def __init__(self, root_step: int):
        self.nodes: list[dict[str, Any]] = []
        self.root_step = root_step

    def add(self, parent: dict | None, code: str, name: str, kind: str, short_name: str = ""):
        if parent is None:
            path, depth = step(self.root_step), 1
        else:
            parent["numchild"] += 1
            path, depth = parent["path"] + step(parent["numchild"]), parent["depth"] + 1
        node = {
            "code": code,
            "name": name,
            "short_name": short_name,
            "kind": str(kind),
            "path": path,
            "depth": depth,
            "numchild": 0,
        }
        self.nodes.append(node)
        return node


def distribute(total: int, parts: int, rng: random.Random, low=0.6, high=1.4) -> list[int]:
    """Split `total` over `parts` unevenly (each gets its share times a random factor), exactly
    (largest remainders), every part at least 1 when there is enough to go round."""
    if parts <= 0:
        return []
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(parts), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    if total >= parts:
        for i in range(parts):
            while out[i] < 1:
                donor = max(range(parts), key=lambda j: (out[j], -j))
                out[donor] -= 1
                out[i] += 1
    return out


def _county_kinds(n: int, rng: random.Random) -> list[str]:
    """Districts, then counties, then county-level cities (the order of a real roster)."""
    districts = max(1, round(n * rng.uniform(0.2, 0.4)))
    cities = min(n - districts, round(n * rng.uniform(0.05, 0.2)))
    return ["区"] * districts + ["县"] * (n - districts - cities) + ["市"] * cities


def _township_kinds(n: int, county_suffix: str, rng: random.Random) -> list[str]:
    """Street offices (街道), towns (镇), townships (乡) for one county."""
    if county_suffix == "区":
        streets = max(1, round(n * rng.uniform(0.6, 0.85)))
        xiang = 0
    elif county_suffix == "市":
        streets = max(1, round(n * rng.uniform(0.2, 0.4)))
        xiang = round(n * rng.uniform(0.0, 0.15))
    else:
        streets = 1 if n >= 8 else 0
        xiang = round(n * rng.uniform(0.15, 0.35))
    streets = min(streets, n)
    xiang = min(xiang, n - streets)
    return ["街道"] * streets + ["镇"] * (n - streets - xiang) + ["乡"] * xiang


def _city_department(name: str, short: str, city_stem: str | None) -> tuple[str, str]:
    """In a city build departments are called as the city calls them (市教育局); in a province
    build they carry their city's name (青川市教育局), so that sixteen cities are told apart."""
    if city_stem is None:
        return name, short
    return name.replace("市", f"{city_stem}市", 1), (city_stem + short if short else "")


def build_nodes(size: str = "city", seed: int = 2025, *, root_step: int = 1) -> list[dict]:
    """The units of a build, depth first, as dicts of Unit fields (code, name, short_name, kind,
    path, depth, numchild). `root_step` places the root after roots already in the tree."""
    spec = SIZES[size]
    rng = random.Random(seed)
    tree = _Tree(root_step)

    n_cities = spec.cities or 1
    counties_per_city = distribute(spec.counties, n_cities, rng)
    townships_per_county = iter(distribute(spec.townships, spec.counties, rng))
    villages_per_township = iter(distribute(spec.villages, spec.townships, rng))
    departments = [
        d for d in names.CITY_DEPARTMENTS if spec.departments is None or d[0] in spec.departments
    ]
    used_places: set[str] = set()

    if spec.cities:
        stem = names.province_stem(rng)
        root = tree.add(None, PROVINCE_CODE + "0000", f"{stem}省", UnitKind.PROVINCE, stem)
        city_codes = [f"{PROVINCE_CODE}{i:02d}" for i in range(1, spec.cities + 1)]
    else:
        root = None
        city_codes = [CITY_CODE]

    for city_code, n_counties in zip(city_codes, counties_per_city, strict=True):
        city_stem = names.unique(lambda: names.place_stem(rng), used_places)
        city = tree.add(root, city_code + "00", f"{city_stem}市", UnitKind.CITY, city_stem)
        _build_city(
            tree,
            city,
            city_code,
            n_counties,
            townships_per_county,
            villages_per_township,
            rng,
            spec,
            used_places,
        )
        for i, (name, short) in enumerate(departments, start=1):
            name, short = _city_department(name, short, city_stem if spec.cities else None)
            tree.add(city, f"{city_code}00D{i:03d}", name, UnitKind.DEPARTMENT, short)
    return tree.nodes


def _build_city(
    tree,
    city,
    city_code,
    n_counties,
    townships_per_county,
    villages_per_township,
    rng,
    spec,
    used_places,
):
    numbers = {"区": iter(range(2, 21)), "县": iter(range(21, 81)), "市": iter(range(81, 100))}
    for suffix in _county_kinds(n_counties, rng):
        stem = names.unique(lambda: names.place_stem(rng), used_places)
        county_code = f"{city_code}{next(numbers[suffix]):02d}"
        county_name = stem + suffix
        county = tree.add(city, county_code, county_name, UnitKind.COUNTY)
        n_townships = next(townships_per_county)
        township_numbers = {
            "街道": iter(range(1, 100)),
            "镇": iter(range(101, 200)),
            "乡": iter(range(201, 300)),
        }
        used_stems: set[str] = set()
        used_enterprises: set[str] = set()
        for t_kind in _township_kinds(n_townships, suffix, rng):
            if t_kind == "街道":
                t_stem = names.unique(lambda: names.street_stem(rng), used_stems)
            elif t_kind == "镇" and suffix == "县" and "城关" not in used_stems:
                t_stem = "城关"
                used_stems.add(t_stem)
            else:
                t_stem = names.unique(lambda: names.town_stem(rng), used_stems)
            code = f"{county_code}{next(township_numbers[t_kind]):03d}"
            township = tree.add(county, code, t_stem + t_kind, UnitKind.TOWNSHIP)
            _build_township(
                tree,
                township,
                t_stem,
                t_kind,
                next(villages_per_township),
                rng,
                spec,
                stem,
                used_enterprises,
            )
        for i, (dept, short) in enumerate(names.COUNTY_DEPARTMENTS[: spec.county_departments], 1):
            tree.add(
                county,
                f"{county_code}D{i:02d}",
                county_name + dept,
                UnitKind.COUNTY_DEPARTMENT,
                county_name + short if short else "",
            )


def _build_township(
    tree, township, t_stem, t_kind, n_villages, rng, spec, county_stem, used_enterprises
):
    code = township["code"]
    used: set[str] = set()
    if t_kind == "街道":
        communities = n_villages
    elif t_kind == "镇":
        communities = min(n_villages, 1 + (n_villages >= 25) + (t_stem == "城关") * 2)
    else:
        communities = 0
    for n in range(1, communities + 1):
        if n == 1 and t_kind != "街道":
            name = t_stem + "社区"
            used.add(name)
        else:
            name = names.unique(lambda: names.community_name(rng), used)
        tree.add(township, f"{code}{n:03d}", name, UnitKind.VILLAGE)
    for n in range(201, 201 + n_villages - communities):
        name = names.unique(lambda: names.village_name(rng), used)
        tree.add(township, f"{code}{n:03d}", name, UnitKind.VILLAGE)

    owner = t_stem + t_kind if t_kind != "街道" else t_stem
    kinds = names.SCHOOL_KINDS if t_kind != "街道" else names.STREET_SCHOOL_KINDS
    for n in range(1, rng.randint(*spec.schools) + 1):
        tree.add(township, f"{code}S{n:02d}", owner + kinds[(n - 1) % len(kinds)], UnitKind.SCHOOL)
    for n in range(1, rng.randint(*spec.enterprises) + 1):
        name = names.unique(lambda: names.enterprise_name(rng, county_stem), used_enterprises)
        tree.add(township, f"{code}E{n:02d}", name, UnitKind.ENTERPRISE)


class AccountSpec(NamedTuple):
    """An account to create: its home unit by code, its roles by code."""

    username: str
    full_name: str
    home_code: str
    roles: tuple[str, ...]


def build_accounts(nodes: list[dict], seed: int = 2025) -> list[AccountSpec]:
    """The six named accounts (home unit: the root) and one contact per county and department."""
    rng = random.Random(f"{seed}:people")
    root = nodes[0]["code"]
    specs = [
        AccountSpec(username, names.person_name(rng), root, (str(role),))
        for username, role in NAMED_ACCOUNTS
    ]
    specs += [
        AccountSpec(
            f"contact-{n['code']}", names.person_name(rng), n["code"], (Role.CONTACT.value,)
        )
        for n in nodes
        if n["kind"] in CONTACT_KINDS
    ]
    return specs


def plan_counts(nodes: Iterable[dict]) -> dict[str, int]:
    by_kind = Counter(n["kind"] for n in nodes)
    out = {kind: by_kind.get(kind, 0) for kind in UnitKind.values}
    out["units"] = sum(by_kind.values())
    return out


# --- Extensions ---------------------------------------------------------------------------------


# The demo's stages, modules of this package, in the pipeline's order: each builds on what the
# earlier ones made (the signals stage runs the rules over the registry's records and the sample
# points' reports; the rectification stage confirms some of those signals). A new stage is a
# module here and its name in this list.
PIPELINE: tuple[str, ...] = (
    "registry",
    "monitoring",
    "signals",
    "rectification",
    "supervision_projects",
    "supervision_items",
    "reporting",
    "supervision_review",
    "supervision_meetings",
    "gate_plans",
    "gate_proposals",
    "gate_copies",
    "gate_burden",
    "accountability_clues",
    "accountability_handling",
    "accountability_tours",
    "accountability_exposure",
    "bulletins",
)


@dataclass
class Extension:
    name: str
    build: Callable[["DemoContext"], dict[str, int] | None]
    count: Callable[[], dict[str, int]] | None = None


EXTENSIONS: list[Extension] = []


def register(build=None, *, count: Callable[[], dict[str, int]] | None = None, name: str = ""):
    """Register a demo extension (usable as `@register` or `@register(count=…)`). `count` tells
    what the extension's data amount to when the demo is already loaded (for the summary). `name`
    (by default the function's dotted path) seeds the extension's random generator: the stages
    that moved here from the apps keep the names they had there (`jianfu.<app>.demo_data.<fn>`),
    so a seed builds the same city as before."""

    def _register(fn):
        key = name or f"{fn.__module__}.{fn.__qualname__}"
        if not any(e.name == key for e in EXTENSIONS):
            EXTENSIONS.append(Extension(key, fn, count))
        return fn

    return _register(build) if build is not None else _register


def import_stages() -> None:
    """Import the stage modules, which register their extensions."""
    for stage in PIPELINE:
        importlib.import_module(f"{__package__}.{stage}")


def extensions() -> list[Extension]:
    """The registered extensions in the order of `PIPELINE` (a later stage builds on what the
    earlier ones made), whatever order the modules happened to be imported in; any other
    extension after them, in the order registered."""
    import_stages()
    order = [f"{__package__}.{stage}" for stage in PIPELINE]

    def position(e: Extension) -> int:
        module = e.build.__module__
        return order.index(module) if module in order else len(order)

    return sorted(EXTENSIONS, key=position)


@dataclass
class DemoContext:
    """What an extension gets: the build's parameters, the units written (by kind, in tree order,
    with their ids), its own random generator, and a way to add accounts with the demo password."""

    size: str
    seed: int
    as_of: dt.date
    now: dt.datetime
    root: Unit
    units: dict[str, list[Unit]]
    by_code: dict[str, Unit]
    password_hash: str
    username_prefix: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    counts: Counter = field(default_factory=Counter)

    def person_name(self) -> str:
        return names.person_name(self.rng)

    def add_accounts(self, specs: Iterable[AccountSpec]) -> list[User]:
        """Create accounts with the shared demo password (hashed once), no change required."""
        specs = list(specs)
        users = User.objects.bulk_create(
            [
                User(
                    username=self.username_prefix + s.username,
                    full_name=s.full_name,
                    password=self.password_hash,
                    home_unit=self.by_code[s.home_code],
                    must_change_password=False,
                    password_changed_at=self.now,
                    date_joined=self.now,
                )
                for s in specs
            ],
            batch_size=BATCH_SIZE,
        )
        if users and users[0].pk is None:  # a backend that returns no ids from bulk inserts
            ids = dict(
                User.objects.filter(username__in=[u.username for u in users]).values_list(
                    "username", "pk"
                )
            )
            for u in users:
                u.pk = ids[u.username]
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=u, role=r) for u, s in zip(users, specs, strict=True) for r in s.roles],
            batch_size=BATCH_SIZE,
        )
        self.counts["accounts"] += len(users)
        return users


# --- Writing ------------------------------------------------------------------------------------


@contextmanager
def _pinned(as_of: dt.date | str | None) -> Iterator[None]:
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    with clock.frozen(as_of) if as_of is not None else nullcontext():
        yield


def populate(
    size: str = "city",
    seed: int = 2025,
    as_of: dt.date | str | None = None,
    *,
    username_prefix: str = "",
    with_extensions: bool = True,
) -> dict[str, int]:
    """Write a build into the database, beside whatever roots are already there, run the
    extensions, and audit the load once. Returns the counts. `load()` is what users call;
    `username_prefix` lets the tests build beside the shared test city's accounts."""
    if size not in SIZES:
        raise ValueError(f"unknown demo size: {size}")
    with _pinned(as_of), transaction.atomic():
        last = Unit.objects.get_last_root_node()
        root_step = int(last.path[:STEPLEN], len(ALPHABET)) + 1 if last else 1
        nodes = build_nodes(size, seed, root_step=root_step)
        units = Unit.objects.bulk_create([Unit(**n) for n in nodes], batch_size=BATCH_SIZE)
        if units[0].pk is None:  # a backend that returns no ids from bulk inserts
            ids = dict(
                Unit.objects.filter(path__startswith=units[0].path).values_list("path", "pk")
            )
            for u in units:
                u.pk = ids[u.path]
        by_kind: dict[str, list[Unit]] = {kind: [] for kind in UnitKind.values}
        for u in units:
            by_kind[u.kind].append(u)
        ctx = DemoContext(
            size=size,
            seed=seed,
            as_of=clock.today(),
            now=clock.now(),
            root=units[0],
            units=by_kind,
            by_code={u.code: u for u in units},
            password_hash=make_password(DEMO_PASSWORD),
            username_prefix=username_prefix,
        )
        ctx.counts.update(plan_counts(nodes))
        ctx.add_accounts(build_accounts(nodes, seed))
        relax_two_factor()
        for ext in extensions() if with_extensions else []:
            ctx.rng = random.Random(f"{seed}:{ext.name}")
            ctx.counts.update(ext.build(ctx) or {})
        counts = dict(ctx.counts)
        audit.record(
            "jianfu.demo.loaded",
            obj=ctx.root,
            extra={
                "size": size,
                "seed": seed,
                "as_of": ctx.as_of,
                "counts": counts,
                "two_factor_roles": DEMO_TWO_FACTOR_ROLES,
            },
        )
    return counts


# The demo is tried from a desk with its published password and no phone at hand: it asks no
# second factor of anyone. A fresh install asks it of the office and the three administrators
# (the setting's default); the security administrator turns it on again under 运行参数.
DEMO_TWO_FACTOR_ROLES = ""


def relax_two_factor() -> None:
    RuntimeSetting.objects.update_or_create(
        key="security.two_factor_roles", defaults={"value": DEMO_TWO_FACTOR_ROLES}
    )
    runtime.invalidate()


def demo_exists() -> bool:
    return Unit.objects.exists()


def counts() -> dict[str, int]:
    """What the database holds now, in the same shape as `populate()` returns."""
    by_kind = dict(Unit.objects.order_by().values_list("kind").annotate(n=Count("id")))
    out = {kind: by_kind.get(kind, 0) for kind in UnitKind.values}
    out["units"] = sum(by_kind.values())
    out["accounts"] = User.objects.count()
    for ext in extensions():
        if ext.count is not None:
            out.update(ext.count())
    return out


def load(
    size: str = "city",
    seed: int = 2025,
    as_of: dt.date | str | None = None,
    *,
    with_extensions: bool = True,
) -> dict[str, int]:
    """Build the demo unless the database already holds units; either way return the counts.

    One transaction: a failed load leaves nothing behind."""
    if size not in SIZES:
        raise ValueError(f"unknown demo size: {size}")
    with transaction.atomic():
        if demo_exists():
            return counts()
        return populate(size, seed, as_of, with_extensions=with_extensions)


def loaded_info() -> dict | None:
    """The parameters of the last demo load (size, seed, as_of, counts), from its audit entry."""
    from jianfu.core.models import AuditEntry

    entry = AuditEntry.objects.filter(code="jianfu.demo.loaded").order_by("-seq").first()
    return entry.extra if entry else None


# --- Listing ------------------------------------------------------------------------------------


class DemoAccount(NamedTuple):
    username: str
    roles: tuple[str, ...]  # role labels
    unit: str  # home unit name


def accounts() -> list[DemoAccount]:
    """The accounts that still have the demo password: the demo hashes it once and gives every
    account the same hash, which no account created through the application can share (each gets
    its own salt). The named six first, then by home unit (tree order)."""
    shared = (
        User.objects.exclude(password="")
        .order_by()
        .values("password")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("password")
    )
    users = list(
        User.objects.filter(password__in=shared, is_active=True).select_related("home_unit")
    )
    roles: dict[int, list[str]] = {}
    for user_id, role in (
        RoleGrant.objects.filter(user__in=[u.pk for u in users])
        .order_by("role")
        .values_list("user_id", "role")
    ):
        roles.setdefault(user_id, []).append(role)
    order = {name: i for i, (name, _) in enumerate(NAMED_ACCOUNTS)}

    def key(u: User):
        if u.username in order:
            return (0, order[u.username], "", "")
        return (1, 0, u.home_unit.path if u.home_unit else "", u.username)

    return [
        DemoAccount(
            u.username,
            tuple(str(Role(r).label) for r in roles.get(u.pk, [])),
            u.home_unit.name if u.home_unit else "",
        )
        for u in sorted(users, key=key)
    ]
