"""Reads on key projects, always from the account's scope (scope.visible / scope.get_for): the
list with its filters, one project's figures, the signals raised on projects, the site-visit list.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from jianfu.core import clock, scope
from jianfu.core.models import Unit
from jianfu.signals.models import Signal, SignalStatus

from . import health
from .models import Deal, Milestone, MonthlyMoney, Project, ProjectCategory
from .services import VIEW

CENT = Decimal("0.01")

HEALTH_TROUBLED = "troubled"
HEALTH_CLEAN = "clean"


def projects(user):
    return scope.visible(
        Project.objects.select_related("unit", "category", "deal"), user, perm=VIEW
    )


def project(user, pk) -> Project:
    return scope.get_for(Project.objects.select_related("unit", "category"), user, pk, perm=VIEW)


def categories():
    return list(ProjectCategory.objects.all())


def owners(user) -> list[Unit]:
    """The units that own projects the account sees."""
    ids = projects(user).values_list("unit_id", flat=True).distinct()
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


def signals_by_project(project_ids) -> dict[int, list[Signal]]:
    """Open signals of the projects' health checks, per project."""
    subjects = [health.subject(pk) for pk in project_ids]
    out: dict[int, list[Signal]] = defaultdict(list)
    if not subjects:
        return out
    qs = Signal.objects.filter(
        rule__in=health.CODES, status=SignalStatus.OPEN, subject__in=subjects
    ).order_by("-severity", "rule")
    for s in qs:
        out[health.project_id(s.subject)].append(s)
    return out


def troubled_ids(rule: str | None = None) -> set[int]:
    qs = Signal.objects.filter(rule__in=health.CODES, status=SignalStatus.OPEN)
    if rule:
        qs = qs.filter(rule=rule)
    return {health.project_id(s) for s in qs.values_list("subject", flat=True)} - {None}


def filtered(user, *, category=None, unit=None, health_filter="", q=""):
    qs = projects(user)
    if category:
        qs = qs.filter(category_id=category)
    if unit:
        # The unit and its subtree.
        qs = qs.filter(unit__path__startswith=unit.path)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(location__icontains=q))
    if health_filter == HEALTH_TROUBLED:
        qs = qs.filter(pk__in=troubled_ids())
    elif health_filter == HEALTH_CLEAN:
        qs = qs.exclude(pk__in=troubled_ids())
    elif health_filter in health.CODES:
        qs = qs.filter(pk__in=troubled_ids(health_filter))
    return qs.order_by("unit__path", "pk")


def figures(projects_) -> dict[int, dict]:
    """Per project: money planned and arrived to date, milestones done, the deal's arrival share."""
    ids = [p.pk for p in projects_]
    today = clock.today()
    money = {
        r["project_id"]: r
        for r in MonthlyMoney.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(planned=Sum("planned"), arrived=Sum("arrived"))
        .order_by()
    }
    ms = {
        r["project_id"]: r
        for r in Milestone.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_on__lte=today)))
        .order_by()
    }
    deals = {d.project_id: d for d in Deal.objects.filter(project_id__in=ids)}
    out = {}
    for p in projects_:
        m = money.get(p.pk, {})
        # SQLite sums decimals as floats: bring the sums back to the cent.
        arrived = Decimal(m.get("arrived") or 0).quantize(CENT)
        m["planned"] = Decimal(m.get("planned") or 0).quantize(CENT)
        whole = p.total_investment or m.get("planned") or Decimal(0)
        c = ms.get(p.pk, {"total": 0, "done": 0})
        deal = deals.get(p.pk)
        out[p.pk] = {
            "planned": m["planned"],
            "arrived": arrived,
            "money_pct": round(float(arrived) / float(whole) * 100, 1) if whole else None,
            "milestones": c["total"],
            "done": c["done"],
            "progress_pct": round(c["done"] / c["total"] * 100, 1) if c["total"] else None,
            "deal": deal,
            "deal_pct": round(float(deal.amount_arrived) / float(deal.amount_signed) * 100, 1)
            if deal and deal.amount_signed
            else None,
        }
    return out


def months(project_: Project) -> list[MonthlyMoney]:
    return list(project_.money.order_by("month"))


def milestones(project_: Project) -> list[Milestone]:
    return list(project_.milestones.order_by("planned_on", "pk"))


def starts(project_: Project):
    return list(project_.starts.select_related("reported_by").order_by("started_on", "pk"))


def deal(project_: Project) -> Deal | None:
    return Deal.objects.filter(project=project_).first()


def visit_list(user, ids: list[int]) -> list[Project]:
    """The chosen projects the account sees, in the order chosen."""
    found = {p.pk: p for p in projects(user).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]
