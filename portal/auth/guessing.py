"""Lock the guessing, not the account (ASVS 2.2.1; issue 18 point 5).

Failed passwords and two-step codes are counted per pair of client address and account. After
PORTAL_LOGIN_MAX_FAILURES in a row that pair is refused for PORTAL_LOCKOUT_MINUTES, even with the
right password, while the real user at another address still signs in.

Many addresses guessing one account meet a ceiling: PORTAL_ACCOUNT_MAX_FAILURES failures from all
addresses within PORTAL_SIGN_IN_FAILURE_HOURS stop password sign-in for that account until its
owner chooses a new password through the emailed reset link. That is the step a guesser cannot
take without the mailbox, whereas a timed lock of the whole account would hand them the lockout
of the real user again. Failures are forgotten after PORTAL_SIGN_IN_FAILURE_HOURS.

The owner is told by email (queued in the outbox) the first time in that period that guessing at
their account is locked, and when the ceiling is met. The email does not name the address: it
is in the audit log for the administrator.

Each counter changes in one UPDATE statement, so workers sharing the database share the counts
and only one of them locks, audits and tells.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, case, delete, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, notify
from portal.extensions import db
from portal.links import external_url
from portal.models import SignInGuard, User
from portal.models.catalog import UTCDateTime, utcnow
from portal.translated import gettext as _

ADDRESS_LENGTH = 45  # the longest IPv6 address as text
COUNTED = ["failed_logins", "failures_since", "password_reset_required", "guessing_reported_at"]


def _address(address: str) -> str:
    return address[:ADDRESS_LENGTH]


def _forget_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(hours=current_app.config["PORTAL_SIGN_IN_FAILURE_HOURS"])


def is_refused(user: User, address: str) -> bool:
    """Whether sign-in to this account from this address is refused before any check."""
    if user.password_reset_required:
        return True
    locked_until = db.session.scalar(
        select(SignInGuard.locked_until).where(
            SignInGuard.user_id == user.id, SignInGuard.address == _address(address)
        )
    )
    return locked_until is not None and locked_until > utcnow()


def _changed(statement) -> int:
    # An UPDATE answers with a CursorResult, which counts the rows it matched.
    return cast(CursorResult, db.session.execute(statement)).rowcount


def _count_for_pair(user: User, address: str, now: dt.datetime) -> int:
    stale = SignInGuard.last_failure_at < _forget_before(now)
    statement = (
        update(SignInGuard)
        .where(SignInGuard.user_id == user.id, SignInGuard.address == address)
        .values(
            failures=case((stale, 1), else_=SignInGuard.failures + 1),
            last_failure_at=literal(now, UTCDateTime()),
        )
        .returning(SignInGuard.failures)
        .execution_options(synchronize_session=False)
    )
    count = db.session.scalar(statement)
    if count is not None:
        return count
    try:
        with db.session.begin_nested():
            db.session.add(
                SignInGuard(user_id=user.id, address=address, failures=1, last_failure_at=now)
            )
        return 1
    except IntegrityError:  # another worker counted this pair's first failure just now
        return db.session.scalar(statement) or 1


def _count_for_account(user: User, now: dt.datetime) -> int:
    restart = or_(User.failures_since.is_(None), User.failures_since < _forget_before(now))
    statement = (
        update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=case((restart, 1), else_=User.failed_logins + 1),
            failures_since=case((restart, literal(now, UTCDateTime())), else_=User.failures_since),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(statement) or 0


def record_failure(user: User, address: str) -> bool:
    """Count a wrong password or code; True when it locked the guessing (this pair, or the
    account at its ceiling). The caller commits."""
    config = current_app.config
    now = utcnow()
    address = _address(address)
    pair_count = _count_for_pair(user, address, now)
    pair_locked = pair_count >= config["PORTAL_LOGIN_MAX_FAILURES"] and _lock_pair(
        user, address, now
    )
    account_count = _count_for_account(user, now)
    account_locked = account_count >= config["PORTAL_ACCOUNT_MAX_FAILURES"] and _require_reset(user)
    if account_locked:
        _mark_reported(user, now, first_in_period=False)
        _tell_reset_required(user)
    elif pair_locked and _mark_reported(user, now, first_in_period=True):
        _tell_pair_locked(user)
    # Rows of addresses that stopped long ago are no use to anyone.
    db.session.execute(
        delete(SignInGuard)
        .where(
            SignInGuard.user_id == user.id,
            SignInGuard.last_failure_at < _forget_before(now),
            or_(SignInGuard.locked_until.is_(None), SignInGuard.locked_until < now),
        )
        .execution_options(synchronize_session=False)
    )
    # The counts changed in the database, not on this object.
    db.session.expire(user, COUNTED)
    return pair_locked or account_locked


def _lock_pair(user: User, address: str, now: dt.datetime) -> bool:
    minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
    locked = _changed(
        update(SignInGuard)
        .where(
            SignInGuard.user_id == user.id,
            SignInGuard.address == address,
            SignInGuard.failures >= current_app.config["PORTAL_LOGIN_MAX_FAILURES"],
        )
        .values(
            failures=0, locked_until=literal(now + dt.timedelta(minutes=minutes), UTCDateTime())
        )
        .execution_options(synchronize_session=False)
    )
    if locked:
        audit.record(
            "login.lockout", record=user, actor_email=user.email, detail=f"{minutes} minutes"
        )
    return bool(locked)


def _require_reset(user: User) -> bool:
    required = _changed(
        update(User)
        .where(User.id == user.id, User.password_reset_required.is_(False))
        .values(password_reset_required=True)
        .execution_options(synchronize_session=False)
    )
    if required:
        audit.record("login.reset_required", record=user, actor_email=user.email)
    return bool(required)


def _mark_reported(user: User, now: dt.datetime, *, first_in_period: bool) -> bool:
    """Note that the owner is being told; with `first_in_period`, only if they were not told
    yet in this period of failures (True when this call is the one to tell them)."""
    statement = update(User).where(User.id == user.id)
    if first_in_period:
        statement = statement.where(
            or_(
                User.guessing_reported_at.is_(None),
                User.guessing_reported_at < User.failures_since,
            )
        )
    return bool(
        _changed(
            statement.values(guessing_reported_at=literal(now, UTCDateTime())).execution_options(
                synchronize_session=False
            )
        )
    )


def _tell_pair_locked(user: User) -> None:
    notify.queue(
        to=user.email,
        subject=_("Someone is trying to sign in to your account"),
        body=_(
            "Someone got the password or the two-step code for your Community Help Finder "
            "account wrong too many times, so sign-in from the device or network they used is "
            "paused for %(minutes)d minutes. You can still sign in as usual from yours.\n\n"
            "If this was you, wait and try again. If it was not, reset your password and tell "
            "your administrator.\n\n"
            "We tell you once; further attempts are recorded for your administrator.",
            minutes=current_app.config["PORTAL_LOCKOUT_MINUTES"],
        ),
    )


def _tell_reset_required(user: User) -> None:
    notify.queue(
        to=user.email,
        subject=_("Choose a new password to sign in to Community Help Finder"),
        body=_(
            "Your Community Help Finder account got many wrong passwords or two-step codes "
            "from many places, so signing in with the password is stopped until you choose a "
            "new one. This stops the guessing; your account and its data are unchanged.\n\n"
            "To sign in again, ask for a reset link here and follow it:\n%(link)s\n\n"
            "Please tell your administrator.",
            link=external_url("auth.forgot_password"),
        ),
    )


def forget_pair(user: User, address: str) -> None:
    """A sign-in from this address succeeded: its failures are forgotten (others' are not)."""
    db.session.execute(
        delete(SignInGuard)
        .where(SignInGuard.user_id == user.id, SignInGuard.address == _address(address))
        .execution_options(synchronize_session=False)
    )


def forget_all(user: User) -> None:
    """A new password makes every guess so far moot."""
    db.session.execute(
        delete(SignInGuard)
        .where(SignInGuard.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    user.failed_logins = 0
    user.failures_since = None
    user.password_reset_required = False
