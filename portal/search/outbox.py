"""Keeping the index true to the database.

A change to a listing adds search_outbox rows in the same transaction (collected after each
flush, written before the commit), so a rolled-back change never reaches the index. After the
commit, this process applies the pending rows with a writer that waits for the index lock;
whatever could not be applied then (lock held too long, index missing, process died) is
applied by `flask search sync`.

Each index folder remembers the last outbox id it applied, and which rows of the last minute
it applied: on PostgreSQL a transaction that took a lower id can commit after a higher one was
applied, so rows of the last minute below that id are applied when they first appear.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, has_app_context
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from portal.models.catalog import utcnow
from portal.models.search import SearchOutbox
from portal.search import indexer
from portal.search.store import IndexMissing, OutboxPosition

log = logging.getLogger(__name__)

LATE_COMMIT_WINDOW = dt.timedelta(minutes=1)
_PENDING_KEY = "search_outbox_pending"
_TOUCHED_KEY = "search_outbox_touched"

# Records whose own service_id says which service they describe.
_SERVICE_CHILDREN = (Phone, Schedule, Language, CostOption, ServiceCapacity, ServiceAtLocation)
# Records that describe a location, shared by the services offered there.
_LOCATION_CHILDREN = (Address, Accessibility)


def _services_at(session: Session, location_ids: set[str]) -> set[str]:
    if not location_ids:
        return set()
    return set(
        session.scalars(
            select(ServiceAtLocation.service_id).where(
                ServiceAtLocation.location_id.in_(location_ids)
            )
        )
    )


def services_touched(session: Session) -> set[str]:
    """The services whose index documents the pending changes in this session affect."""
    services: set[str] = set()
    placements: set[str] = set()  # service_at_location ids
    locations: set[str] = set()
    organizations: set[str] = set()
    terms: set[str] = set()
    changed = [
        *session.new,
        *session.deleted,
        *(o for o in session.dirty if session.is_modified(o)),
    ]
    for obj in changed:
        if isinstance(obj, Service):
            services.add(obj.id)
        elif isinstance(obj, _SERVICE_CHILDREN):
            services.add(obj.service_id)
            if isinstance(obj, (Phone, Schedule, Language)) and obj.location_id:
                locations.add(obj.location_id)
            if isinstance(obj, (Phone, Schedule)) and obj.service_at_location_id:
                placements.add(obj.service_at_location_id)
        elif isinstance(obj, Attribute) and obj.link_entity == "service":
            services.add(obj.link_id)
        elif isinstance(obj, Location):
            locations.add(obj.id)
        elif isinstance(obj, _LOCATION_CHILDREN):
            locations.add(obj.location_id)
        elif isinstance(obj, Organization):
            organizations.add(obj.id)
        elif isinstance(obj, TaxonomyTerm):
            terms.add(obj.id)
    with session.no_autoflush:
        services |= _services_at(session, locations)
        if placements:
            services |= set(
                session.scalars(
                    select(ServiceAtLocation.service_id).where(ServiceAtLocation.id.in_(placements))
                )
            )
        if organizations:
            services |= set(
                session.scalars(
                    select(Service.id).where(Service.organization_id.in_(organizations))
                )
            )
        if terms:
            services |= set(
                session.scalars(
                    select(Attribute.link_id).where(
                        Attribute.taxonomy_term_id.in_(terms), Attribute.link_entity == "service"
                    )
                )
            )
    services.discard(None)
    return services


def _collect(session: Session, _flush_context) -> None:
    # After the flush, new records have their ids and foreign keys.
    touched = services_touched(session)
    if touched:
        session.info.setdefault(_TOUCHED_KEY, set()).update(touched)


def _record(session: Session) -> None:
    session.flush()  # collect what is still pending
    touched = session.info.pop(_TOUCHED_KEY, None)
    if touched:
        session.add_all(SearchOutbox(service_id=service_id) for service_id in sorted(touched))
        session.info[_PENDING_KEY] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING_KEY, False) or not has_app_context():
        return
    # A fresh session: the committed one must not be used from inside its own commit.
    with Session(bind=session.get_bind()) as work:
        try:
            apply_pending(work)
        except IndexMissing as exc:
            log.info("no search index to update (%s); `flask search sync` will build it", exc)
        except Exception:  # the change is committed; sync will index it
            log.warning(
                "search index not updated after commit; `flask search sync` will", exc_info=True
            )


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_TOUCHED_KEY, None)


def apply_pending(session: Session | None = None) -> int:
    """Index the services changed since this index's position; returns how many."""
    session = session or db.session
    store = indexer.store()
    applied = store.read_position()
    window_start = utcnow() - LATE_COMMIT_WINDOW
    rows = session.execute(
        select(SearchOutbox.id, SearchOutbox.service_id, SearchOutbox.created_at).where(
            or_(SearchOutbox.id > applied.last_id, SearchOutbox.created_at >= window_start)
        )
    ).all()
    pending = [row for row in rows if row.id > applied.last_id or row.id not in applied.recent]
    if not pending:
        return 0
    service_ids = sorted({row.service_id for row in pending})
    indexer.update(session, service_ids)
    store.write_position(
        OutboxPosition(
            max(applied.last_id, max(row.id for row in rows)),
            frozenset(row.id for row in rows if row.created_at >= window_start),
        )
    )
    return len(service_ids)


def prune(session: Session, older_than: dt.timedelta) -> int:
    """Remove outbox rows every host has long applied."""
    deleted = (
        session.query(SearchOutbox)
        .filter(SearchOutbox.created_at < utcnow() - older_than)
        .delete(synchronize_session=False)
    )
    session.commit()
    return deleted


def init_app(app: Flask) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _collect):
        event.listen(session_class, "after_flush", _collect)
        event.listen(session_class, "before_commit", _record)
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)
