"""What accountability's handling part registers in the shared places (called by apps.py):
permissions, the runtime setting, the signal rule, the problem source and its notification,
navigation, the home cards and the bulletin section."""

from django.utils.translation import gettext_lazy as _

from .services import APPROVE, MANAGE, STATS, VIEW


def ready():
    """Register this part's permissions, navigation, cards, imports, sources and rules."""
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home, rules, sources
    from . import config as _config  # noqa: F401  (runtime settings)

    permissions.register(
        {
            VIEW: _("查看问题线索处置和案件（含法定时限）"),
            MANAGE: _("提出线索处置意见、办理案件"),
            APPROVE: _("审批线索处置意见"),
            STATS: _("查看执纪问责处理结果统计"),
        },
        {
            Role.DISCIPLINE: {VIEW, MANAGE, APPROVE, STATS},
            Role.LEADER: {STATS},
            Role.OFFICE: {STATS},
        },
    )
    rules.register()
    sources.register()
    home.register()
    bulletin.register()
    if any(e.url_name == "acc_handling_queue" for e in navigation.ENTRIES):
        return
    section = _("监督问责")
    navigation.register(
        Entry(
            _("线索处置"),
            "acc_handling_queue",
            VIEW,
            "inbox",
            section,
            also=("acc_clue_handling", "acc_disposition_"),
        ),
        Entry(_("法定时限"), "acc_clocks", VIEW, "alarm", section),
        Entry(_("案件"), "acc_case_list", VIEW, "folder2-open", section),
        Entry(_("处理结果统计"), "acc_outcomes", STATS, "bar-chart", section),
        before="account_list",
    )
