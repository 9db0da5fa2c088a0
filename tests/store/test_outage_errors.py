"""Which database errors mean "not there now" (answered 503, logged without a traceback): a
refused connection, a full SQLite database; not a constraint violated, which is a conflict."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.outage import unavailable
from tests.support.targets import reserve_port


async def _error_of(engine: AsyncEngine, *statements: str) -> Exception:
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    except Exception as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("no error")


async def test_a_full_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'full.db'}")
    fill = "INSERT INTO t VALUES (printf('%.4000c', 'x'))"
    # max_page_count stands in for a disk that filled up: SQLite answers the same way.
    error = await _error_of(
        engine, "CREATE TABLE t (x TEXT)", "PRAGMA max_page_count = 10", *[fill] * 50
    )
    assert "database or disk is full" in str(error)
    assert unavailable(error)


async def test_a_refused_postgresql_connection_is_unavailable() -> None:
    engine = create_engine(f"postgresql://hiccup@127.0.0.1:{reserve_port()}/nowhere")
    error = await _error_of(engine, "SELECT 1")
    assert isinstance(error, ConnectionRefusedError)
    assert unavailable(error)


async def test_a_violated_constraint_is_not_an_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    error = await _error_of(
        engine, "CREATE TABLE t (x TEXT PRIMARY KEY)", "INSERT INTO t VALUES ('a'), ('a')"
    )
    assert "UNIQUE" in str(error)
    assert not unavailable(error)
