"""The commission's home card: clues (clusters) received and not yet disposed of."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home

from . import queries
from .models import ClueStatus
from .services import VIEW


def commission_cards(user, today) -> list[home.Card]:
    count = queries.to_dispose(user)
    link = f"{reverse('clue_list')}?{urlencode({'status': ClueStatus.RECEIVED})}"
    return [
        home.Card(
            _("待处置的问题线索"),
            link,
            count=count,
            note=_("同一问题的多条反映已并案，按一件计") if count else "",
            tone="warning",
            icon="megaphone",
        )
    ]


def register() -> None:
    home.register("accountability.clues", commission_cards, perms=[VIEW])
