"""The access walk: every URL and API operation, requested as every role and anonymously, with
path arguments pointing at an object inside the account's units and at one outside them.

- `every_route()`: each page URL pattern (resolved recursively from jianfu.urls) by its name, and
  each API operation from the OpenAPI document as "api:<METHOD> <path>".
- `build_world()`: the tiny demo (two counties and their units, with records of every kind) beside
  whatever is in the database, and one account per role homed in its first county ("A"); a
  reporter is homed on a sample point of A. Each county also gets one record of every kind the
  tiny demo has none of (files, an import job, a token, a delivery, a report, a requirement).
- `walk()`: requests everything (GET; POST where GET is refused) and returns one `Seen` per
  (route, principal, object): the table in `access_table.py` is what a correct walk sees.
- `leaks()`: what must never be seen whatever the table says — a server error, a record outside
  the account's units answered with anything but 404, a 403 that gives no reason.

Each request runs in a savepoint rolled back after it, so a POST that changes something (an
empty form that happens to be valid) changes nothing for the requests after it.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .access_table import ARGS, EXPECTED, LITERALS, PLACED, SHARED

ROLES = ("office", "leader", "contact", "reporter", "discipline", "sysadmin", "secadmin", "auditor")
PRINCIPALS = (*ROLES, "anonymous")
AS_OF = dt.date(2025, 9, 30)
PREFIX = "acc-"
# Not ours to check: Django's language switch (a redirect for everyone, no data).
IGNORED = frozenset({"set_language"})
GENERIC_403 = "您没有访问此页面的权限。"
SUCCESS = frozenset({200, 201, 204, 302, 303})


@dataclass(frozen=True)
class Route:
    name: str  # URL name, or "api:<METHOD> <openapi path>"
    pattern: str  # a Django pattern ("units/<int:pk>/") or an OpenAPI path ("/api/units/{unit_id}")
    kwargs: tuple[str, ...]
    method: str | None = None  # API operations, and plain views under api/ (POST)


@dataclass(frozen=True)
class Seen:
    route: str
    principal: str
    where: str  # "in", "out" or "-" (no object in the path)
    method: str
    status: int
    reason: str  # the 403's reason, or ""
    url: str


# --- Routes -------------------------------------------------------------------------------------

_KW = re.compile(r"<(?:\w+:)?(\w+)>")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "api":
                continue  # the API's operations: from its OpenAPI document (every_route)
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def every_route() -> list[Route]:
    from jianfu.api import api

    routes: dict[str, Route] = {}
    for pattern, p in _walk(get_resolver().url_patterns):
        if p.name in IGNORED:
            continue
        # A plain view beside the API (the phone's submission) takes a JSON POST, as the API's.
        if pattern.startswith("api/"):
            routes[p.name] = Route(p.name, "/" + pattern, (), "POST")
            continue
        routes[p.name] = Route(p.name, pattern, tuple(_KW.findall(pattern)))
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method in ops:
            name = f"api:{method.upper()} {path}"
            routes[name] = Route(name, path, tuple(re.findall(r"{(\w+)}", path)), method.upper())
    for extra in ("/api/openapi.json", "/api/docs"):
        routes[f"api:GET {extra}"] = Route(f"api:GET {extra}", extra, (), "GET")
    return sorted(routes.values(), key=lambda r: r.name)


def untabled(routes: list[Route]) -> list[str]:
    """Routes the table does not know: a new URL must be added to access_table.py."""
    return [r.name for r in routes if r.name not in EXPECTED]


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    a: object  # county A (the accounts' home)
    b: object  # county B
    accounts: dict  # role → User


def build_world() -> World:
    from jianfu.core.models import RoleGrant, Unit, User
    from jianfu.core.scope_guard import unscoped
    from jianfu.demo import generator
    from jianfu.monitoring.models import SamplePoint

    with unscoped():
        generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
        root = Unit.objects.filter(depth=1).order_by("-path").first()
        a, b = Unit.objects.filter(kind="county", path__startswith=root.path).order_by("path")[:2]
        # The tiny demo has no sample points: one village of each county becomes one, so a
        # reporter has a point in A and a point in B lies outside it.
        points = {}
        for county in (a, b):
            village = Unit.objects.filter(kind="village", path__startswith=county.path)
            points[county.pk] = SamplePoint.objects.create(
                unit=village.order_by("path").first(),
                county=county,
                kind="village",
                since=dt.date(2023, 1, 1),
            )
        point = points[a.pk]
        # Nor do its records carry external ids: one record of each kind per county gets one,
        # for the API's by-external-id operations.
        from jianfu.registry.models import Document, Inspection, Meeting

        for model in (Document, Inspection, Meeting):
            for county in (a, b):
                record = model.objects.filter(unit__path__startswith=county.path).first()
                if record is not None:
                    record.external_id = f"ACC-{county.code}-{record.pk}"
                    record.save(update_fields=["external_id"])
        accounts = {}
        for role in ROLES:
            home = point.unit if role == "reporter" else a
            user = User.objects.create_user(
                username=f"{PREFIX}{role}", password=None, full_name=role, home_unit=home
            )
            RoleGrant.objects.create(user=user, role=role)
            accounts[role] = user
        point.reporters.add(accounts["reporter"])
        # An office account of B, the owner of B's import job.
        outsider = User.objects.create_user(
            username=f"{PREFIX}office-b", password=None, full_name="office-b", home_unit=b
        )
        RoleGrant.objects.create(user=outsider, role="office")
        for county, owner in ((a, accounts["office"]), (b, outsider)):
            _seed(county, points[county.pk], owner)
    return World(a=a, b=b, accounts=accounts)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed(county, point, owner) -> None:
    """Records of the kinds the tiny demo has none of, one set per county: files (stored through
    jianfu.core.files, so a download finds its bytes), an import job, an API token, a notice's
    delivery, a sample point's report and a reporting requirement the county publishes."""
    from django.utils import timezone

    from jianfu.accountability.clues.models import Clue, ClueFile
    from jianfu.core import files
    from jianfu.core.imports import background
    from jianfu.core.models import ApiToken
    from jianfu.core.services import token_hash
    from jianfu.gate.proposals.models import Proposal, ProposalFile
    from jianfu.monitoring.models import Report, ReportForm
    from jianfu.notify.models import Delivery, Notice
    from jianfu.rectification.models import Attachment, Problem
    from jianfu.supervision.items.models import Assignment, ItemFile
    from jianfu.supervision.reporting.models import (
        ReportingRequirement,
        Submission,
        SubmissionFile,
    )

    now = timezone.now()
    stored = files.store(PDF, "pdf")
    pdf = {"name": "材料.pdf", "kind": "pdf", "size": stored.size, "sha256": stored.sha256}
    pdf["relpath"] = stored.relpath

    def first(model, field):
        return model.objects.filter(**{f"{field}__path__startswith": county.path}).order_by("pk")[0]

    Attachment.objects.create(
        problem=first(Problem, "unit"), uploaded_by=owner, uploaded_at=now, **pdf
    )
    ClueFile.objects.create(clue=first(Clue, "subject_unit"), uploaded_at=now, **pdf)
    ProposalFile.objects.create(
        proposal=first(Proposal, "unit"), uploaded_by=owner, uploaded_at=now, **pdf
    )
    assignment = first(Assignment, "unit")
    ItemFile.objects.create(
        item=assignment.item, assignment=assignment, uploaded_by=owner, uploaded_at=now, **pdf
    )
    # reporting_file names the submission too: the file is the first submission's of the county
    SubmissionFile.objects.create(submission=first(Submission, "unit"), **pdf)
    requirement = ReportingRequirement.objects.create(
        unit=county,
        kind="schedule",
        title=f"{county.name}工作信息",
        quota=1,
        starts_on=AS_OF.replace(day=1),
        published_by=owner,
        published_at=now,
    )
    requirement.targets.add(county)
    background.start("registry.document", by=owner, filename="文件.csv", data=b"x\n")
    ApiToken.objects.create(
        name=f"{county.name}接口",
        unit=county,
        scopes=["registry.document:edit"],
        prefix=f"jf_{county.pk}",
        key_hash=token_hash(f"{PREFIX}{county.pk}"),
        created_by=owner,
    )
    Delivery.objects.create(
        notice=Notice.objects.order_by("pk")[0],
        channel="email",
        unit=county,
        recipient=owner,
        address="office@example.org",
        status="failed",
        attempts=5,
        last_error="550",
        created_at=now,
    )
    Report.objects.create(
        point=point,
        period=LITERALS["period"],
        form=ReportForm.objects.order_by("-pk")[0],
        values={},
        reporter=owner,
        first_submitted_at=now,
        submitted_at=now,
    )


