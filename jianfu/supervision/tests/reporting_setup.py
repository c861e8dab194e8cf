"""What the reporting tests share: contacts designated for counties A and B, a monthly
requirement and a commission addressed to both, dated in 2026."""

import datetime as dt

from jianfu.core import clock
from jianfu.supervision.reporting import services

DAY = dt.date(2026, 3, 2)  # a Monday


def designate(people, units):
    with clock.frozen(dt.date(2026, 1, 5)):
        services.contact_designate(
            by=people["office"], unit_id=units["TA"].pk, user_id=people["contact_a"].pk
        )
        services.contact_designate(by=people["office"], unit_id=units["TB"].pk, user_id="contact_b")


def commission(people, units, deadline=dt.date(2026, 3, 10), targets=("TA", "TB")):
    with clock.frozen(DAY):
        return services.requirement_publish(
            by=people["office"],
            kind="commission",
            title="优化营商环境经验做法",
            topics="好的做法和成效",
            target_ids=[units[c].pk for c in targets],
            deadline=deadline,
        )


def schedule(people, units, targets=("TA", "TB")):
    with clock.frozen(dt.date(2026, 1, 1)):
        return services.requirement_publish(
            by=people["office"],
            kind="schedule",
            title="每月工作信息",
            target_ids=[units[c].pk for c in targets],
            period_type="month",
            quota=2,
        )


def send(people, who, title="一篇信息", at=DAY, **kwargs):
    with clock.frozen(at):
        return services.submit(by=people[who], title=title, text="正文内容。", **kwargs)
