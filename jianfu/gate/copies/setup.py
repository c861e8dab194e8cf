"""What the gate's copies part registers in the shared places (called by apps.py): the
permission, navigation, the nightly index, the signal rule, the bulletin section and the panel
on a proposal's review page."""

from django.utils.translation import gettext_lazy as _

VIEW = "gate.copies:view"


def ready():
    """Register this part's permissions, navigation, jobs, rule, section and panel."""
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, panel, rules, tasks
    from . import config as _config  # noqa: F401  (runtime settings)

    permissions.register(
        {VIEW: _("查看照抄照搬比对")},
        {
            Role.OFFICE: {VIEW},
            Role.LEADER: {VIEW},
            Role.DISCIPLINE: {VIEW},
            Role.CONTACT: {VIEW},
        },
    )
    tasks.connect()
    rules.register()
    bulletin.register()
    panel.register()
    if not any(e.url_name == "gate_copies_list" for e in navigation.ENTRIES):
        navigation.register(
            Entry(_("照抄照搬文件"), "gate_copies_list", VIEW, "files", _("发文会议督查关口")),
            before="account_list",
        )
