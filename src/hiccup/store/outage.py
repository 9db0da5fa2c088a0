"""What "the database is not there" looks like, for callers that answer differently then.

Refused or reset connections, timeouts, a pool that cannot hand out a connection, a driver that
lost its connection (PostgreSQL stopped, restarting or out of reach), and SQLite that cannot
open its file or write to a full disk. Not: a constraint violated or a bad query, which are bugs
or conflicts and must not be dressed up as an outage.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# The classes worth looking at; `unavailable` decides about each instance.
# PostgreSQL's SQLSTATE classes for "not now": 08 connection exception, 53 insufficient
# resources (disk full, too many connections), 57 operator intervention (shutting down,
# starting up).
_OUTAGE_CLASSES = ("08", "53", "57")
CANDIDATES: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, ConnectionError, TimeoutError)


def unavailable(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error.orig, ConnectionError | OSError)
            # asyncpg's word for a connection that died in the middle of a query
            or type(error.orig).__name__ == "InternalClientError"
            or _sqlstate(error)[:2] in _OUTAGE_CLASSES
        )
    return isinstance(error, ConnectionError | TimeoutError)


def _sqlstate(error: DBAPIError) -> str:
    # SQLAlchemy's adapted asyncpg error carries it, as does the asyncpg error it wraps.
    for cause in (error.orig, getattr(error.orig, "__cause__", None)):
        code = getattr(cause, "sqlstate", None)
        if isinstance(code, str):
            return code
    return ""
