"""Statements whose rows go to the database driver as plain tuples.

For the few statements that run for every result (the recorder's flush, the fold's upserts):
SQLAlchemy's per-row parameter processing cost as much as the statement itself there. The
SQL is written once per dialect and table, with the driver's own placeholders (SQLite's `?`,
asyncpg's `$n`); a column whose type changes values on the way in (a moment kept as text on
SQLite) is given its dialect's own bind processor, the one SQLAlchemy would apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Dialect

from hiccup.store.asyncio_engine import AsyncConnection

Row = tuple[Any, ...]


def placeholders(dialect: str, count: int) -> str:
    """`?, ?, …` for SQLite, `$1, $2, …` for asyncpg."""
    return ", ".join("?" if dialect == "sqlite" else f"${n + 1}" for n in range(count))


@cache
def insert_sql(dialect: str, table: str, columns: tuple[str, ...], on_conflict: str) -> str:
    """INSERT of `columns` into `table`, with an ON CONFLICT clause ("" for none)."""
    values = placeholders(dialect, len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) {on_conflict}".rstrip()


def replacing(key: Sequence[str], columns: Sequence[str]) -> str:
    """The ON CONFLICT clause that overwrites the other columns of a row with the same key."""
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


def bind_processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any]:
    """What SQLAlchemy does to a value of `column` before the driver sees it."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value


async def execute_rows(conn: AsyncConnection, sql: str, rows: Iterable[Row]) -> None:
    """One executemany of driver-ready rows; nothing when there are none."""
    rows = list(rows)
    if rows:
        await conn.exec_driver_sql(sql, rows)


def column_names(table: Table, *names: str) -> tuple[str, ...]:
    """`names`, each checked to be a column of `table`: a typo fails at import, not at 3 am."""
    missing = [name for name in names if name not in table.c]
    if missing:
        raise KeyError(f"{table.name} has no column {', '.join(missing)}")
    return names
