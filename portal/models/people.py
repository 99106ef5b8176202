"""People who sign in: users and their roles, organizations, sessions, MFA recovery codes and
invitations. The rules that act on them live in portal/auth and portal/admin."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.catalog import Organization, UTCDateTime, fk, id_column, one_of, utcnow


class Role(enum.StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    clinician = "clinician"
    provider = "provider"  # provider staff, tied to one or more organizations


# Roles that must sign in with two steps: every role that sees client data (clinician,
# supervisor, provider staff) or can change who does (admin).
MFA_REQUIRED_ROLES = frozenset({Role.admin, Role.supervisor, Role.clinician, Role.provider})


class User(UserMixin, Model):
    __tablename__ = "user_account"  # "user" is a reserved word in PostgreSQL
    __table_args__ = (one_of("role", Role),)

    id: Mapped[str] = id_column()
    # Stored lower-cased (portal.auth.accounts.normalize_email), so the unique index is the rule.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None until the invitation is accepted: such an account cannot sign in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # How colleagues reach this person: providers see the referring clinician's name and phone.
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Failed sign-ins from every address since failures_since (portal.auth.guessing): past
    # a ceiling, password sign-in waits for the emailed reset (password_reset_required).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    failures_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_reset_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # When the owner was last told that sign-in to their account was being guessed.
    guessing_reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # TOTP: the secret is kept while set-up is pending; mfa_enabled once a code confirmed it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    organizations: Mapped[list[Organization]] = relationship(
        secondary="user_organization", order_by="Organization.name"
    )
    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login: an account that is disabled or has no password yet is not active.
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def mfa_required(self) -> bool:
        return self.role in MFA_REQUIRED_ROLES

    @property
    def organization_ids(self) -> set[str]:
        return {o.id for o in self.organizations}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserOrganization(Model):
    """Which organizations' listings and inbound referrals a provider staff member works on."""

    __tablename__ = "user_organization"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("organization.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )


class UserSession(Model):
    """A signed-in session, checked on every request so that it can be ended on the server.

    The browser holds a random token; only its SHA-256 is stored, so a copy of this table
    cannot be replayed as cookies.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = fk("user_account.id", nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # logout, ended-by-user, idle, expired, disabled, password-reset, role-changed
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="sessions")


class SignInGuard(Model):
    """Failed sign-ins (password or two-step code) from one client address to one account,
    and the lock they caused: the guessing is locked, not the account (portal.auth.guessing)."""

    __tablename__ = "sign_in_guard"
    __table_args__ = (UniqueConstraint("user_id", "address"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[str] = fk("user_account.id", nullable=False)
    address: Mapped[str] = mapped_column(String(45))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(Model):
    """A single-use MFA recovery code, stored salted and hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[str] = fk("user_account.id", nullable=False)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invitation(Model):
    """A set-password link sent to a new user; the signed token names this row, which makes the
    link single-use (used_at) and lets an admin see what is pending."""

    __tablename__ = "invitation"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = fk("user_account.id", nullable=False)
    created_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
