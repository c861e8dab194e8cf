"""Supervision's pages: items (items.views), key projects (projects.views) and the mid-year review
(review.views)."""

from .items import views as items
from .projects import views as projects
from .review import views as review

urlpatterns = [*items.urlpatterns, *projects.urlpatterns, *review.urlpatterns]
