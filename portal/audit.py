"""Writing to the audit log: the one function every audited event goes through.

What is kept: who, when, the action, the record (type and id), the address and a short user
agent, and a short fixed detail. Never a password, a token, a code or a request body: callers
pass only the fields below, and `detail` is for values such as a role name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, select

from portal import localtime, spreadsheets
from portal.extensions import client_address, db
from portal.models import AuditEvent

USER_AGENT_LENGTH = 200

# The actions, in one list so the admin page can offer them as a filter.
ACTIONS = (
    "login.success",
    "login.failure",
    "login.lockout",
    "login.reset_required",  # many addresses guessed one account: the emailed reset is needed
    "logout",
    "session.ended",
    "invitation.created",
    "invitation.accepted",
    "user.role_changed",
    "user.disabled",
    "user.enabled",
    "user.details_changed",
    "mfa.enabled",
    "mfa.disabled",
    "mfa.failure",
    "mfa.recovery_codes_created",
    "mfa.recovery_code_used",
    "password.reset_requested",
    "password.reset",
    "audit.exported",
    # Client data (issue 5): every view and change.
    "client.created",
    "client.updated",
    "client.viewed",
    "client.searched",
    "client.shown",  # a client's name on a list or a form: one row per client shown
    "consent.recorded",
    "consent.revoked",
    "consent_template.saved",
    "encounter.created",
    "encounter.viewed",
    "encounter.listed",
    "referral.created",
    "referral.updated",
    "referral.status_changed",
    "referral.viewed",
    "referral.listed",
    "referral.printed",
    # Listings (issue 7)
    "listing.change_submitted",
    "listing.change_approved",
    "listing.change_rejected",
    "listing.confirmed",
    "listing.capacity_updated",
    "problem.resolved",
    "organization.saved",
    "taxonomy.changed",
    "catalog.imported",
    # Program evidence (issue 15)
    "report.viewed",
    "report.exported",
    "report.population_changed",
)


def record(
    action: str,
    *,
    record=None,
    record_type: str | None = None,
    record_id: str | None = None,
    actor=None,
    actor_email: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add an audit row to the session; it is committed with the change it describes.

    `record` is a model instance (its table name and id are kept); `actor` defaults to the
    signed-in user.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if record is not None:
        record_type = record.__tablename__
        record_id = str(record.id)
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=(actor.email if actor is not None else actor_email or None),
        record_type=record_type,
        record_id=record_id,
        detail=detail[:500] if detail else None,
    )
    if has_request_context():
        event.ip_address = client_address()[:45]
        event.user_agent = (request.user_agent.string or "")[:USER_AGENT_LENGTH] or None
    db.session.add(event)
    return event


def record_shown(clients: Iterable, where: str) -> None:
    """Who was shown: one `client.shown` row per client listed on a page (`where` says which),
    however many times the page names them."""
    for client in dict.fromkeys(clients):
        record("client.shown", record=client, detail=where)


# --- reading the log (the admin page and its CSV export) ------------------------------------


@dataclass(frozen=True)
class Filters:
    actor: str | None = None  # part of the email address
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    start: dt.date | None = None  # dates in the program's time zone, both ends included
    end: dt.date | None = None


def query(filters: Filters) -> Select:
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.actor:
        statement = statement.where(
            AuditEvent.actor_email.contains(filters.actor.lower(), autoescape=True)
        )
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.record_type:
        statement = statement.where(AuditEvent.record_type == filters.record_type)
    if filters.record_id:
        statement = statement.where(AuditEvent.record_id == filters.record_id)
    if filters.start:
        statement = statement.where(AuditEvent.at >= localtime.midnight_utc(filters.start))
    if filters.end:
        next_day = filters.end + dt.timedelta(days=1)
        statement = statement.where(AuditEvent.at < localtime.midnight_utc(next_day))
    return statement


CSV_COLUMNS = (
    "at",
    "actor_id",
    "actor_email",
    "action",
    "record_type",
    "record_id",
    "ip_address",
    "user_agent",
    "detail",
)


def csv_export(filters: Filters) -> Iterator[str]:
    """The matching events as CSV text, a row at a time, for a streamed download.

    Rows are fetched 500 at a time (a server-side cursor on PostgreSQL), which is closed even
    when the download stops half-way."""
    result = db.session.scalars(query(filters).execution_options(yield_per=500))
    try:
        yield from _csv_chunks(result)
    finally:
        result.close()


def _csv_chunks(events: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for event in events:
        writer.writerow([spreadsheets.text_cell(getattr(event, column)) for column in CSV_COLUMNS])
        yield flush()
