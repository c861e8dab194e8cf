from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jianfu.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self):
        # Each part registers what it contributes to the shared places (permissions, navigation,
        # home cards, imports, notifications, bulletin sections, problem sources, signal rules),
        # the lower parts first (jianfu/core/tests/test_layers.py, PARTS).
        from .projects import setup as projects
        from .reporting import setup as reporting
        from .items import setup as items
        from .review import setup as review

        projects.ready()
        reporting.ready()
        items.ready()
        review.ready()
