from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jianfu.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        # Imported for what they register: the start-up checks, the inputs' runtime settings.
        from . import checks, imports, inputs, units_import  # noqa: F401

        imports.register(units_import.SPEC)
