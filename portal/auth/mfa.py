"""Multi-factor authentication: TOTP (RFC 6238, via pyotp) and single-use recovery codes.

- A TOTP code is accepted for the current 30-second step and one step either side (clock
  drift), and each step only once (totp_last_step), so an overheard code cannot be replayed.
- Recovery codes: 10 random codes of 16 base32 characters (80 bits), shown once, stored
  salted and hashed (ASVS 2.6.2), each usable once.
"""

from __future__ import annotations

import secrets
import time

import pyotp
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.models.catalog import utcnow

ISSUER = "Community Help Finder"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The codes carry 80 random bits, so a salted fast hash is enough; scrypt would make checking
# ten of them at sign-in needlessly slow.
_RECOVERY_HASH = "pbkdf2:sha256:10000"
_DRIFT_STEPS = 1


def begin_setup(user: User) -> str:
    """The secret for the user to add to their authenticator app (in force once confirmed).

    Kept while set-up is pending, so reloading the page shows the same one."""
    if not user.mfa_enabled and not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return _secret(user)


def _secret(user: User) -> str:
    if not user.totp_secret:
        raise ValueError("two-step sign-in has no secret for this user")
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(_secret(user)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _normalize(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).upper()


def verify_totp(user: User, code: str, *, at: float | None = None) -> bool:
    """True for a valid code not used before; remembers its time step."""
    code = _normalize(code)
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time() if at is None else at
    current_step = totp.timecode(now)
    for step in range(current_step - _DRIFT_STEPS, current_step + _DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def enable(user: User, code: str) -> list[str] | None:
    """Turn MFA on if the code proves the app is set up; returns the new recovery codes."""
    if user.mfa_enabled or not verify_totp(user, code):
        return None
    user.mfa_enabled = True
    return new_recovery_codes(user)


def disable(user: User) -> None:
    user.mfa_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once, never stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id, code_hash=generate_password_hash(code, method=_RECOVERY_HASH)
            )
        )
    return [f"{c[:4]}-{c[4:8]}-{c[8:12]}-{c[12:]}" for c in codes]


def use_recovery_code(user: User, code: str) -> bool:
    """True if the code is one of the user's unused codes; it is then used up."""
    code = _normalize(code)
    if len(code) != 16:
        return False
    for row in _unused_codes(user):
        if check_password_hash(row.code_hash, code):
            row.used_at = utcnow()
            return True
    return False


def _unused_codes(user: User) -> list[RecoveryCode]:
    # Queried, not user.recovery_codes: the bulk deletes above bypass the relationship.
    return list(
        db.session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
    )


def remaining_recovery_codes(user: User) -> int:
    return len(_unused_codes(user))
