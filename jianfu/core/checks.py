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
    if _beside_database(path.resolve().parent):
        return [
            CheckWarning(
                f"The SM4 key file {path} lives beside the database: a copy of one is a copy of "
                f"both. Set {crypto.ENV_KEY} or point {crypto.ENV_KEY_FILE} elsewhere.",
                id="jianfu.W010",
            )
        ]
    return []


def _beside_database(folder: Path) -> bool:
    """Is `folder` the var directory (or the embedded database's), or one level inside it?"""
    beside = {Path(settings.VAR_DIR).resolve()}
    name = settings.DATABASES["default"].get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        beside.add(Path(str(name)).resolve().parent)
    return folder in beside or folder.parent in beside


@register(Tags.security, deploy=True)
def check_audit_places(app_configs, **kwargs):
    """The audit key and the written chain heads must be out of the database writer's reach: the
    key beside the database lets whoever copies the database recompute the chain, and heads kept
    in the var directory can be removed with the entries they would have caught."""
    from django.core.checks import Warning as CheckWarning

    from . import audit_key

    if settings.DEBUG or settings.TESTING:
        return []
    warnings = []
    path = audit_key.key_file()
    if path is not None and _beside_database(path.resolve().parent):
        warnings.append(
            CheckWarning(
                f"The audit key file {path} lives beside the database. Set "
                f"{audit_key.ENV_KEY} or point {audit_key.ENV_KEY_FILE} elsewhere.",
                id="jianfu.W011",
            )
        )
    heads = Path(settings.AUDIT_CHECKPOINT_DIR).resolve()
    var = Path(settings.VAR_DIR).resolve()
    if heads == var or var in heads.parents:
        warnings.append(
            CheckWarning(
                f"The audit checkpoints ({heads}) are written inside the var directory, where the "
                "database's writer can remove them. Point JIANFU_AUDIT_CHECKPOINT_DIR at an "
                "append-only directory (chattr +a) owned by another user.",
                id="jianfu.W012",
            )
        )
    if not settings.SYSLOG_ADDRESS:
        warnings.append(
            CheckWarning(
                "Audit entries are not forwarded to syslog: set JIANFU_SYSLOG_ADDRESS "
                '(e.g. "/dev/log" or "loghost:514").',
                id="jianfu.W013",
            )
        )
    return warnings
