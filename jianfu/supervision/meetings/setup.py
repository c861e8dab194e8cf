"""What the coordination meeting registers in the shared places (called by apps.py): its
permissions, the navigation entry, the four sources of the draft agenda (`supervision/agenda.py`,
where other parts add theirs) and the link from an item created by a decision back to its
meeting."""

from django.utils.translation import gettext_lazy as _

VIEW = "supervision.meeting:view"
MANAGE = "supervision.meeting:manage"


def ready():
    """Register this part's permissions, navigation and agenda sources (called by apps.py)."""
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from .. import agenda
    from ..items import queries as item_queries
    from ..items.models import ItemSource
    from . import queries
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看联席会议的议程、纪要和议定事项"),
            MANAGE: _("筹备联席会议：起草和修改议程、记录纪要、议定事项转督办"),
        },
        {
            Role.OFFICE: {VIEW, MANAGE},
            Role.LEADER: {VIEW},
        },
    )
    for source in queries.BUILTIN:
        agenda.register(source)
    item_queries.SOURCE_LINKS[ItemSource.MEETING] = meeting_link
    if not any(e.url_name == "sup_meeting_list" for e in navigation.ENTRIES):
        navigation.register(
            Entry(
                _("联席会议"),
                "sup_meeting_list",
                VIEW,
                "people",
                _("督查督办"),
                also=("sup_meeting_",),
            ),
            before="account_list",
        )


def meeting_link(item, user):
    """The meeting an item's decision was taken at, for an account that may see it."""
    from django.urls import reverse

    from jianfu.core import scope

    from .queries import meeting_of_item

    meeting = meeting_of_item(item)
    if meeting is None or not scope.can(user, VIEW):
        return None
    if not scope.scope_of(user).covers_path(meeting.unit.path):
        return None
    return (str(meeting), reverse("sup_meeting_detail", args=[meeting.pk]))
