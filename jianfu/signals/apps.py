from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "jianfu.signals"
    label = "signals"
    verbose_name = _("预警")

    def ready(self):
        from . import bulletin as _bulletin

        _bulletin.register()
        from jianfu.core import navigation, permissions
        from jianfu.core.navigation import Entry
        from jianfu.core.permissions import Role

        from . import rules, tasks  # noqa: F401  (rule settings; the task subscriptions)

        permissions.register(
            {
                "signals.signal:view": _("查看预警"),
                "signals.signal:triage": _("研判预警（确认或排除）"),
            },
            {
                Role.OFFICE: {"signals.signal:view", "signals.signal:triage"},
                Role.LEADER: {"signals.signal:view"},
                Role.DISCIPLINE: {"signals.signal:view"},
                Role.CONTACT: {"signals.signal:view"},
            },
        )
        if not any(e.url_name == "signal_list" for e in navigation.ENTRIES):
            navigation.register(
                Entry(_("预警"), "signal_list", "signals.signal:view", "bell"), before="unit_list"
            )
        tasks.connect()
        from . import dashboard, home

        home.register()
        dashboard.register()
        # A confirmed signal is a problem source: its link and the words for its evidence on the
        # problem page (rectification imports no source).
        from . import problems

        problems.register()
