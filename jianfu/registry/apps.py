from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jianfu.registry"
    label = "registry"
    verbose_name = _("发文、会议、督查检查考核")

    def ready(self):
        from . import bulletin as _bulletin

        _bulletin.register()
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        from . import counting  # noqa: F401  (defines the counting settings)

        # Their audit codes, described when the module is imported.
        from .quotas import services as _quotas  # noqa: F401
        from .records import services as _records  # noqa: F401

        permissions.register(
            {
                "registry.record:view": _("查看发文、会议、督查检查考核登记"),
                "registry.record:edit": _("登记、修改、导入发文、会议、督查检查考核"),
                "registry.quota:view": _("查看硬性指标及使用情况"),
                "registry.quota:set": _("设定硬性指标"),
            },
            {
                Role.OFFICE: {
                    "registry.record:view",
                    "registry.record:edit",
                    "registry.quota:view",
                    "registry.quota:set",
                },
                Role.LEADER: {"registry.record:view", "registry.quota:view"},
                Role.CONTACT: {
                    "registry.record:view",
                    "registry.record:edit",
                    "registry.quota:view",
                },
                Role.DISCIPLINE: {"registry.record:view", "registry.quota:view"},
            },
            token={"registry.record:view", "registry.record:edit"},
        )
        self._navigation()
        from jianfu.core import imports

        from . import dashboard, home
        from .quotas import quota_import as quotas
        from .records.importers import records

        home.register()
        dashboard.register()
        for spec in records.SPECS.values():
            imports.register(spec)
        imports.register(quotas.SPEC)

    def _navigation(self):
        from jianfu.core.navigation import Entry, register

        from .kinds import KINDS

        section = _("登记与指标")
        register(
            *(Entry(k.title, k.url, k.view_perm, k.icon, section) for k in KINDS.values()),
            Entry(
                _("指标进度"),
                "quota_overview",
                "registry.quota:view",
                "graph-up-arrow",
                section,
                also=("quota_unit",),
            ),
            Entry(
                _("硬性指标"),
                "quota_settings",
                "registry.quota:view",
                "speedometer2",
                section,
                also=("quota_cell", "quota_bulk", "quota_import", "quota_template"),
            ),
            Entry(_("计数规则"), "counting_rules", "registry.record:view", "calculator", section),
            before="account_list",
        )
