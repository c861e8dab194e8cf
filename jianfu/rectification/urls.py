"""The rectification pages: problems and ledgers (problems.views), the negative list and
self-examination rounds (selfexam.views), and the ledger's Excel export and template
(problems.ledger_views). The imports' pages are the shared one (core.imports.views)."""

from .problems import ledger_views
from .problems import views as problems
from .selfexam import views as selfexam

urlpatterns = [*problems.urlpatterns, *selfexam.urlpatterns, *ledger_views.urlpatterns]
