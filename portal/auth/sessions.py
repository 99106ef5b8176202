"""Server-side sessions (ASVS V3; HIPAA automatic log-off).

The signed Flask cookie holds a random token; the `user_session` row holding its SHA-256 is
checked on every request. Ending the row (logout, disable, password reset, time-out) ends the
session for every copy of the cookie. Idle and absolute time-outs come from
PORTAL_SESSION_IDLE_MINUTES and PORTAL_SESSION_MAX_HOURS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import cast

from flask import current_app, g, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import CursorResult, select, update

from portal.extensions import client_address, db
from portal.models import User, UserSession
from portal.models.catalog import utcnow

SESSION_KEY = "sid"
# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> tuple[UserSession, str]:
    """A new session row for the user and the token that names it (kept only by the browser)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=_hash(token), user=user)
    if has_request_context():
        row.ip_address = client_address()[:45]
        row.user_agent = (request.user_agent.string or "")[:200] or None
    db.session.add(row)
    return row, token


def start(user: User) -> UserSession:
    """Sign the user in with a new session: the old cookie's contents are thrown away, so an
    identifier planted before sign-in is worthless after it (session fixation)."""
    session.clear()
    row, token = open_session(user)
    session[SESSION_KEY] = token
    login_user(user)
    g.user_session = row
    return row


def current() -> UserSession | None:
    """The session row of this request, if signed in."""
    return g.get("user_session")


def _expiry_reason(row: UserSession, now: dt.datetime) -> str | None:
    config = current_app.config
    if row.ended_at is not None:
        return row.end_reason or "ended"
    if now - row.created_at > dt.timedelta(hours=config["PORTAL_SESSION_MAX_HOURS"]):
        return "expired"
    if now - row.last_seen_at > dt.timedelta(minutes=config["PORTAL_SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only while their session row is alive."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.user_id != user_id:
        session.clear()
        return None
    now = utcnow()
    reason = _expiry_reason(row, now)
    if reason is None and not row.user.active:
        reason = "disabled"
    if reason is not None:
        if row.ended_at is None:
            end(row, reason)
            db.session.commit()
        session.clear()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    g.user_session = row
    return row.user


def end(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason


def end_current(reason: str = "logout") -> None:
    """Log out: end this session's row and forget the cookie's contents."""
    row = current()
    if row is not None:
        end(row, reason)
    logout_user()
    session.clear()


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of the user (but `keep`); returns how many were ended."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    # An UPDATE answers with a CursorResult, which counts the rows it matched.
    return cast(CursorResult, db.session.execute(statement)).rowcount


def active_for(user: User) -> list[UserSession]:
    """The user's live sessions, newest first (time-outs taken into account)."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return [row for row in rows if _expiry_reason(row, now) is None]
