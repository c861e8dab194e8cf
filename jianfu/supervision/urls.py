"""Supervision's pages, part by part: key projects, information reporting, items, the mid-year
review and the coordination meeting (each part's views.urlpatterns)."""

from .items import views as items
from .meetings import views as meetings
from .projects import views as projects
from .reporting import views as reporting
from .review import views as review

urlpatterns = [
    *projects.urlpatterns,
    *reporting.urlpatterns,
    *items.urlpatterns,
    *review.urlpatterns,
    *meetings.urlpatterns,
]
