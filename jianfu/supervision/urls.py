"""Supervision's pages: items (items.views), key projects (projects.views) and the coordination
meeting (meetings.views)."""

from .items import views as items
from .meetings import views as meetings
from .projects import views as projects

urlpatterns = [*items.urlpatterns, *projects.urlpatterns, *meetings.urlpatterns]
