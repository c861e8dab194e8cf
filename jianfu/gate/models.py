"""The models of the gate's parts, gathered for Django (one app, one set of migrations)."""

from .burden.models import *  # noqa: F403
from .copies.models import *  # noqa: F403
from .plans.models import *  # noqa: F403
from .proposals.models import *  # noqa: F403
