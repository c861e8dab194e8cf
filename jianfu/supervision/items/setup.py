"""What supervision items register in the shared places (called by apps.py): permissions, the
audit sentences of their services, the kinds of message, the nightly reminders and the signal
rules. Pages, navigation, home cards, imports, the bulletin section and the problem source are
registered here too, by the pages' part."""

from django.utils.translation import gettext_lazy as _

VIEW = "supervision.item:view"
MANAGE = "supervision.item:manage"
HANDLE = "supervision.item:handle"


def ready():
    """Register this part's permissions, navigation, cards and sources (called by apps.py)."""
    from jianfu import notify
    from jianfu.core import permissions
    from jianfu.core.permissions import Role

    from . import config as _config  # noqa: F401  (runtime settings)
    from . import reminders as _reminders  # noqa: F401  (audit sentences)
    from . import rules, tasks
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看督办事项"),
            MANAGE: _("交办、审核、延期审批、销号督办事项"),
            HANDLE: _("签收、反馈、申请延期和办结督办事项"),
        },
        {
            Role.OFFICE: {VIEW, MANAGE, HANDLE},
            Role.LEADER: {VIEW},
            Role.DISCIPLINE: {VIEW},
            Role.CONTACT: {VIEW, HANDLE},
        },
        token={VIEW},
    )
    notify.register(
        notify.Kind("supervision.reminder", _("督办事项催办")),
        notify.Kind("supervision.item_issued", _("督办事项交办通知")),
    )
    tasks.connect()
    rules.register()
    _pages()


def _pages():
    """The pages' part: navigation, home cards, the bulletin section, the problem source and the
    import."""
    from jianfu.core import imports, navigation
    from jianfu.core.navigation import Entry

    from . import bulletin, home, importers, sources

    home.register()
    bulletin.register()
    sources.register()
    imports.register(importers.SPEC)
    if any(e.url_name == "sup_board" for e in navigation.ENTRIES):
        return
    section = _("督查督办")
    navigation.register(
        Entry(
            _("督办看板"), "sup_board", VIEW, "kanban", section, also=("sup_item_", "sup_unit_todo")
        ),
        Entry(_("督办待办"), "sup_todo", HANDLE, "list-check", section),
        before="account_list",
    )
