"""The registry's API, mounted at /api/registry by the project's api.py: the records' endpoints
(records.api) and the quotas' (quotas.api)."""

from ninja import Router

from .quotas import api as quotas
from .records import api as records

router = Router()
router.add_router("", records.router)
router.add_router("", quotas.router)