def _object(world: World, label: str, inside: bool, attr: str = "pk"):
    """An object of model `label` in county A's subtree (inside) or outside it, by its guard's
    unit field; models without one give the same object for both."""
    from jianfu.core.scope_guard import ScopedManager, unscoped

    model = apps.get_model(label)
    with unscoped():
        manager = getattr(model, "scoped", None)
        qs = model.objects.order_by("pk")
        if attr != "pk":  # a record that has the value the path names (an external id)
            qs = qs.exclude(**{attr: ""}).exclude(**{f"{attr}__isnull": True})
        if isinstance(manager, ScopedManager):
            field = f"{manager.unit_field}__path" if manager.unit_field else "path"
        elif label in PLACED:
            field = f"{PLACED[label]}__path"
        else:
            return qs.first() if inside else None
        if inside:
            return qs.filter(**{f"{field}__startswith": world.a.path}).first()
        shared = SHARED.get(label)
        if shared:
            qs = qs.exclude(**{k: v.format(a=world.a.path) for k, v in shared.items()})
        return (
            qs.filter(**{f"{field}__startswith": world.b.path}).first()
            or qs.exclude(**{f"{field}__startswith": world.a.path}).first()
        )


def _period(point_pk) -> str:
    from jianfu.core.scope_guard import unscoped
    from jianfu.monitoring.models import Report

    with unscoped():
        report = Report.objects.filter(point_id=point_pk).order_by("-period").first()
    return report.period if report else LITERALS["period"]


