"""The bulletin's home-page cards: the office's and leaders' bulletins awaiting review (and
drafts), a unit's bulletins to confirm reading."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .models import Status


def office(user, today) -> list[home.Card]:
    review = queries.to_review(user).count()
    drafts = queries.bulletins_for(user).filter(status=Status.DRAFT).count()
    url = reverse("bulletin_list")
    return [
        home.Card(
            _("待审核的通报"),
            url,
            count=review,
            note=_("草稿 %(n)s 份") % {"n": drafts} if drafts else "",
            tone="warning" if review else "normal",
            icon="megaphone",
        )
    ]


def unit(user, today) -> list[home.Card]:
    pending = list(queries.to_confirm(user).order_by("-published_at")[:2])
    n = queries.to_confirm(user).count()
    url = reverse("bulletin_detail", args=[pending[0].pk]) if n == 1 else reverse("bulletin_list")
    return [
        home.Card(
            _("待确认阅读的通报"),
            url,
            count=n,
            note=pending[0].title if pending else "",
            tone="warning" if n else "normal",
            icon="megaphone",
        )
    ]


def register() -> None:
    home.register(
        "bulletins.review", office, roles=[Role.OFFICE], perms=["bulletins.bulletin:approve"]
    )
    # A leader's page has no to-do list: the bulletins awaiting review are shown at a glance.
    home.register(
        "bulletins.review_glance",
        office,
        section=home.GLANCE,
        roles=[Role.LEADER],
        perms=["bulletins.bulletin:approve"],
    )
    home.register(
        "bulletins.confirm", unit, roles=[Role.CONTACT], perms=["bulletins.bulletin:confirm"]
    )
