"""What counts as "the database is away for a moment" (a restart, a failover, a dropped
connection): the web answers 503 with Retry-After and the search follower waits and retries."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException) -> bool:
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
