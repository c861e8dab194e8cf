"""The rectification pages: problems and ledgers (views), the negative list and self-examination
rounds (exam_views), and the ledger's Excel export and import (io_views)."""

from . import exam_views, io_views, views

urlpatterns = [*views.urlpatterns, *exam_views.urlpatterns, *io_views.urlpatterns]
