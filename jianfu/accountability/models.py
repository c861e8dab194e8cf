"""The models of accountability's parts, gathered for Django (one app, one set of migrations)."""

from .clues.models import *  # noqa: F403
from .exposure.models import *  # noqa: F403
from .handling.models import *  # noqa: F403
from .tours.models import *  # noqa: F403
