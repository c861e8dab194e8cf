"""Supervision's pages: items (items.views), key projects (projects.views) and information
reporting (reporting.views)."""

from .items import views as items
from .projects import views as projects
from .reporting import views as reporting

urlpatterns = [*items.urlpatterns, *projects.urlpatterns, *reporting.urlpatterns]
