"""INSERT … ON CONFLICT, built for the connection's dialect.

SQLite's and PostgreSQL's constructs differ only in their class. PostgreSQL's is imported by
the first statement that needs it: importing it loads SQLAlchemy's whole PostgreSQL dialect
(its four drivers' modules, about 2 MB of a server's memory), which a SQLite server never uses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hiccup.store.asyncio_engine import AsyncConnection


def upsert_into(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT into `table` with `on_conflict_do_nothing`/`on_conflict_do_update` and
    `excluded`, for `conn`'s database."""
    return upsert_for(conn.dialect.name, table)


def upsert_for(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    return sqlite_insert(table)
