"""The gate's pages, part by part: annual plans, proposals, copy-through documents and the burden
meter (each part's views.urlpatterns)."""

from .burden import views as burden
from .copies import views as copies
from .plans import views as plans
from .proposals import views as proposals

urlpatterns = [
    *plans.urlpatterns,
    *proposals.urlpatterns,
    *copies.urlpatterns,
    *burden.urlpatterns,
]
