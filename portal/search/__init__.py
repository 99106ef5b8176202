"""Full-text search of the public catalog. The only package that imports Whoosh.

rebuild_index()            index every public service into a new folder, swap it in
search_services(params)    run a SearchParams; returns a SearchPage
init_app(app)              listings changed through the ORM reach the index after commit
"""

from portal.search import geo  # noqa: F401
from portal.search.query import (  # noqa: F401
    MAX_QUERY_LENGTH,
    Hit,
    SearchPage,
    SearchParams,
    search_services,
)


def rebuild_index() -> int:
    """Rebuild from the database, then apply what changed meanwhile."""
    from portal.extensions import db
    from portal.search.indexer import rebuild
    from portal.search.outbox import apply_pending

    count = rebuild(db.session)
    apply_pending(db.session)
    return count


def init_app(app) -> None:
    from portal.search import outbox

    outbox.init_app(app)
