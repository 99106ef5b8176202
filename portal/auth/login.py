"""Signing in: password check, lockout, the MFA step and the audit trail of each attempt.

The same answer for an unknown address, a wrong password, a disabled account and an account
with no password yet, so sign-in reveals nothing about which addresses have accounts.
After PORTAL_LOGIN_MAX_FAILURES failures in a row the account is locked for
PORTAL_LOCKOUT_MINUTES (ASVS 2.2.1); rate limits per account and per address sit in front
(portal.auth.views).
"""

from __future__ import annotations

import datetime as dt
import enum

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, notify
from portal.auth import mfa, passwords, sessions
from portal.auth.accounts import normalize_email
from portal.extensions import db
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


def _is_locked(user: User, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _fail(user: User | None, email: str, action: str = "login.failure") -> Outcome:
    """Count a failed attempt; lock the account when it reaches the limit."""
    if user is None:
        audit.record(action, actor_email=email[:254], detail="unknown account")
        db.session.commit()
        return Outcome.refused
    now = utcnow()
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(action, record=user, actor_email=user.email)
    if user.failed_logins >= current_app.config["PORTAL_LOGIN_MAX_FAILURES"]:
        user.locked_until = now + dt.timedelta(minutes=current_app.config["PORTAL_LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit.record(
            "login.lockout",
            record=user,
            actor_email=user.email,
            detail=f"{current_app.config['PORTAL_LOCKOUT_MINUTES']} minutes",
        )
        _tell_about_lockout(user)
        db.session.commit()
        return Outcome.locked
    db.session.commit()
    return Outcome.refused


def _tell_about_lockout(user: User) -> None:
    minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
    notify.queue(
        to=user.email,
        subject=_("Sign-in to Community Help Finder is paused"),
        body=_(
            "Someone tried to sign in to your account and got the password or the code wrong "
            "too many times, so sign-in is paused for %(minutes)d minutes.\n\n"
            "If this was you, wait and try again. If it was not, reset your password and tell "
            "your administrator.",
            minutes=minutes,
        ),
    )


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password(email: str, password: str) -> Outcome:
    """First step. On success either signs in or leaves the MFA step pending in the session."""
    user = find_user(email)
    now = utcnow()
    if user is not None and _is_locked(user, now):
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
    if user is None or not user.active or not user.mfa_enabled or _is_locked(user, utcnow()):
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
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record("login.success", record=user, actor=user)
    db.session.commit()


def logout() -> None:
    audit.record("logout")
    sessions.end_current("logout")
    db.session.commit()
