import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianfu.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Load every view and the API before the first request, then move what start-up made out of
    the garbage collector's sight: the oldest generation's collections, which walk every object
    the process holds, otherwise grow with the whole of Django and the app loaded here."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every urlconf, view and API router)
    gc.freeze()


_warm()
