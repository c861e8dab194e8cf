from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("jianfu.core.urls")),
    path("registry/", include("jianfu.registry.urls")),
    path("signals/", include("jianfu.signals.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
