from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "jianfu.accountability"
    label = "accountability"
    verbose_name = _("监督问责")

    def ready(self):
        # Each part registers what it contributes to the shared places (permissions, navigation,
        # home cards, imports, notifications, bulletin sections, problem sources, signal rules),
        # in the order their navigation entries appear.
        from .clues import setup as clues
        from .exposure import setup as exposure
        from .handling import setup as handling
        from .tours import setup as tours

        clues.ready()
        handling.ready()
        tours.ready()
        exposure.ready()
