"""The catalog's version: a number every process reads, raised in the same transaction as every
change to a catalog table, so a page rendered under one version is known to be out of date as
soon as the change commits (the public page cache, portal/page_cache.py, keys pages by it).

The one place that sees every change is the session: objects flushed through the ORM (forms,
reviews, capacity updates) and statements sent through it (the HSDS import's and the seed's
bulk inserts and updates) mark the transaction, and its commit raises the version last, after
everything else is written. Taking the row's lock last keeps catalog writers from waiting on
each other any longer than their commits.
"""

from __future__ import annotations

from functools import cache

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from portal.extensions import Model, db
from portal.models.catalog_version import CatalogVersion

_CHANGED = "catalog_changed"
_READ = "SELECT version FROM catalog_version WHERE id = 1"


@cache
def catalog_tables() -> frozenset[str]:
    """Every table of portal/models/catalog.py: what the public pages show."""
    return frozenset(
        mapper.class_.__tablename__
        for mapper in Model.registry.mappers
        if mapper.class_.__module__ == "portal.models.catalog"
    )


def _is_catalog(instance: object) -> bool:
    table = getattr(type(instance), "__table__", None)
    return table is not None and table.name in catalog_tables()


def _note_flush(session: Session, _flush_context) -> None:
    changed = (
        *session.new,
        *session.deleted,
        *(o for o in session.dirty if session.is_modified(o)),
    )
    if any(_is_catalog(instance) for instance in changed):
        session.info[_CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in catalog_tables():
            state.session.info[_CHANGED] = True


def _raise_on_commit(session: Session) -> None:
    session.flush()  # what is still pending marks the transaction too
    if session.info.pop(_CHANGED, False):
        # An upsert: a table emptied by hand (TRUNCATE, a partial restore) must not leave the
        # version stuck, which would serve every kept page forever.
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(CatalogVersion)
            .values(id=1, version=1)
            .on_conflict_do_update(
                index_elements=[CatalogVersion.id], set_={"version": CatalogVersion.version + 1}
            )
        )


def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def current(session: Session | None = None) -> int:
    """The catalog's version as committed (0 before any change)."""
    session = session or db.session()
    # Read on every cached page: plain SQL on the session's connection, no ORM statement.
    return session.connection().exec_driver_sql(_READ).scalar() or 0


def init_app(_app: Flask) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "before_commit", _raise_on_commit):
        event.listen(session_class, "after_flush", _note_flush)
        event.listen(session_class, "do_orm_execute", _note_statement)
        event.listen(session_class, "before_commit", _raise_on_commit)
        event.listen(session_class, "after_rollback", _forget)
