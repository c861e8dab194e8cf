"""Supervision's pages, part by part: key projects (projects.views), information reporting (reporting.views), items (items.views), the mid-year review (review.views)."""

from .projects import views as projects
from .reporting import views as reporting
from .items import views as items
from .review import views as review

urlpatterns = [*projects.urlpatterns, *reporting.urlpatterns, *items.urlpatterns, *review.urlpatterns]
