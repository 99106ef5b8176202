"""The audit log: append-only. Rows are added by portal.audit.record and never changed.

The ORM refuses to update or delete them (below), so no code path in the app can; the
database role the app runs as in production should also lack UPDATE and DELETE on the table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Delete, Integer, String, Update, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from portal.extensions import db
from portal.models.catalog import UTCDateTime, utcnow


class AuditLogIsAppendOnly(RuntimeError):
    """Someone tried to change or delete an audit row."""


class AuditEvent(db.Model):
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


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly("audit rows cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    # session.execute(update(AuditEvent)…) and delete(…) skip the mapper events above.
    statement = state.statement
    if (
        isinstance(statement, (Update, Delete))
        and getattr(statement, "table", None) is not None
        and statement.table.name == AuditEvent.__tablename__
    ):
        raise AuditLogIsAppendOnly("audit rows cannot be changed or deleted")
