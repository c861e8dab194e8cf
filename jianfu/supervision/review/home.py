"""The review's home cards: for the office once the stock-taking date has passed, the units that
lag (from queries.stock, as the review page counts them); for a unit's contact, its targets whose
value is still to enter (queries.to_enter)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .services import ENTER, MANAGE


def office_cards(user, today) -> list[home.Card]:
    as_of = queries.stock_date(today.year)
    if today < as_of:
        return []
    stock = queries.stock(user, today.year)
    if not stock.rows:
        return []
    lagging = stock.lagging
    return [
        home.Card(
            _("年中回头看滞后单位"),
            reverse("review_board") + f"?year={today.year}",
            count=len(lagging),
            note=_("时间进度 %(t)s%%，%(n)s 个单位参加回头看")
            % {"t": stock.time_share, "n": len(stock.rows)},
            tone="urgent" if lagging else "normal",
            icon="hourglass-split",
        )
    ]


def contact_cards(user, today) -> list[home.Card]:
    rows = queries.to_enter(user, today)
    if not rows or user.home_unit_id is None:
        return []
    as_of = queries.stock_date(today.year)
    return [
        home.Card(
            _("年度指标和重点工作待填报"),
            reverse("review_unit", args=[user.home_unit_id]) + f"?year={today.year}",
            count=len(rows),
            note=_("回头看日期 %(d)s") % {"d": as_of.isoformat()},
            tone="urgent" if today >= as_of else "warning",
            icon="clipboard-data",
        )
    ]


def register() -> None:
    home.register(
        "supervision.review.office", office_cards, roles=[Role.OFFICE], perms=[MANAGE], order=27
    )
    home.register(
        "supervision.review.contact", contact_cards, roles=[Role.CONTACT], perms=[ENTER], order=17
    )
