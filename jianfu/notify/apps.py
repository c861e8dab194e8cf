from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "jianfu.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self):
        from jianfu.core import navigation, permissions
        from jianfu.core.navigation import Entry
        from jianfu.core.permissions import Role

        from . import config, services, tasks  # noqa: F401  (settings and audit codes)
        from .kinds import Kind, register

        permissions.register(
            {
                "notify.channel:manage": _("设置本单位通知渠道和群机器人"),
                "notify.delivery:view": _("查看通知发送记录"),
            },
            {
                Role.OFFICE: {"notify.channel:manage", "notify.delivery:view"},
                Role.CONTACT: {"notify.channel:manage"},
            },
        )
        register(Kind("notify.test", _("测试消息"), switchable=False))
        tasks.connect()
        if any(e.url_name == "inbox" for e in navigation.ENTRIES):
            return
        from .queries import unread_count

        navigation.register(
            Entry(_("消息"), "inbox", None, "envelope", also=("message_",), badge=unread_count),
            before=navigation.ENTRIES[1].url_name,
        )
        navigation.register(
            Entry(
                _("通知设置"), "notify_settings", "notify.channel:manage", "megaphone", _("管理")
            ),
            Entry(_("发送记录"), "delivery_list", "notify.delivery:view", "send-check", _("管理")),
            before="setting_list",
        )
