"""The models of supervision's parts, gathered for Django (one app, one set of migrations)."""

from .items.models import *  # noqa: F403
from .meetings.models import *  # noqa: F403
from .projects.models import *  # noqa: F403
from .reporting.models import *  # noqa: F403
from .review.models import *  # noqa: F403
