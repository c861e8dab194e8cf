from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AdministrationConfig(AppConfig):
    """The pages of the three administrators and of unit management, over core's models and
    services. No models of its own: what it edits is core's."""

    name = "jianfu.administration"
    label = "administration"
    verbose_name = _("管理")

    def ready(self):
        from jianfu.core import navigation
        from jianfu.core.navigation import Entry

        from . import home

        home.register()
        if any(e.url_name == "unit_list" for e in navigation.ENTRIES):
            return
        # Right after the home page, before any later app's entries (they place theirs
        # "before account_list").
        navigation.register(
            Entry(pgettext_lazy("units list", "单位"), "unit_list", "core.unit:view", "diagram-3"),
            Entry(_("账户"), "account_list", "core.account:view", "people", _("管理")),
            Entry(_("运行参数"), "setting_list", "core.setting:view", "sliders", _("管理")),
            Entry(
                _("工作日历"),
                "calendar",
                "core.setting:view",
                "calendar3",
                _("管理"),
                ("calendar_delete",),
            ),
            Entry(_("接口令牌"), "token_list", "core.token:manage", "key", _("管理")),
            Entry(_("审计日志"), "audit_list", "core.audit:view", "journal", _("管理")),
            Entry(_("运行状态"), "system_status", "core.system:view", "activity", _("管理")),
        )
