"""Supervision's pages: items (items.views) and key projects (projects.views)."""

from .items import views as items
from .projects import views as projects

urlpatterns = [*items.urlpatterns, *projects.urlpatterns]
