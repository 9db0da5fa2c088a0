"""hiccup.store.asyncio_engine, SQLAlchemy Core on asyncio without the ORM, on SQLite and
PostgreSQL: transactions commit or roll back with their blocks, savepoints undo only their
own part, and a connection whose task is cancelled while it closes still goes back to the pool.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, select, text
from sqlalchemy.exc import InvalidRequestError

from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.tables import pages

AT = datetime(2026, 12, 5, 16, 10, tzinfo=UTC)


async def _add_page(conn: AsyncConnection, slug: str) -> None:
    row = {"id": slug[:12], "slug": slug, "name": slug.title(), "created_at": AT, "updated_at": AT}
    await conn.execute(pages.insert().values(row))


async def _slugs(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(pages.c.slug).order_by(pages.c.slug))
        return [slug for (slug,) in rows]


class Boom(Exception):
    pass


async def _add_in_failing_block(engine: AsyncEngine, slug: str) -> None:
    async with engine.begin() as conn:
        await _add_page(conn, slug)
        raise Boom


async def _add_in_failing_savepoint(conn: AsyncConnection, slug: str) -> None:
    async with conn.begin_nested():
        await _add_page(conn, slug)
        raise Boom


async def test_a_block_that_ends_commits_and_one_that_raises_rolls_back(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await _add_page(conn, "kept")
    with pytest.raises(Boom):
        await _add_in_failing_block(engine, "lost")
    assert await _slugs(engine) == ["kept"]


async def test_a_savepoint_that_raises_undoes_only_its_own_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await _add_page(conn, "outer")
        with pytest.raises(Boom):
            await _add_in_failing_savepoint(conn, "inner")
        assert conn.in_transaction()
    assert await _slugs(engine) == ["outer"]


async def test_awaited_connections_and_transactions_end_when_told(engine: AsyncEngine) -> None:
    conn = await engine.connect()
    transaction = await conn.begin()
    await _add_page(conn, "rolled-back")
    await transaction.rollback()
    transaction = await conn.begin()
    await _add_page(conn, "committed")
    await transaction.commit()
    await conn.close()
    assert await _slugs(engine) == ["committed"]


async def test_scalar_and_driver_sql_and_run_sync(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(select(text("41 + 1"))) == 42
        assert (await conn.exec_driver_sql("SELECT 7")).scalar_one() == 7
        dialect = await conn.run_sync(lambda sync: sync.dialect.name)
        assert dialect == engine.dialect.name == conn.dialect.name


async def test_a_connection_cancelled_while_closing_still_returns_to_the_pool(
    engine: AsyncEngine,
) -> None:
    pool = engine.sync_engine.pool
    entered = asyncio.Event()

    async def hold() -> None:
        async with engine.connect() as conn:
            await conn.execute(select(text("1")))
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold())
    await entered.wait()
    checked_out = pool.checkedout()  # type: ignore[attr-defined]
    resetting = asyncio.Event()  # the pool's reset on return: a round trip to the database
    event.listen(pool, "reset", lambda *_: resetting.set())
    task.cancel()  # ends the sleep: the block exits and starts closing the connection
    await resetting.wait()
    task.cancel()  # while it closes
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.checkedout() == checked_out - 1  # type: ignore[attr-defined]
    async with engine.connect() as conn:  # and the pool still serves
        assert await conn.scalar(select(text("1"))) == 1


async def test_a_connection_used_before_it_started_says_so(engine: AsyncEngine) -> None:
    conn = engine.connect()
    with pytest.raises(InvalidRequestError, match="not started"):
        await conn.execute(select(text("1")))
    async with conn:
        with pytest.raises(InvalidRequestError, match="already started"):
            await conn.start()


def test_a_driver_without_asyncio_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="no asyncio driver"):
        AsyncEngine(create_sync_engine("sqlite://"))
