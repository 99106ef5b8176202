"""Keeping the index true to the database.

A change to a listing adds search_outbox rows in the same transaction (collected at each
flush through search/touched.py, written before the commit), so a rolled-back change never
reaches the index. After the commit, the request applies the pending rows itself if the index
lock is free within REQUEST_LOCK_WAIT; otherwise (another process is writing, the index is
missing, the process dies) `flask search sync --follow`, which runs beside the web server,
applies them within its interval.

Each index folder remembers the last outbox id it applied, and which rows of the last minute
it applied: on PostgreSQL a transaction that took a lower id can commit after a higher one was
applied, so rows of the last minute below that id are applied when they first appear.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from whoosh.index import LockError

from portal.extensions import db
from portal.models.catalog import utcnow
from portal.models.search import SearchOutbox
from portal.outages import database_unavailable
from portal.search import indexer, touched
from portal.search.store import IndexMissing, OutboxPosition

log = logging.getLogger(__name__)

LATE_COMMIT_WINDOW = dt.timedelta(minutes=1)
# How long a request waits for another process's index lock before it leaves its change to
# `flask search sync --follow` (which waits PORTAL_SEARCH_LOCK_TIMEOUT).
REQUEST_LOCK_WAIT = 0.5
_PENDING_KEY = "search_outbox_pending"
_TOUCHED_KEY = "search_outbox_touched"


def _remember(session: Session, services: set[str]) -> None:
    if services:
        session.info.setdefault(_TOUCHED_KEY, set()).update(services)


def _collect_deleted(session: Session, _flush_context, _instances) -> None:
    # Before the flush, while the rows that lead from a deleted record to its services
    # (placements, services of an organization) are still in the database.
    with session.no_autoflush:
        rows = list(touched.orm_rows(session.deleted))
    _remember(session, touched.services_touched(session, rows))


def _collect(session: Session, _flush_context) -> None:
    # After the flush, new records have their ids and foreign keys.
    changed = [
        *session.new,
        *session.deleted,
        *(o for o in session.dirty if session.is_modified(o)),
    ]
    _remember(session, touched.services_touched(session, touched.orm_rows(changed)))


def _record(session: Session) -> None:
    session.flush()  # collect what is still pending
    services = session.info.pop(_TOUCHED_KEY, None)
    if services:
        session.add_all(SearchOutbox(service_id=service_id) for service_id in sorted(services))
        session.info[_PENDING_KEY] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING_KEY, False) or not has_app_context():
        return
    # A fresh session: the committed one must not be used from inside its own commit.
    with Session(bind=session.get_bind()) as work:
        try:
            apply_pending(work, lock_wait=REQUEST_LOCK_WAIT)
        except LockError:
            log.info("search index busy; `flask search sync --follow` applies the change")
        except IndexMissing as exc:
            log.info("no search index to update (%s); `flask search sync` will build it", exc)
        except Exception:  # the change is committed; sync will index it
            log.warning(
                "search index not updated after commit; `flask search sync` will", exc_info=True
            )


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_TOUCHED_KEY, None)


def apply_pending(session: Session | None = None, lock_wait: float | None = None) -> int:
    """Index the services changed since this index's position; returns how many. Waits up
    to lock_wait seconds for the index lock (default PORTAL_SEARCH_LOCK_TIMEOUT), then
    raises whoosh's LockError."""
    session = session or db.session()
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
    if lock_wait is None:
        lock_wait = current_app.config["PORTAL_SEARCH_LOCK_TIMEOUT"]
    indexer.update(session, service_ids, lock_wait=lock_wait)
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


def sync(session: Session, tell: Callable[[str], None] = log.warning) -> int:
    """Apply what the index has not seen (building the index if it is missing or broken);
    returns how many services were re-indexed. `tell` hears what it does beyond that."""
    try:
        return apply_pending(session)
    except IndexMissing:
        from portal.search import rebuild_index

        tell("No usable search index; rebuilding it.")
        return rebuild_index()


MAX_BACKOFF = 60.0


def follow(
    interval: float,
    tell: Callable[[str], None] = log.info,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Sync, then again every interval seconds, while keep_going(): the loop that runs
    beside the web server and applies what requests left when the index lock was busy.

    A database that goes away (a restart, a failover) is waited for, with a doubling pause up
    to MAX_BACKOFF seconds, instead of ending the loop; the outbox keeps what it missed."""
    pause = interval
    while keep_going():
        try:
            applied = sync(db.session(), tell)
        except DBAPIError as error:
            if not database_unavailable(error):
                raise
            db.session.remove()
            tell(f"The database is not answering; trying again in {pause:g} s.")
            time.sleep(pause)
            pause = min(pause * 2, MAX_BACKOFF)
            continue
        db.session.remove()
        pause = interval
        if applied:
            tell(f"Applied changes to {applied} services.")
        time.sleep(interval)


def init_app(app: Flask) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _collect):
        event.listen(session_class, "before_flush", _collect_deleted)
        event.listen(session_class, "after_flush", _collect)
        event.listen(session_class, "before_commit", _record)
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)
