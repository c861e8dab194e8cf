"""Scores per period (lead and co-units apart), the ranking, a unit's to-do list and the split of
an item into sub-items with their weights."""

import datetime as dt
from decimal import Decimal

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import RuntimeSetting
from jianfu.supervision.items import queries, services
from jianfu.supervision.items.models import Assignment

pytestmark = pytest.mark.django_db


def new(people, units, title, deadline, co=()):
    with clock.frozen(dt.date(2026, 3, 2)):
        return services.item_create(
            by=people["office"],
            source="annual",
            title=title,
            deadline=deadline,
            lead_unit_id=units["TA"].pk if not co or co[0] != "lead_b" else units["TB"].pk,
            co_unit_ids=[units[c].pk for c in co if c != "lead_b"],
            issue=True,
        )


def finish(people, item, day, *, by="contact_a", returned=False):
    with clock.frozen(day):
        services.completion_submit(by=people[by], item_id=item.pk, text="完成")
        if returned:
            services.item_return(by=people["office"], item_id=item.pk, note="材料不全")
            services.completion_submit(by=people[by], item_id=item.pk, text="补齐")
        services.item_close(by=people["office"], item_id=item.pk)


def test_scores_and_ranking_lead_and_co_apart(people, units):
    on_time = new(people, units, "按期事项", dt.date(2026, 3, 31), co=("TB",))
    late = new(people, units, "逾期事项", dt.date(2026, 3, 10))
    b_lead = new(people, units, "乙县主办", dt.date(2026, 3, 31), co=("lead_b", "TA"))
    finish(people, on_time, dt.date(2026, 3, 20))
    finish(people, late, dt.date(2026, 3, 20), returned=True)
    finish(people, b_lead, dt.date(2026, 3, 25), by="contact_b")
    with clock.frozen(dt.date(2026, 3, 25)):
        fb = services.feedback_submit(
            by=people["contact_b"],
            item_id=new(people, units, "虚假", dt.date(2026, 4, 30), co=("TB",)).pk,
            text="已全部完成",
            percent=100,
        )
        services.feedback_mark_false(by=people["office"], feedback_id=fb.pk, note="现场核查未完成")
    rows = {r.name: r for r in queries.scores(dt.date(2026, 3, 1), dt.date(2026, 3, 31))}
    a, b = rows["甲县"], rows["乙县"]
    # 甲县 leads: on time +5, late −3, one return −2; co on 乙县's item, on time +2.
    assert (a.lead, a.co) == (0.0, 2.0)
    # 乙县 leads one on time +5; co on the first item +2, false feedback as co −5.
    assert (b.lead, b.co) == (5.0, -3.0)
    assert (b.lead_rank, a.lead_rank) == (1, 2)
    assert (a.co_rank, b.co_rank) == (1, 2)
    # Sorted by total (both 2.0 here), then by name.
    assert [r.name for r in queries.scores(dt.date(2026, 3, 1), dt.date(2026, 3, 31))] == [
        "乙县",
        "甲县",
    ]
    # The points are settings.
    RuntimeSetting.objects.create(key="supervision.points.lead.late", value=-10)
    from jianfu.core import runtime

    runtime.invalidate()
    rows = {r.name: r for r in queries.scores(dt.date(2026, 3, 1), dt.date(2026, 3, 31))}
    assert rows["甲县"].lead == -7.0


def test_split_adds_a_unit_and_rebalances_the_default_weights(people, units):
    item = new(people, units, "拆分", dt.date(2026, 4, 30), co=("TB",))
    services.item_split(
        by=people["office"],
        item_id=item.pk,
        unit_id=units["TD01"].pk,
        task="负责学校部分",
        deadline=dt.date(2026, 4, 15),
    )
    weights = dict(Assignment.objects.filter(item=item).values_list("unit__code", "weight"))
    assert weights == {"TA": Decimal("0.7"), "TB": Decimal("0.15"), "TD01": Decimal("0.15")}
    ids = dict(Assignment.objects.filter(item=item).values_list("unit__code", "pk"))
    services.weights_set(
        by=people["office"],
        item_id=item.pk,
        weights={ids["TA"]: "0.5", ids["TB"]: "0.25", ids["TD01"]: "0.25"},
    )
    with clock.frozen(dt.date(2026, 3, 5)):
        services.feedback_submit(by=people["contact_a"], item_id=item.pk, text="过半", percent=60)
    item.refresh_from_db()
    assert item.percent == 30
    with pytest.raises(DomainError) as err:
        services.weights_set(
            by=people["office"],
            item_id=item.pk,
            weights={ids["TA"]: "0.5", ids["TB"]: "0.5", ids["TD01"]: "0.5"},
        )
    assert "1.5" in str(err.value.message)


def test_the_to_do_list_puts_what_is_due_soon_first(people, units):
    first = new(people, units, "先到期", dt.date(2026, 3, 10))
    second = new(people, units, "后到期", dt.date(2026, 3, 6))
    with clock.frozen(dt.date(2026, 3, 3)):
        services.sign(by=people["contact_a"], item_id=first.pk)
        ext = services.extension_request(
            by=people["contact_a"],
            item_id=first.pk,
            new_deadline=dt.date(2026, 3, 20),
            reason="等待上级批复",
        )
        mine = queries.todo(people["contact_a"])
        office = queries.todo(people["office"])
    assert [(t.kind, t.item.title) for t in mine] == [
        ("sign", "后到期"),
        ("feedback", "后到期"),
        ("feedback", "先到期"),
    ]
    assert ("extension", ext.pk) in [(t.kind, t.extension and t.extension.pk) for t in office]
    assert second.pk
