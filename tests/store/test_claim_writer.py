"""store.database.claim_writer: a transaction that reads in a SAVEPOINT before it writes, while
another connection commits in between, still writes (the maintenance worker's pass does this;
on SQLite it failed at start-up with "database is locked" when the recorder committed first).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import claim_writer
from hiccup.store.tables_accounts import audit_log

AT = datetime(2026, 12, 5, 16, 10, tzinfo=UTC)


def _entry(action: str) -> dict[str, object]:
    return {"at": AT, "actor": "test", "action": action}


async def _commit_beside(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(audit_log).values(_entry("beside")))


async def _read_then_write(engine: AsyncEngine, *, claim: bool) -> None:
    beside: asyncio.Task[None] | None = None
    try:
        async with engine.begin() as conn:
            if claim:
                await claim_writer(conn)
            async with conn.begin_nested():
                await conn.scalar(select(func.count()).select_from(audit_log))
                beside = asyncio.create_task(_commit_beside(engine))
                await asyncio.sleep(0.3)  # unclaimed, the other connection commits meanwhile
                await conn.execute(insert(audit_log).values(_entry("ours")))
    finally:
        if beside is not None:
            await beside


async def _actions(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return sorted((await conn.execute(select(audit_log.c.action))).scalars())


async def test_a_claimed_transaction_writes_after_reading_while_another_commits(
    engine: AsyncEngine,
) -> None:
    await _read_then_write(engine, claim=True)
    assert await _actions(engine) == ["beside", "ours"]


async def test_unclaimed_sqlite_fails_at_the_first_write(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's writers do not fail for having read first")
    with pytest.raises(OperationalError, match="database is locked"):
        await _read_then_write(engine, claim=False)
    assert await _actions(engine) == ["beside"]
