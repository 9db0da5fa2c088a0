"""A SQLite connection's close ends even when SQLAlchemy has already stopped its worker (what it
does when the graceful close of a cancelled query is itself cancelled): with aiosqlite's own
close, that task never ended and hung the process, or a test's loop, at exit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from hiccup.store.database import create_engine
from hiccup.store.sqlite_driver import connector


async def test_a_close_raced_by_a_force_stop_ends(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "race.db"))()
    closing = asyncio.ensure_future(connection.close())
    await asyncio.sleep(0)  # the graceful close is queued to the worker
    connection.stop()  # SQLAlchemy's force close, as after a cancelled graceful close
    async with asyncio.timeout(5):
        await closing
    connection._thread.join(5)
    assert not connection._thread.is_alive()


async def test_a_plain_close_still_waits_for_the_worker_to_end(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "plain.db"))()
    async with asyncio.timeout(5):
        await connection.close()
    connection._thread.join(5)
    assert not connection._thread.is_alive()


async def test_the_engine_uses_it_with_its_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            raw = await conn.get_raw_connection()
            assert type(raw.driver_connection).__name__ == "ClosingConnection"
        assert str(mode).lower() == "wal"
    finally:
        await engine.dispose()


async def test_a_stop_sends_nothing_back_to_the_loop(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "stop.db"))()
    assert connection.stop() is None  # SQLAlchemy's force close, or a forgotten connection's
    connection._thread.join(5)
    assert not connection._thread.is_alive()
