"""What accountability's clues part registers in the shared places (called by apps.py):
permissions, the audit sentences and runtime settings (on import of services and config),
navigation (section 监督问责), the commission's home card and the nightly escalation of signals."""

from django.utils.translation import gettext_lazy as _

from .config import CREATE, INFORMANT, MANAGE, REFERRED, VIEW


def ready():
    """Register this part's permissions, navigation, cards and jobs."""
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import config as _config  # noqa: F401  (runtime settings)
    from . import home, importers, tasks
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看问题线索台账"),
            MANAGE: _("登记、转交问题线索，变更其状态"),
            INFORMANT: _("查看举报人身份和联系方式"),
            REFERRED: _("查看纪委监委转交本单位的问题线索（不含举报人信息）"),
            CREATE: _("将样本点反映的问题转为问题线索"),
        },
        {
            Role.DISCIPLINE: {VIEW, MANAGE, INFORMANT, CREATE},
            Role.OFFICE: {CREATE},
            Role.CONTACT: {REFERRED},
        },
    )
    home.register()
    tasks.register()
    for spec in importers.SPECS:
        imports.register(spec)
    if any(e.url_name == "clue_list" for e in navigation.ENTRIES):
        return
    section = _("监督问责")
    navigation.register(
        Entry(_("问题线索"), "clue_list", VIEW, "megaphone", section, also=("clue_",)),
        Entry(_("转交本单位的线索"), "clue_referred", REFERRED, "inbox", section),
        Entry(
            _("样本点反映的问题"),
            "clue_sample_points",
            CREATE,
            "chat-left-text",
            section,
        ),
        Entry(_("待升级的预警"), "clue_signals", MANAGE, "arrow-up-circle", section),
        before="account_list",
    )
