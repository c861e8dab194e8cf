"""The registry's pages: the quotas' (quotas/urls.py: status, the quota table, its import and
template) and the records' (records/urls.py: the counting rules, then each kind's pages)."""

from .quotas import urls as quotas
from .records import urls as records

urlpatterns = [*quotas.urlpatterns, *records.urlpatterns]
