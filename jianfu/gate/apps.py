from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "jianfu.gate"
    label = "gate"
    verbose_name = _("发文会议督查关口")

    def ready(self):
        # Each part registers what it contributes to the shared places (permissions, navigation,
        # home cards, imports, notifications, bulletin sections, problem sources, signal rules),
        # in the order their navigation entries appear.
        from .burden import setup as burden
        from .copies import setup as copies
        from .plans import setup as plans
        from .proposals import setup as proposals

        plans.ready()
        proposals.ready()
        copies.ready()
        burden.ready()
