from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jianfu.monitoring"
    label = "monitoring"
    verbose_name = _("监测样本点")

    def ready(self):
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        permissions.register(
            {
                "monitoring.point:view": _("查看监测样本点及填报情况"),
                "monitoring.point:manage": _("设立、调整监测样本点和填报员"),
                "monitoring.report:view": _("查看样本点填报内容"),
                "monitoring.report:submit": _("填报本样本点的情况"),
                "monitoring.period:manage": _("关闭或重新开放填报周期"),
            },
            {
                Role.OFFICE: {
                    "monitoring.point:view",
                    "monitoring.point:manage",
                    "monitoring.report:view",
                    "monitoring.period:manage",
                },
                Role.LEADER: {"monitoring.point:view", "monitoring.report:view"},
                Role.DISCIPLINE: {"monitoring.point:view", "monitoring.report:view"},
                # A county sees that its points report, not what they say: the reports are the
                # independent check on the county itself.
                Role.CONTACT: {"monitoring.point:view"},
                Role.REPORTER: {"monitoring.report:submit", "monitoring.report:view"},
            },
        )
