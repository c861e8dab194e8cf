"""The rectification pages: problems and ledgers (problems.views), the negative list and
self-examination rounds (selfexam.views), and the ledger's Excel export and import (io_views)."""

from . import io_views
from .problems import views as problems
from .selfexam import views as selfexam

urlpatterns = [*problems.urlpatterns, *selfexam.urlpatterns, *io_views.urlpatterns]
