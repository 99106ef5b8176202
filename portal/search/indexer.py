"""Writing the index: full rebuilds, and updates of single services after commits."""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from portal.search import documents
from portal.search.store import WRITE_LOCK_TIMEOUT, IndexStore

REBUILD_BATCH = 1000


def store() -> IndexStore:
    return IndexStore(current_app.config["PORTAL_SEARCH_INDEX_DIR"])


def rebuild(session: Session) -> int:
    """Index every public service into a new folder and swap it in; returns the count."""
    target, ix = store().new_build()
    terms = documents.Terms.load(session)
    count = 0
    with ix.writer(limitmb=256) as writer:
        last_id = ""
        while batch := documents.public_services(session, after=last_id, limit=REBUILD_BATCH):
            for service in batch:
                writer.add_document(**documents.document(service, terms))
            count += len(batch)
            last_id = batch[-1].id
            session.expunge_all()
    ix.close()
    store().swap_to(target)
    return count


def update(session: Session, service_ids: list[str]) -> None:
    """Re-index these services (removing the ones no longer public), waiting for the lock.

    Commits without merging segments: a merge of a large index takes minutes and runs only
    in `flask search optimize`.
    """
    ix = store().open()
    terms = documents.Terms.load(session)
    public = {s.id: s for s in documents.public_services(session, ids=list(service_ids))}
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    try:
        for service_id in service_ids:
            if service_id in public:
                writer.update_document(**documents.document(public[service_id], terms))
            else:
                writer.delete_by_term("id", service_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)
    ix.close()


def optimize() -> None:
    ix = store().open()
    ix.optimize()
    ix.close()
