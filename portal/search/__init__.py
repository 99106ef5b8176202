"""Full-text search of the public catalog. The only package that imports Whoosh.

Layout on disk: PORTAL_SEARCH_INDEX_DIR/builds/<name>/ holds complete indexes and the symlink
PORTAL_SEARCH_INDEX_DIR/current points at the one in use, so a rebuild is swapped in atomically
while searches keep reading the old one.
"""
from portal.search.engine import SearchPage, rebuild_index, search_services  # noqa: F401
