"""The registry's API router (mounted at /api/registry by the project's api.py)."""

from .records.api import router as router
