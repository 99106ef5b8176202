"""The audit log: append-only. Rows are added by portal.audit.record and never changed: the
ORM and the database refuse to update or delete them (portal.models.append_only).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.append_only import make_append_only
from portal.models.catalog import UTCDateTime, utcnow


class AuditLogIsAppendOnly(RuntimeError):
    """Someone tried to change or delete an audit row."""


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Who: the signed-in user, or for a failed sign-in the address that was typed.
    actor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # A short, fixed description (e.g. "clinician -> supervisor"); never a secret or a body.
    detail: Mapped[str | None] = mapped_column(String(500))


make_append_only(AuditEvent, AuditLogIsAppendOnly)
