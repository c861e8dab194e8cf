"""The home page's cards for the tour managers (the office, the commission): findings not yet on
a problem list, and the target units fixing nothing."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .services import MANAGE


def cards(user, today) -> list[home.Card]:
    pending, unfixed = queries.home_figures(user)
    return [
        home.Card(
            _("巡察发现问题待列入问题清单"),
            reverse("tour_list"),
            count=pending,
            tone="warning",
            icon="binoculars",
        ),
        home.Card(
            _("巡察问题整改不力的单位"),
            reverse("tour_list") + "?unfixed=1",
            count=unfixed,
            tone="urgent",
            icon="exclamation-octagon",
        ),
    ]


def register() -> None:
    home.register(
        "accountability.tours",
        cards,
        roles=[Role.OFFICE, Role.DISCIPLINE],
        perms=[MANAGE],
        order=60,
    )
