"""The database planner's statistics after a bulk load.

PostgreSQL plans from statistics that only ANALYZE (or autovacuum, when it is on and gets
round to it) refreshes. Straight after a large import or a generated catalog the planner still
believes the tables are nearly empty, so it scans and sorts whole tables where an index would
do; the search index rebuild and the first page views pay for that. SQLite keeps no statistics
unless asked, and its plans here do not depend on them, so it is left alone.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.catalog.version import catalog_tables


def refresh_after_bulk_load(session: Session) -> None:
    """Refresh the planner's statistics of the catalog's tables on PostgreSQL and commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Named tables, found through the search path: only the catalog loaded, not the database.
    session.execute(text("ANALYZE " + ", ".join(sorted(catalog_tables()))))
    session.commit()
