"""Signed, expiring, single-use links (itsdangerous; no home-made crypto).

- Invitation: signs the invitation row's id; expires after PORTAL_INVITATION_HOURS (48) and is
  used up when the row's used_at is set.
- Password reset: signs the user's id and a fingerprint of their current password hash;
  expires after PORTAL_PASSWORD_RESET_MINUTES, and setting a new password changes the hash,
  which makes every earlier reset link (this one included) worthless.

Links are built from PORTAL_BASE_URL, never from the request's Host header, so a forged Host
cannot send someone a reset link to another site.
"""

from __future__ import annotations

import enum
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.extensions import db
from portal.links import external_url
from portal.models import Invitation, User
from portal.models.catalog import utcnow

MAX_TOKEN_LENGTH = 500


class LinkProblem(enum.StrEnum):
    invalid = "invalid"
    expired = "expired"
    used = "used"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def _load(purpose: str, token: str, max_age_seconds: int) -> dict | LinkProblem:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return LinkProblem.invalid
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return LinkProblem.expired
    except BadSignature:
        return LinkProblem.invalid
    return data if isinstance(data, dict) else LinkProblem.invalid


def _record_from(purpose: str, token: str, max_age_seconds: int, model, key: str):
    """The row a valid token names, with the token's data; or what is wrong with the link."""
    data = _load(purpose, token, max_age_seconds)
    if isinstance(data, LinkProblem):
        return data
    record = db.session.get(model, str(data.get(key, "")))
    return LinkProblem.invalid if record is None else (record, data)


# --- invitations ------------------------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    token = _serializer("invitation").dumps({"i": invitation.id})
    return external_url("auth.accept_invitation", token=token)


def invitation_from(token: str) -> Invitation | LinkProblem:
    hours = current_app.config["PORTAL_INVITATION_HOURS"]
    found = _record_from("invitation", token, hours * 3600, Invitation, "i")
    if isinstance(found, LinkProblem):
        return found
    invitation, _data = found
    if invitation.used_at is not None:
        return LinkProblem.used
    if invitation.expires_at <= utcnow() or not invitation.user.active:
        return LinkProblem.expired
    return invitation


# --- password reset ---------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def reset_link(user: User) -> str:
    token = _serializer("password-reset").dumps({"u": user.id, "h": _fingerprint(user)})
    return external_url("auth.reset_password", token=token)


def reset_user_from(token: str) -> User | LinkProblem:
    minutes = current_app.config["PORTAL_PASSWORD_RESET_MINUTES"]
    found = _record_from("password-reset", token, minutes * 60, User, "u")
    if isinstance(found, LinkProblem):
        return found
    user, data = found
    if not user.active:
        return LinkProblem.invalid
    if data.get("h") != _fingerprint(user):
        return LinkProblem.used
    return user
