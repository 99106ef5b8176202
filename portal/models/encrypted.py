"""Client fields encrypted at rest (issue 18.9): notes, phones, dates of birth.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, the `cryptography` package) before
they reach the database and decrypted when read, so the database file, its backups and its
logs hold ciphertext only. Keys come from PORTAL_DATA_KEYS (comma-separated Fernet keys, the
newest first): MultiFernet decrypts with any of them and encrypts with the first, and
`flask --app wsgi keys rotate` re-encrypts every row with the first, after which the old keys
can be dropped. Encrypted columns cannot be searched or sorted in SQL; names stay plain for
that reason (the issue lists notes, phones and dates of birth only).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in base64. A value without it
# was written before encryption (the migration leaves rows for `keys rotate`).
_TOKEN_PREFIX = "gAAAAA"


class KeyError_(RuntimeError):
    """PORTAL_DATA_KEYS is missing or is not a list of Fernet keys."""


@cache
def _fernet(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])
    except (ValueError, TypeError) as error:
        raise KeyError_(
            "PORTAL_DATA_KEYS must be Fernet keys separated by commas "
            "(make one: flask --app wsgi keys new)."
        ) from error


def cipher() -> MultiFernet:
    keys = current_app.config.get("PORTAL_DATA_KEYS")
    if not keys:
        raise KeyError_("PORTAL_DATA_KEYS is not set.")
    return _fernet(keys)


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(_TOKEN_PREFIX):
        return stored  # written before encryption; `keys rotate` encrypts it
    try:
        return cipher().decrypt(stored.encode("ascii")).decode()
    except InvalidToken as error:
        raise KeyError_(
            "A stored value does not decrypt with PORTAL_DATA_KEYS: is a key missing?"
        ) from error


class EncryptedText(TypeDecorator):
    """A str column stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


class EncryptedDate(TypeDecorator):
    """A date column stored as the Fernet token of its ISO form."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value.isoformat())

    def process_result_value(self, value, dialect):
        return None if value is None else dt.date.fromisoformat(decrypt(value))


def is_ciphertext(stored: str | None) -> bool:
    return stored is None or stored.startswith(_TOKEN_PREFIX)
