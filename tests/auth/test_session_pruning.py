"""Expired login sessions are deleted by the running server, not just refused when read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from hiccup.auth.roles import Role
from hiccup.core.clock import ManualClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store import accounts
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_accounts import sessions
from tests.support.admin_helpers import add_user, example_config
from tests.support.page_helpers import until

START = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(sessions))).scalar_one())


async def test_the_server_prunes_expired_sessions(engine: AsyncEngine) -> None:
    user_id = await add_user(engine, "amy", Role.EDITOR)
    async with engine.begin() as conn:
        old = START - timedelta(days=15)  # past the 14 days a session lasts
        await accounts.create_session(conn, user_id, "full", old, "10.0.0.1")
        await accounts.create_session(conn, user_id, "mfa", START - timedelta(hours=1), "")
        kept = await accounts.create_session(conn, user_id, "full", START, "10.0.0.1")
    assert await _count(engine) == 3
    clock = ManualClock(START)
    hiccup = Hiccup(engine, example_config(), clock=clock, settings=Settings(snapshot_dir=None))
    await hiccup.start()
    try:

        async def pruned() -> bool:
            return await _count(engine) == 1

        await until(pruned, 20)
        async with engine.connect() as conn:
            assert await accounts.session_for(conn, kept, START) is not None
        clock.advance(timedelta(days=15))
        assert await hiccup.housekeeping.run_pass() == 1
        assert await _count(engine) == 0
    finally:
        await hiccup.stop()
