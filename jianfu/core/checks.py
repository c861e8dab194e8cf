"""Misconfiguration fails at start-up, not at the first request that needs it."""

import hashlib

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_configuration(app_configs, **kwargs):
    errors = []
    try:
        hashlib.new("sm3", b"abc")
    except ValueError:
        errors.append(Error("OpenSSL here has no SM3; the audit chain needs it.", id="jianfu.E001"))
    backend = settings.TASKS["default"]["BACKEND"]
    if not settings.DEBUG and not settings.TESTING and backend.endswith("ImmediateBackend"):
        errors.append(
            Error(
                "The immediate task backend runs rules inside requests; use the database backend.",
                id="jianfu.E002",
            )
        )
    return errors
