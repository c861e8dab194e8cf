"""What accountability's exposure part registers in the shared places (called by apps.py)."""

from django.utils.translation import gettext_lazy as _


def ready():
    """Register this part's permissions, navigation, home cards, kind of message and bulletin
    section."""
    from jianfu import notify
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home
    from .queries import APPROVE, MANAGE, STUDY, TRACK, VIEW
    from .services import NOTICE_KIND

    permissions.register(
        {
            VIEW: _("查看已发布的典型案例"),
            MANAGE: _("起草、脱敏、发布和撤回典型案例"),
            APPROVE: _("审批典型案例"),
            STUDY: _("登记本单位典型案例警示教育学习情况"),
            TRACK: _("查看各单位典型案例学习情况"),
        },
        {
            Role.OFFICE: {VIEW, TRACK},
            Role.LEADER: {VIEW},
            Role.CONTACT: {VIEW, STUDY},
            Role.REPORTER: {VIEW},
            Role.DISCIPLINE: {VIEW, MANAGE, APPROVE, TRACK},
        },
    )
    if not any(e.url_name == "typical_list" for e in navigation.ENTRIES):
        section = _("监督问责")
        navigation.register(
            Entry(
                _("典型案例"),
                "typical_list",
                VIEW,
                "journal-text",
                section,
                also=("typical_detail", "typical_create"),
            ),
            Entry(_("典型案例学习情况"), "typical_studies", TRACK, "people", section),
            before="account_list",
        )
    home.register()
    bulletin.register()
    notify.register(notify.Kind(NOTICE_KIND, _("典型案例通报")))
