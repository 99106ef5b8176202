"""Full-text search of the public catalog. The only package that imports Whoosh.

search_services(params)    run a SearchParams; returns a SearchPage (engine.py: the stages)
rebuild_index()            index every public service into a new folder, swap it in
services_touched(…)        which services a catalog change touches (touched.py)
index_version()            which version of the index searches now read (None: no index)
init_app(app)              listings changed through the ORM reach the index after commit
"""

from portal.search import geo  # noqa: F401
from portal.search.engine import search_services  # noqa: F401
from portal.search.results import MAX_QUERY_LENGTH, Hit, SearchPage, SearchParams  # noqa: F401
from portal.search.touched import services_touched, services_touched_by_ids  # noqa: F401


def rebuild_index() -> int:
    """Rebuild from the database, then apply what changed meanwhile."""
    from portal.extensions import db
    from portal.search.indexer import rebuild
    from portal.search.outbox import apply_pending

    count = rebuild(db.session())
    apply_pending(db.session())
    return count


def index_version() -> tuple[str, int] | None:
    """The folder and generation of the index this thread's searches read (reopened first if
    the index changed): a page built from search results is out of date once it changes."""
    from portal.search.engine import open_views
    from portal.search.indexer import store
    from portal.search.store import IndexMissing

    try:
        return open_views.version(store())
    except IndexMissing:
        return None


def init_app(app) -> None:
    from portal.search import outbox

    outbox.init_app(app)
