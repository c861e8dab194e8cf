"""Misconfiguration fails at start-up, not at the first request that needs it."""

import hashlib
from pathlib import Path

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


@register(Tags.security, deploy=True)
def check_seal_key(app_configs, **kwargs):
    """The SM4 key must not travel with the database: warn in production when its file sits in
    the database's directory (or the var directory that holds the embedded database). A deploy
    check (`jianfu check --deploy`), as Django's own: the demo's generated key is meant to sit
    there, and every command of the demo need not say so."""
    from django.core.checks import Warning as CheckWarning

    from . import crypto

    if settings.DEBUG or settings.TESTING:
        return []
    path = crypto.key_file()
    if path is None:
        return []
    beside = {Path(settings.VAR_DIR).resolve()}
    name = settings.DATABASES["default"].get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        beside.add(Path(str(name)).resolve().parent)
    folder = path.resolve().parent
    if folder in beside or folder.parent in beside:
        return [
            CheckWarning(
                f"The SM4 key file {path} lives beside the database: a copy of one is a copy of "
                f"both. Set {crypto.ENV_KEY} or point {crypto.ENV_KEY_FILE} elsewhere.",
                id="jianfu.W010",
            )
        ]
    return []
