"""Full-text search of the public catalog. The only package that imports Whoosh.

search_services(params)    run a SearchParams; returns a SearchPage (engine.py: the stages)
rebuild_index()            index every public service into a new folder, swap it in
services_touched(…)        which services a catalog change touches (touched.py)
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


def init_app(app) -> None:
    from portal.search import outbox

    outbox.init_app(app)
