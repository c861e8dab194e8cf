from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jianfu.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self):
        # Each part registers what it contributes to the shared places (permissions, navigation,
        # home cards, imports, notifications, bulletin sections, problem sources, signal rules),
        # in the order their navigation entries appear.
        from .items import setup as items
        from .meetings import setup as meetings
        from .projects import setup as projects
        from .reporting import setup as reporting
        from .review import setup as review

        items.ready()
        projects.ready()
        reporting.ready()
        review.ready()
        meetings.ready()
