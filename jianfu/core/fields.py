"""A model field for personal data kept encrypted at rest (SM4-GCM, core/crypto.py).

`EncryptedTextField` seals on the way to the database and opens on the way back, so the code
reads and writes plain strings while the column holds only `sm4:` and base64. Each value is
sealed with a fresh nonce, so equal values differ in the column: the field can be compared with
"" (and isnull) but with nothing else, and a lookup by value raises instead of silently matching
nothing. An empty value stays empty, so "has a phone" remains a query.

A value this server cannot open (the key was changed or lost) comes back as `Unreadable`: it
shows a short notice wherever it is rendered instead of failing every page that loads the row
(the account itself is loaded on every request), and saving the row writes the stored ciphertext
back unchanged, so a later fix of the key recovers it. A row still holding plaintext (written
before the field was encrypted) reads as it is and is sealed at its next save; the data
migration seals them all.
"""

import base64
import logging

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from . import crypto

PREFIX = "sm4:"
log = logging.getLogger("jianfu.crypto")


class Unreadable(str):
    """A stored value that could not be opened; renders as a notice, keeps the ciphertext."""

    def __new__(cls, stored: str):
        obj = super().__new__(cls, _("［无法解密］"))
        obj.stored = stored
        return obj


def is_sealed(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def seal_text(value):
    if value is None or value == "":
        return value
    if isinstance(value, Unreadable):
        return value.stored
    return PREFIX + base64.b64encode(crypto.seal(str(value))).decode("ascii")


def open_text(stored):
    if not is_sealed(stored):
        return stored
    try:
        return crypto.unseal(base64.b64decode(stored[len(PREFIX) :]))
    except (crypto.SealError, crypto.KeyConfigError, ValueError) as exc:
        log.error("An encrypted value could not be opened: %s", exc)
        return Unreadable(stored)


class SealedExact(Exact):
    """Only "" can be compared: any other value is sealed with a fresh nonce and matches nothing."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError("An encrypted field can only be compared with an empty string.")
        return self.rhs


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        return open_text(value)

    def get_prep_value(self, value):
        return seal_text(super().get_prep_value(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return SealedExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None
