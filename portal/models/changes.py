"""Keeping listings true: providers' change requests, the public's problem reports and the
freshness reminders already sent. The rules that act on them are in
portal/catalog/change_requests.py, portal/catalog/freshness.py and portal/catalog/problems.py."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.catalog import (
    Organization,
    Service,
    UTCDateTime,
    fk,
    id_column,
    one_of,
    utcnow,
)
from portal.models.people import User


class ChangeStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class TargetType(enum.StrEnum):
    organization = "organization"
    service = "service"
    location = "location"


class ChangeRequest(Model):
    """A proposed change to one listing record (or a new one: target_id is None), reviewed by
    an admin. Values are in the form of portal.catalog.fields, which change requests compare
    and apply."""

    __tablename__ = "change_request"
    __table_args__ = (one_of("target_type", TargetType), one_of("status", ChangeStatus))

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = fk("organization.id", nullable=False)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # field name -> proposed value, and the values it replaces as they were when submitted.
    proposed_values: Mapped[dict] = mapped_column(JSON)
    previous_values: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ChangeStatus.pending.value, index=True)
    reviewer_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def is_new_record(self) -> bool:
        return self.target_id is None


class ProblemKind(enum.StrEnum):
    wrong_phone = "wrong phone"
    wrong_hours = "wrong hours"
    closed = "closed"
    other = "other"


class ProblemStatus(enum.StrEnum):
    open = "open"
    resolved = "resolved"


class ProblemReport(Model):
    """A member of the public says a listing is wrong. Nothing about the reporter is kept."""

    __tablename__ = "problem_report"
    __table_args__ = (one_of("kind", ProblemKind), one_of("status", ProblemStatus))

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ProblemStatus.open.value, index=True)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    service: Mapped[Service] = relationship()
    resolved_by: Mapped[User | None] = relationship()


class ListingReminder(Model):
    """A freshness reminder sent about a listing, so each threshold period sends one only."""

    __tablename__ = "listing_reminder"

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
