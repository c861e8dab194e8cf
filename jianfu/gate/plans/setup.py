"""What the gate's plans part registers in the shared places (called by apps.py): permissions,
the audit sentences of its services, navigation, home cards, the import, the bulletin section, the
review panels and the signal rule."""

from django.utils.translation import gettext_lazy as _

VIEW = "gate.plan:view"
EDIT = "gate.plan:edit"
FILE = "gate.plan:file"


def ready():
    """Register this part's permissions, navigation, cards, imports, sources and rules."""
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home, importers, panels, rules
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看年度计划"),
            EDIT: _("编制、报备年度计划和申请调整"),
            FILE: _("年度计划备案和审核计划调整"),
        },
        {
            Role.OFFICE: {VIEW, EDIT, FILE},
            Role.LEADER: {VIEW},
            Role.DISCIPLINE: {VIEW},
            Role.CONTACT: {VIEW, EDIT},
        },
    )
    home.register()
    bulletin.register()
    panels.register()
    rules.register()
    imports.register(importers.SPEC)
    if any(e.url_name == "gate_plan_list" for e in navigation.ENTRIES):
        return
    section = _("发文会议督查关口")
    navigation.register(
        Entry(
            _("年度计划备案"),
            "gate_plan_list",
            FILE,
            "journal-check",
            section,
            also=(
                "gate_plan_detail",
                "gate_plan_edit",
                "gate_plan_changes",
                "gate_plan_change_",
                "gate_plan_import",
            ),
        ),
        Entry(_("本单位年度计划"), "gate_plan_mine", EDIT, "journal-text", section),
        before="account_list",
    )
