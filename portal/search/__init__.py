"""Full-text search of the public catalog. The only package that imports Whoosh.

    rebuild_index()            index every public service into a new folder, swap it in
    search_services(params)    run a SearchParams; returns a SearchPage
"""
from portal.search import geo  # noqa: F401
from portal.search.query import Hit, SearchPage, SearchParams, search_services  # noqa: F401


def rebuild_index() -> int:
    from portal.extensions import db
    from portal.search.indexer import rebuild

    return rebuild(db.session)
