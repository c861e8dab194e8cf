from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jianfu.registry"
    label = "registry"
    verbose_name = _("发文、会议、督查检查考核")

    def ready(self):
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        from . import counting  # noqa: F401  (defines the counting settings)

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
