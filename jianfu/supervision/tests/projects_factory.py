"""Key projects for tests, written through the services (as the office and the unit would), with
the ordinary noise of real reporting: uneven monthly amounts, an odd month without money, a
milestone done a little late."""

import datetime as dt
import random
from decimal import Decimal

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.supervision.projects import health, services
from jianfu.supervision.projects.models import ProjectCategory

AS_OF = dt.date(2025, 11, 20)


def office():
    return User.objects.get(username="office")


def category(code="industry"):
    return ProjectCategory.objects.get(code=code)


def month(n_back: int, as_of: dt.date = AS_OF) -> dt.date:
    return health.add_months(as_of.replace(day=1), -n_back)


def project(
    unit,
    name,
    *,
    location="开发区",
    total=1200,
    start_months_ago=None,
    money_months=(),
    arrived_each=100,
    milestones=4,
    done=0,
    deal=None,
    rng=None,
    as_of=AS_OF,
):
    """A project of `unit`. start_months_ago: started that many months before as_of (None: not
    started). money_months: the months back (1 = last month) with money arriving. done: milestones
    done. deal: (signed months ago, amount signed, amount arrived)."""
    rng = rng or random.Random(name)
    by = office()
    with clock.frozen(as_of):
        p = services.project_create(
            by=by,
            unit_id=unit.pk,
            category_id=category().pk,
            name=name,
            location=location,
            total_investment=total,
            planned_start=month(12, as_of),
            milestones=[(f"节点{i + 1}", month(10 - 2 * i, as_of)) for i in range(milestones)],
        )
        if deal is not None:
            signed, amount, arrived = deal
            services.deal_sign(
                by=by,
                project=p,
                signed_on=health.add_months(as_of, -signed),
                amount_signed=amount,
                amount_arrived=arrived,
            )
        if start_months_ago is not None:
            started = health.add_months(as_of, -start_months_ago)
            services.project_record_start(by=by, project=p, started_on=started)
        for m in p.milestones.order_by("planned_on")[:done]:
            services.milestone_done(
                by=by,
                milestone=m,
                done_on=min(as_of, m.planned_on + dt.timedelta(days=rng.randint(0, 20))),
            )
        for back in money_months:
            noise = Decimal(rng.randint(70, 130)) / 100
            services.money_record(
                by=by,
                project=p,
                month=month(back, as_of),
                planned=arrived_each,
                arrived=(Decimal(arrived_each) * noise).quantize(Decimal("0.01")),
            )
    p.refresh_from_db()
    return p


def clean(unit, name, rng=None, as_of=AS_OF, **overrides):
    """A healthy project: started ten months ago, money most months (an odd gap), milestones done
    in step with the money, a deal landing well."""
    rng = rng or random.Random(name)
    months = [m for m in range(0, 10) if rng.random() > 0.15 or m < 2]
    kwargs = {
        "total": 1200,
        "start_months_ago": 10,
        "money_months": months,
        "arrived_each": 100,
        "milestones": 4,
        "done": 2,
        "deal": (11, 1500, 600),
        "rng": rng,
        "as_of": as_of,
    }
    kwargs.update(overrides)
    return project(unit, name, **kwargs)
