from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "jianfu.bulletins"
    label = "bulletins"
    verbose_name = _("定期通报")

    def ready(self):
        from jianfu import notify
        from jianfu.core import navigation, permissions, scheduler
        from jianfu.core.navigation import Entry
        from jianfu.core.permissions import Role

        from . import home, services, tasks  # noqa: F401  (audit codes, settings)

        permissions.register(
            {
                "bulletins.bulletin:view": _("查看定期通报"),
                "bulletins.bulletin:draft": _("起草、修改、发布定期通报"),
                "bulletins.bulletin:approve": _("审核定期通报"),
                "bulletins.bulletin:confirm": _("确认阅读本单位收到的通报"),
            },
            {
                Role.OFFICE: {
                    "bulletins.bulletin:view",
                    "bulletins.bulletin:draft",
                    "bulletins.bulletin:approve",
                },
                Role.LEADER: {"bulletins.bulletin:view", "bulletins.bulletin:approve"},
                Role.CONTACT: {"bulletins.bulletin:view", "bulletins.bulletin:confirm"},
            },
        )
        notify.register(notify.Kind("bulletins.published", _("定期通报发布")))
        if not any(e.url_name == "bulletin_list" for e in navigation.ENTRIES):
            navigation.register(
                Entry(
                    _("定期通报"),
                    "bulletin_list",
                    "bulletins.bulletin:view",
                    "megaphone",
                    _("通报"),
                    also=("bulletin_",),
                )
            )
        if not any(j.name == "bulletins.scheduled_draft" for j in scheduler.JOBS):
            import datetime as dt

            scheduler.register(
                scheduler.Job(
                    "bulletins.scheduled_draft",
                    tasks.scheduled_draft,
                    at=dt.time(6, 30),
                    label=_("定期通报草稿"),
                )
            )
        home.register()
