"""Writing the index: full rebuilds, and updates of single services after commits."""

from __future__ import annotations

import shutil

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh.reading import SegmentReader

from portal.models.search import SearchOutbox
from portal.search import documents
from portal.search.store import IndexStore, OutboxPosition

REBUILD_BATCH = 1000
# Updates leave small segments at the end of the index; more than UPDATE_SEGMENTS of them
# are merged. Each segment costs every search a little, and a merge costs the update that
# does it in proportion to the documents merged: a merged segment counts as small up to
# SMALL_SEGMENT_DOCS, which bounds that cost, while the number of segments grows slowly
# until the next rebuild (bench/search_updates.py measures both).
UPDATE_SEGMENTS = 8
SMALL_SEGMENT_DOCS = 200


class IncompleteBuild(RuntimeError):
    """A rebuild ended with fewer documents than services it read; nothing was swapped."""


def store() -> IndexStore:
    return IndexStore(current_app.config["PORTAL_SEARCH_INDEX_DIR"])


def rebuild(session: Session) -> int:
    """Index every public service into a new folder and swap it in; returns the count.
    A new index that holds fewer documents than that is removed (IncompleteBuild).

    The new index starts at the outbox position read before it reads any service, so a
    change committed during the rebuild is applied again afterwards. Reads go through a
    session of its own, emptied batch by batch, so the caller's objects stay attached.
    """
    with Session(bind=session.get_bind()) as reading:
        position = reading.scalar(select(func.max(SearchOutbox.id))) or 0
        target, ix = store().new_build()
        terms = documents.Terms.load(reading)
        spelling = documents.SpellingWords()
        count = 0
        with ix.writer(procs=2, multisegment=True, limitmb=128) as writer:
            last_id = ""
            while batch := documents.public_services(reading, after=last_id, limit=REBUILD_BATCH):
                for service in batch:
                    writer.add_document(**spelling.first_seen(documents.document(service, terms)))
                count += len(batch)
                last_id = batch[-1].id
                reading.expunge_all()
        built = ix.doc_count()
        ix.close()
    if built != count:
        # Whoosh's parallel writer drops a worker's segment that comes back late, silently.
        shutil.rmtree(target, ignore_errors=True)
        raise IncompleteBuild(
            f"the new search index holds {built} of {count} services; "
            "the current index stays in use"
        )
    store().write_position(OutboxPosition(position), folder=target)
    store().swap_to(target)
    return count


def update(session: Session, service_ids: list[str], lock_wait: float) -> None:
    """Re-index these services (removing the ones no longer public), waiting up to lock_wait
    seconds for the index lock (whoosh's LockError after that).

    Reads the committed rows through a session of its own (the caller's may hold stale
    copies). Each update adds a small segment; see merge_small_tail.
    """
    with Session(bind=session.get_bind()) as reading:
        terms = documents.Terms.load(reading)
        public = {
            s.id: documents.document(s, terms)
            for s in documents.public_services(reading, ids=list(service_ids))
        }
    ix = store().open()
    try:
        writer = ix.writer(timeout=lock_wait)
        try:
            for service_id in service_ids:
                if service_id in public:
                    writer.update_document(**public[service_id])
                else:
                    writer.delete_by_term("id", service_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_small_tail)
    finally:
        ix.close()


def merge_small_tail(writer, segments: list) -> list:
    """Whoosh merge policy for updates: once updates have left more than UPDATE_SEGMENTS
    small segments at the end of the index, merge them into the segment being written.
    The large segments before them stay as they are and in order, so their documents keep
    their numbers and views carry over what they derived from them (index_view.IndexChange).
    A nightly `flask search rebuild` makes one compact index again."""
    tail = 0
    for segment in reversed(segments):
        if segment.doc_count_all() >= SMALL_SEGMENT_DOCS:
            break
        tail += 1
    if tail <= UPDATE_SEGMENTS:
        return segments
    for segment in segments[-tail:]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return segments[:-tail]
