"""Two servers apply transitions of two monitors of one component at the same moment: one
automatic incident with one update, and subscribers told once. Each server has its own
connection pool on one PostgreSQL database; without the status lock the second would work
from the component's status read before the first committed, and post the change again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import Table, func, select

from hiccup.core.detection import Track
from hiccup.core.status import MonitorState
from hiccup.status.service import apply_transition
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.recording import TrackChange, record_batch
from hiccup.store.tables import incident_updates, incidents, monitors
from hiccup.store.tables_notify import notify_messages
from tests.support.cluster_helpers import fresh_engine, sync
from tests.support.store_helpers import START

pytestmark = pytest.mark.postgres

CONFIG = """\
page: {name: Flexo Hosting, publish_after: 0s}
components: [{name: flexo}]
monitors:
  - {name: flexo http, kind: http, target: "http://127.0.0.1:9/", component: flexo}
  - {name: flexo ssh, kind: tcp, target: "127.0.0.1:9", component: flexo}
"""


@pytest.fixture
async def two_pools(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    async with fresh_engine(postgres_url) as first:
        await sync(first, CONFIG, START)
        second = create_engine(first.url.render_as_string(hide_password=False))
        try:
            yield first, second
        finally:
            await second.dispose()


async def both_down(engine: AsyncEngine) -> list[str]:
    async with engine.begin() as conn:
        ids = sorted((await conn.execute(select(monitors.c.id))).scalars())
        down = Track(state=MonitorState.DOWN, failed_since=START)
        await record_batch(conn, [], [TrackChange(i, down, START, None) for i in ids], START)
    return ids


async def apply(engine: AsyncEngine, monitor_id: str, seconds: float) -> None:
    payload = {
        "monitor_id": monitor_id,
        "previous": MonitorState.UP.value,
        "current": MonitorState.DOWN.value,
        "started_at": START.isoformat(),
        "confirmed_at": (START + timedelta(seconds=seconds)).isoformat(),
    }
    async with engine.begin() as conn:
        await apply_transition(conn, payload, START + timedelta(seconds=seconds))


async def test_two_servers_open_one_incident_for_one_component(
    two_pools: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = two_pools
    http, ssh = await both_down(first)
    await asyncio.gather(apply(first, http, 3.0), apply(second, ssh, 3.1))
    assert await count(first, incidents) == 1
    assert await count(first, incident_updates) == 1, "the opening update only"
    async with first.connect() as conn:
        kinds = sorted((await conn.execute(select(notify_messages.c.kind))).scalars())
    assert kinds == ["component_updated", "incident_opened"], "subscribers told once"


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as conn:
        found: int = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return found
