"""The password rules (ASVS 2.1) and hashing (ASVS 2.4), in one place.

- At least 12 characters and at most 256 (long passphrases welcome; no composition rules).
- Refused when it is one of the 10,000 most common passwords (common_passwords.txt; its header
  says where the list comes from), compared without case.
- Hashed with scrypt (memory-hard) through werkzeug; the hash string carries its parameters,
  so they can be raised later without breaking existing hashes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from portal.translated import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 256
HASH_METHOD = "scrypt"
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problems(password: str) -> list[str]:
    """What is wrong with a new password, in words for the person choosing it (empty if fine)."""
    if len(password) < MIN_LENGTH:
        return [_("Use at least %(n)d characters. A few words together work well.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(n)d characters.", n=MAX_LENGTH)]
    if password.lower() in common_passwords():
        return [_("This password is too common and easy to guess. Choose another one.")]
    return []


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


# Checked against when the account is unknown or has no password, so that answering takes
# as long as for a real account and the time does not reveal which addresses have accounts.
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-only-for-timing")


def verify(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
