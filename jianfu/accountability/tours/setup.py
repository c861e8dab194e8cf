"""What accountability's tours part registers in the shared places (called by apps.py):
permissions, the audit sentences of its services, the runtime setting, the problem source, the
import, the signal rule, home cards, the bulletin section and navigation."""

from django.utils.translation import gettext_lazy as _

VIEW = "accountability.tour:view"
MANAGE = "accountability.tour:manage"
FINDING_VIEW = "accountability.finding:view"


def ready():
    """Register this part's permissions, navigation, cards, imports, sources and rules."""
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home, importers, rules, sources
    from . import queries as _queries  # noqa: F401  (runtime setting)
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看巡察及其发现问题的整改"),
            MANAGE: _("登记巡察和发现问题，列入问题清单，移交纪委监委"),
            FINDING_VIEW: _("查看本单位的巡察发现问题"),
        },
        {
            Role.OFFICE: {VIEW, MANAGE},
            Role.DISCIPLINE: {VIEW, MANAGE},
            Role.CONTACT: {FINDING_VIEW},
        },
    )
    sources.register()
    imports.register(importers.SPEC)
    rules.register()
    home.register()
    bulletin.register()
    if any(e.url_name == "tour_list" for e in navigation.ENTRIES):
        return
    section = _("监督问责")
    navigation.register(
        Entry(
            _("巡察"),
            "tour_list",
            VIEW,
            "binoculars",
            section,
            also=(
                "tour_detail",
                "tour_create",
                "tour_edit",
                "tour_finding_",
                "tour_import",
                "tour_to_problems",
            ),
        ),
        Entry(_("本单位巡察发现问题"), "tour_own_findings", FINDING_VIEW, "binoculars", section),
        before="account_list",
    )
