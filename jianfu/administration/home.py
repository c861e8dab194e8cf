"""The system administrator's home-page card: the platform's running problems (core.operations),
when there are any; none when all runs as it should."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home, operations
from jianfu.core.permissions import Role


def problems(user, today) -> list[home.Card]:
    found = operations.problems()
    if not found:
        return []
    urgent = any(p.tone == "urgent" for p in found)
    return [
        home.Card(
            _("运行异常"),
            reverse("system_status"),
            count=len(found),
            note=found[0].text,
            tone="urgent" if urgent else "warning",
            icon="activity",
        )
    ]


def register() -> None:
    home.register(
        "administration.problems",
        problems,
        roles=[Role.SYSADMIN],
        perms=["core.system:view"],
        order=10,
    )
