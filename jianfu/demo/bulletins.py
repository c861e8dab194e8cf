"""Bulletins demo stage: last month's bulletin drafted, reviewed, approved and published early
this month, most units (not all) having confirmed reading; this month's drafted and waiting."""

import datetime as dt

from django.utils import timezone

from jianfu.bulletins import periods, services
from jianfu.bulletins.models import Bulletin, Receipt, Status
from jianfu.core import clock
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register

READ_SHARE = 0.8  # of the units addressed


def _count() -> dict[str, int]:
    return {
        "通报（已发布）": Bulletin.objects.filter(status=Status.PUBLISHED).count(),
        "通报（草稿）": Bulletin.objects.filter(status=Status.DRAFT).count(),
    }


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


@register(count=_count)
def bulletins(ctx: DemoContext) -> dict[str, int]:
    prefix = ctx.username_prefix
    office = User.objects.select_related("home_unit").get(username=f"{prefix}office")
    leader = User.objects.get(username=f"{prefix}leader")
    as_of = ctx.as_of
    month_start = as_of.replace(day=1)
    start, end, label = periods.previous("monthly", as_of)
    # Drafted on the 1st (or today, early in the month), approved and published the days after.
    days = [min(month_start + dt.timedelta(days=n), as_of) for n in (0, 1, 2)]
    with clock.frozen(_at(days[0], 9)):
        last = services.bulletin_create(
            by=office, kind="monthly", start=start, end=end, label=label
        )
        services.bulletin_generate(last.pk)
        last.refresh_from_db()
    published = 0
    if last.status == Status.DRAFT:
        with clock.frozen(_at(days[0], 16)):
            services.bulletin_submit(bulletin=last, by=office)
        with clock.frozen(_at(days[1], 10)):
            services.bulletin_approve(bulletin=last, by=leader)
        with clock.frozen(_at(days[2], 9)):
            services.bulletin_publish(bulletin=last, by=office)
        published = 1
        contacts = {
            u.home_unit_id: u for u in User.objects.filter(username__startswith=f"{prefix}contact-")
        }
        receipts = list(Receipt.objects.filter(bulletin=last).order_by("unit__path"))
        # Most units read it, some not yet (at least one, so the office has someone to chase).
        late = set(ctx.rng.sample(receipts, max(1, round(len(receipts) * (1 - READ_SHARE)))))
        for r in receipts:
            who = contacts.get(r.unit_id)
            if who is None or r in late:
                continue
            day = min(days[2] + dt.timedelta(days=ctx.rng.randint(0, 3)), as_of)
            with clock.frozen(_at(day, ctx.rng.randint(9, 17))):
                services.receipt_confirm(bulletin=last, by=who)
    this_start, this_end, this_label = periods.month(as_of.year, as_of.month)
    with clock.frozen(_at(as_of, 8)):
        current = services.bulletin_create(
            by=office, kind="monthly", start=this_start, end=this_end, label=this_label
        )
        services.bulletin_generate(current.pk)
    return {"通报（已发布）": published, "通报（草稿）": 1}
