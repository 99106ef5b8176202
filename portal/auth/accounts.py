"""Account life-cycle rules: invite, accept, change role, disable and enable, reset password.

Views (portal/auth, portal/admin) and the CLI (`flask users create-admin`) call these; each
writes its audit row and email in the caller's transaction, and the caller commits.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select, update

from portal import audit, notify
from portal.auth import guessing, passwords, sessions, tokens
from portal.extensions import db
from portal.models import Invitation, Organization, Role, User
from portal.models.catalog import utcnow
from portal.translated import gettext as _


class AccountError(ValueError):
    """The change cannot be made; the message says why, in words for the admin."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def invite(email: str, role: Role | str, *, organizations=(), by: User | None = None) -> str:
    """Create the account (no password yet) and its invitation; email the link.

    Returns the link (the CLI prints it for the first admin).
    """
    role = Role(role)
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.password_hash is not None:
        raise AccountError(_("An account with this email address already exists."))
    if role is Role.provider and not organizations:
        raise AccountError(_("Choose at least one organization for provider staff."))
    if user is None:
        user = User(email=email, role=role.value, active=True)
        db.session.add(user)
    user.role = role.value
    user.organizations = list(organizations) if role is Role.provider else []
    db.session.flush()
    now = utcnow()
    # Only the newest link works: an older one may sit in a mailbox someone else can read.
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    invitation = Invitation(
        user_id=user.id,
        created_by_id=by.id if by is not None else None,
        expires_at=now + dt.timedelta(hours=current_app.config["PORTAL_INVITATION_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    link = tokens.invitation_link(invitation)
    hours = current_app.config["PORTAL_INVITATION_HOURS"]
    notify.queue(
        to=email,
        subject=_("You are invited to Community Help Finder"),
        body=_(
            "You have been invited to Community Help Finder.\n\n"
            "To choose your password and start, open this link within %(hours)d hours:\n"
            "%(link)s\n\nThe link works once. If you did not expect this, you can ignore it.",
            hours=hours,
            link=link,
        ),
    )
    audit.record("invitation.created", record=user, actor=by, detail=f"role {role.value}")
    return link


def accept_invitation(invitation: Invitation, password: str) -> User:
    user = invitation.user
    user.password_hash = passwords.hash_password(password)
    invitation.used_at = utcnow()
    audit.record("invitation.accepted", record=user, actor=user)
    return user


def change_role(user: User, role: Role | str, organizations, *, by: User) -> None:
    role = Role(role)
    if user.id == by.id:
        raise AccountError(_("You cannot change your own role. Ask another administrator."))
    if role is Role.provider and not organizations:
        raise AccountError(_("Choose at least one organization for provider staff."))
    before = user.role
    user.role = role.value
    user.organizations = list(organizations) if role is Role.provider else []
    if before != role.value:
        # New rights take effect at the next sign-in, with a fresh session.
        sessions.end_all(user, "role-changed")
    audit.record("user.role_changed", record=user, actor=by, detail=f"{before} -> {role.value}")


def set_active(user: User, active: bool, *, by: User) -> None:
    if user.id == by.id:
        raise AccountError(_("You cannot disable your own account."))
    user.active = active
    if not active:
        sessions.end_all(user, "disabled")  # at once: the next request is signed out
    audit.record("user.enabled" if active else "user.disabled", record=user, actor=by)


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has a usable account; silent otherwise."""
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active or user.password_hash is None:
        audit.record("password.reset_requested", actor_email=email[:254], detail="no account")
        return
    minutes = current_app.config["PORTAL_PASSWORD_RESET_MINUTES"]
    notify.queue(
        to=user.email,
        subject=_("Reset your Community Help Finder password"),
        body=_(
            "Someone asked to reset the password for this email address.\n\n"
            "To choose a new password, open this link within %(minutes)d minutes:\n%(link)s\n\n"
            "The link works once. If you did not ask for this, you can ignore this email; "
            "your password stays the same.",
            minutes=minutes,
            link=tokens.reset_link(user),
        ),
    )
    audit.record("password.reset_requested", record=user, actor_email=user.email)


def reset_password(user: User, password: str) -> None:
    """Set the new password and end every session of the user (a thief's too)."""
    user.password_hash = passwords.hash_password(password)
    guessing.forget_all(user)
    sessions.end_all(user, "password-reset")
    audit.record("password.reset", record=user, actor=user)


def update_details(user: User, *, display_name: str | None, phone: str | None) -> list[str]:
    """Set the user's own name and work phone (already cleaned by the form); returns the
    fields that changed, audited by name (the values are the account's, not the log's)."""
    changed = [
        name
        for name, value in (("display_name", display_name), ("phone", phone))
        if getattr(user, name) != value
    ]
    if changed:
        user.display_name = display_name
        user.phone = phone
        audit.record("user.details_changed", record=user, actor=user, detail=", ".join(changed))
    return changed


def organizations_by_id(ids) -> list[Organization]:
    ids = [str(i) for i in ids]
    if not ids:
        return []
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(ids))))
