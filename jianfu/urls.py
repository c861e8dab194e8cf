from django.urls import include, path

from .api import api
from .monitoring.reports.views import report_post

# The API first: the month-end burst of submissions should not walk every page pattern.
urlpatterns = [
    # The phone page's submission: a plain view beside the API (see report_post).
    path("api/monitoring/submit", report_post, name="report_post"),
    path("api/", api.urls),
    path("", include("jianfu.core.urls")),
    path("", include("jianfu.administration.urls")),
    path("registry/", include("jianfu.registry.urls")),
    path("signals/", include("jianfu.signals.urls")),
    path("rectification/", include("jianfu.rectification.urls")),
    path("supervision/", include("jianfu.supervision.urls")),
    path("gate/", include("jianfu.gate.urls")),
    path("accountability/", include("jianfu.accountability.urls")),
    path("report/", include("jianfu.monitoring.reports.urls")),
    path("monitoring/", include("jianfu.monitoring.points.urls")),
    path("felt/", include("jianfu.monitoring.felt.urls")),
    path("messages/", include("jianfu.notify.urls")),
    path("bulletins/", include("jianfu.bulletins.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
