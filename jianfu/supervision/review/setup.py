"""What the mid-year review registers in the shared places (called from apps.py): permissions,
runtime settings, navigation, home cards, the import spec and the bulletin section."""

from django.utils.translation import gettext_lazy as _


def ready():
    """Register this part's permissions, cards, import and section (called by apps.py)."""
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home, importers
    from . import config as _config  # noqa: F401  (runtime settings)
    from .services import ENTER, MANAGE, VIEW

    permissions.register(
        {
            VIEW: _("查看年中回头看"),
            MANAGE: _("设定回头看日期，登记和导入年度指标、重点工作和民生实事"),
            ENTER: _("填报本单位年度指标和重点工作完成情况"),
        },
        {
            Role.OFFICE: {VIEW, MANAGE, ENTER},
            Role.LEADER: {VIEW},
            Role.CONTACT: {VIEW, ENTER},
        },
        token={VIEW},
    )
    home.register()
    bulletin.register()
    imports.register(importers.SPEC)
    if not any(e.url_name == "review_board" for e in navigation.ENTRIES):
        navigation.register(
            Entry(
                _("年中回头看"),
                "review_board",
                VIEW,
                "hourglass-split",
                _("督查督办"),
                also=("review_",),
            ),
            before="account_list",
        )
