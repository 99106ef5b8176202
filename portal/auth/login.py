"""Signing in: password check, lockout, the MFA step and the audit trail of each attempt.

The same answer for an unknown address, a wrong password, a disabled account and an account
with no password yet, so sign-in reveals nothing about which addresses have accounts.
Failures lock the guessing from one address at one account, not the account
(portal.auth.guessing); rate limits per account and per address sit in front
(portal.auth.views).
"""

from __future__ import annotations

import enum

from flask import session
from sqlalchemy import select

from portal import audit
from portal.auth import guessing, mfa, passwords, sessions
from portal.auth.accounts import normalize_email
from portal.extensions import client_address, db
from portal.models import User
from portal.models.catalog import utcnow

PENDING_MFA_KEY = "mfa_pending"
# How long the second step may take after the password was accepted.
PENDING_MFA_SECONDS = 300


class Outcome(enum.Enum):
    signed_in = "signed_in"
    needs_mfa = "needs_mfa"
    refused = "refused"
    locked = "locked"


def _fail(user: User | None, email: str, action: str = "login.failure") -> Outcome:
    """Count a failed attempt for this address and account (portal.auth.guessing)."""
    if user is None:
        audit.record(action, actor_email=email[:254], detail="unknown account")
        db.session.commit()
        return Outcome.refused
    audit.record(action, record=user, actor_email=user.email)
    locked = guessing.record_failure(user, client_address())
    db.session.commit()
    return Outcome.locked if locked else Outcome.refused


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password(email: str, password: str) -> Outcome:
    """First step. On success either signs in or leaves the MFA step pending in the session."""
    user = find_user(email)
    now = utcnow()
    if user is not None and guessing.is_refused(user, client_address()):
        passwords.verify(None, password)  # same time as any other attempt
        audit.record("login.failure", record=user, actor_email=user.email, detail="locked")
        db.session.commit()
        return Outcome.locked
    usable = user is not None and user.active
    verified = passwords.verify(
        user.password_hash if user is not None and usable else None, password
    )
    if user is None or not verified:
        return _fail(user, email)
    # The failure count stays until both factors are done: a right password must not wipe
    # out the wrong codes guessed before it (they count toward the same lockout).
    if user.mfa_enabled:
        session.clear()
        session[PENDING_MFA_KEY] = {"user": user.id, "at": now.timestamp()}
        db.session.commit()
        return Outcome.needs_mfa
    complete(user)
    return Outcome.signed_in


def pending_user() -> User | None:
    """The user who gave the right password and now owes a second factor."""
    pending = session.get(PENDING_MFA_KEY)
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_MFA_SECONDS:
        session.pop(PENDING_MFA_KEY, None)
        return None
    user = db.session.get(User, str(pending.get("user", "")))
    if user is None or not user.active or not user.mfa_enabled:
        return None
    if guessing.is_refused(user, client_address()):
        return None
    return user


def check_second_factor(user: User, code: str) -> Outcome:
    """Second step: a TOTP code, or a recovery code (used up)."""
    if mfa.verify_totp(user, code):
        complete(user)
        return Outcome.signed_in
    if mfa.use_recovery_code(user, code):
        audit.record("mfa.recovery_code_used", record=user, actor_email=user.email)
        complete(user)
        return Outcome.signed_in
    outcome = _fail(user, user.email, action="mfa.failure")
    if outcome is Outcome.locked:
        session.pop(PENDING_MFA_KEY, None)
    return outcome


def complete(user: User) -> None:
    """Both factors done: a new session (new id), audited, committed."""
    sessions.start(user)  # clears the cookie session, the pending MFA step with it
    guessing.forget_pair(user, client_address())
    user.last_login_at = utcnow()
    audit.record("login.success", record=user, actor=user)
    db.session.commit()


def logout() -> None:
    audit.record("logout")
    sessions.end_current("logout")
    db.session.commit()