def path_args(world: World, route: Route, inside: bool) -> dict | None:
    """The route's path arguments for an object inside (or outside) county A; None when the
    world holds no such object."""
    spec = ARGS.get(route.name, {})
    out = {}
    for kw in route.kwargs:
        source = spec.get(kw, LITERALS.get(kw))
        if source is None:
            raise KeyError(f"{route.name}: no source for path argument {kw!r} in ARGS")
        if source == "period":
            first = next(k for k in route.kwargs if k != kw)
            out[kw] = _period(out[first])
        elif "." in source:
            parts = source.split(".")
            label, attr = ".".join(parts[:2]), (parts[2] if len(parts) > 2 else "pk")
            obj = _object(world, label, inside, attr)
            if obj is None:
                return None
            out[kw] = getattr(obj, attr)
        else:
            out[kw] = source
    return out


def url_of(route: Route, args: dict) -> str:
    if route.method:
        path = route.pattern
        for k, v in args.items():
            path = path.replace("{" + k + "}", str(v))
        return path
    from django.urls import reverse

    return reverse(route.name, kwargs=args)


# --- The walk -----------------------------------------------------------------------------------


def _reason(response) -> str:
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return str(response.json().get("detail", ""))
        except ValueError:
            return ""
    if GENERIC_403 in body:
        return ""
    found = re.search(
        r'<div class="jf-error-code[^>]*>403</div>.*?<p class="mb-4">(.*?)</p>', body, re.S
    )
    return found.group(1).strip() if found else ""


def _request(client: Client, route: Route, url: str) -> tuple[str, object]:
    method = route.method or "GET"
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
            if response.status_code == 405 and not route.method:
                method = "POST"
                response = client.post(url, {})
        elif method in ("POST", "PUT", "PATCH"):
            response = client.generic(method, url, "{}", content_type="application/json")
        else:
            response = client.generic(method, url)
        transaction.set_rollback(True)
    return method, response


def walk(world: World, routes: list[Route], principals=PRINCIPALS) -> list[Seen]:
    seen = []
    objects = {}
    for route in routes:
        if route.kwargs:
            objects[route.name] = {
                "in": path_args(world, route, True),
                "out": path_args(world, route, False),
            }
        else:
            objects[route.name] = {"-": {}}
    for principal in principals:
        client = Client()
        if principal != "anonymous":
            client.force_login(world.accounts[principal])
        for route in routes:
            for where, args in objects[route.name].items():
                if args is None:
                    continue
                url = url_of(route, args)
                method, response = _request(client, route, url)
                cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
                if principal != "anonymous" and (cookie is None or not cookie.value):
                    client.force_login(world.accounts[principal])  # the walk logged it out
                status = response.status_code
                reason = _reason(response) if status == 403 else ""
                seen.append(Seen(route.name, principal, where, method, status, reason, url))
    return seen


def leaks(seen: list[Seen]) -> list[str]:
    """What is wrong whatever the table says."""
    found = []
    for s in seen:
        tag = f"{s.route} as {s.principal} ({s.where}, {s.method} {s.url}): {s.status}"
        if s.status >= 500:
            found.append(f"server error: {tag}")
        elif s.where == "out" and s.principal != "anonymous" and s.status in SUCCESS:
            found.append(f"outside the account's units but answered: {tag}")
        elif s.status == 403 and s.principal != "anonymous" and not s.reason:
            found.append(f"403 without a reason: {tag}")
    return found


def expected(route: str, principal: str, where: str) -> int | None:
    value = EXPECTED.get(route, {}).get(principal)
    if value is None:
        return None
    tokens = str(value).split()
    codes = dict(zip(("-",) if where == "-" else ("in", "out"), tokens, strict=False))
    code = codes.get(where)
    return int(code) if code and code != "-" else None


def render(seen: list[Seen], routes: list[Route]) -> str:
    """The EXPECTED dict as Python source, from a reviewed walk ("- -": no such record in the
    world, the route is listed but not requested)."""
    rows: dict[str, dict[str, dict[str, int]]] = {r.name: {} for r in routes}
    for s in seen:
        rows.setdefault(s.route, {}).setdefault(s.principal, {})[s.where] = s.status
    lines = ["EXPECTED: dict[str, dict[str, str]] = {"]
    for route in sorted(rows):
        lines.append(f"    {route!r}: {{")
        for principal in PRINCIPALS:
            got = rows[route].get(principal, {})
            pair = f"{got.get('in', '-')} {got.get('out', '-')}"
            value = str(got["-"]) if "-" in got else pair
            lines.append(f"        {principal!r}: {value!r},")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mismatches(seen: list[Seen]) -> list[str]:
    out = []
    for s in seen:
        want = expected(s.route, s.principal, s.where)
        if want != s.status:
            where = f"{s.where} {s.method} {s.url}"
            out.append(f"{s.route} as {s.principal} ({where}): {s.status}, table says {want}")
    return out
