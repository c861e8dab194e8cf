from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jianfu.monitoring"
    label = "monitoring"
    verbose_name = _("监测样本点")

    def ready(self):
        from . import bulletin as _bulletin

        _bulletin.register()
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        permissions.register(
            {
                "monitoring.point:view": _("查看监测样本点及填报情况"),
                "monitoring.point:manage": _("设立、调整监测样本点和填报员"),
                "monitoring.report:view": _("查看样本点填报内容"),
                "monitoring.report:submit": _("填报本样本点的情况"),
                "monitoring.period:manage": _("关闭或重新开放填报周期"),
                "monitoring.felt:view": _("查看基层感受与登记数据对比"),
            },
            {
                Role.OFFICE: {
                    "monitoring.point:view",
                    "monitoring.point:manage",
                    "monitoring.report:view",
                    "monitoring.period:manage",
                    "monitoring.felt:view",
                },
                Role.LEADER: {
                    "monitoring.point:view",
                    "monitoring.report:view",
                    "monitoring.felt:view",
                },
                Role.DISCIPLINE: {
                    "monitoring.point:view",
                    "monitoring.report:view",
                    "monitoring.felt:view",
                },
                # A county sees that its points report, not what they say: the reports are the
                # independent check on the county itself.
                Role.CONTACT: {"monitoring.point:view"},
                Role.REPORTER: {"monitoring.report:submit", "monitoring.report:view"},
            },
        )
        from jianfu import notify

        from .points import queries, tasks  # noqa: F401  (the completeness and reminder settings)

        notify.register(notify.Kind("monitoring.reminder", _("样本点填报提醒")))

        self._navigation()
        tasks.connect()
        from . import dashboard, home

        home.register()
        dashboard.register()
        from jianfu.core import operations

        from . import operations as running

        operations.register("monitoring.reports", running.section, order=20)

    def _navigation(self):
        from jianfu.core import navigation
        from jianfu.core.navigation import Entry

        if any(e.url_name == "point_list" for e in navigation.ENTRIES):
            return
        section = _("样本点监测")
        navigation.register(
            Entry(
                _("监测样本点"),
                "point_list",
                "monitoring.point:view",
                "geo-alt",
                section,
            ),
            Entry(
                _("报送情况"),
                "completeness",
                "monitoring.point:view",
                "clipboard-data",
                section,
                also=("completeness_", "period_toggle"),
            ),
            Entry(
                _("感受与登记对比"),
                "felt_overview",
                "monitoring.felt:view",
                "arrow-left-right",
                section,
                also=("felt_county",),
            ),
            Entry(
                _("样本点填报"),
                "report_home",
                "monitoring.report:submit",
                "pencil-square",
                section,
                also=("report_",),
            ),
            before="account_list",
        )
