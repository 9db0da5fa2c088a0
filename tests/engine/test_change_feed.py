"""A change on one server reaches the other through PostgreSQL LISTEN/NOTIFY: its page is
rebuilt, new monitors are loaded, and a dropped listener comes back. Two whole runtimes on one
database stand for two servers; the page's periodic rebuild (60 s) is far beyond each wait."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy import text, update

from hiccup.core.status import ComponentStatus
from hiccup.engine.changefeed import APPLICATION_NAME, PAGE, listen_dsn
from hiccup.server.runtime import Hiccup
from hiccup.store.tables import components
from tests.support.cluster_helpers import monitors_config, sync, two_servers
from tests.support.store_helpers import START

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pair(postgres_url: str) -> AsyncIterator[tuple[Hiccup, Hiccup]]:
    async with two_servers(postgres_url, monitors_config(2)) as servers:
        for server in servers:
            assert server.replica is not None
            async with asyncio.timeout(10):
                await server.replica.feed.listening.wait()
        yield servers


def component_status(server: Hiccup) -> str:
    snapshot = server.holder.current
    assert snapshot is not None
    asset = snapshot.find(None, "/api/v2/summary.json")
    assert asset is not None
    [web] = json.loads(asset.body)["components"]
    return str(web["status"])


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 - watching another server react
            await asyncio.sleep(0.05)


async def set_status(server: Hiccup, status: ComponentStatus) -> None:
    """A change made on `server` (as the admin or the status service would), then told."""
    async with server.engine.begin() as conn:
        await conn.execute(update(components).values(status=status.value))
    server.changed()


async def test_a_change_on_one_server_rebuilds_the_page_on_the_other(
    pair: tuple[Hiccup, Hiccup],
) -> None:
    a, b = pair
    assert component_status(b) == "operational"
    heard: list[str] = []
    spy = await asyncpg.connect(listen_dsn(a.engine))
    await spy.add_listener(PAGE, lambda *args: heard.append(args[3]))
    try:
        await set_status(a, ComponentStatus.MAJOR_OUTAGE)

        async def b_shows_it() -> bool:
            return component_status(b) == "major_outage"

        await eventually(b_shows_it)
        await asyncio.sleep(1.0)  # room for any echo to show up
    finally:
        await spy.close()
    assert a.replica is not None
    assert heard == [a.replica.holder], "one notice, from a; b's rebuild sends none back"


async def test_the_listener_reconnects_after_its_connection_is_cut(
    pair: tuple[Hiccup, Hiccup],
) -> None:
    a, b = pair
    assert b.replica is not None
    async with b.engine.connect() as conn:
        cut = await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
        assert len(cut.all()) == 2, "both servers' listeners were cut"

    async def listening_again() -> bool:
        return b.replica is not None and b.replica.feed.listening.is_set()

    await asyncio.sleep(0.1)
    await eventually(listening_again)
    await set_status(a, ComponentStatus.PARTIAL_OUTAGE)

    async def b_shows_it() -> bool:
        return component_status(b) == "partial_outage"

    await eventually(b_shows_it)


async def test_a_monitor_edited_on_one_server_is_reloaded_by_the_other(
    pair: tuple[Hiccup, Hiccup],
) -> None:
    a, b = pair
    moved = "http://127.0.0.1:10/"
    await sync(a.engine, monitors_config(2, target=moved), START)
    await a.admin.ops.reload_monitors()  # what the admin calls after a change

    async def b_runs_the_new_target() -> bool:
        assert b.held is not None
        return all(spec.target.startswith(moved) for spec in b.held.specs)

    await eventually(b_runs_the_new_target)


async def test_transitions_stored_on_one_server_reach_the_consoles_of_the_other(
    pair: tuple[Hiccup, Hiccup],
) -> None:
    a, b = pair
    before_a, before_b = a.monitor_changes.version, b.monitor_changes.version
    a.transitions_stored()  # what a's recorder calls once its transitions are committed
    assert a.monitor_changes.version == before_a + 1  # a's own consoles at once

    async def b_heard() -> bool:
        return b.monitor_changes.version > before_b

    await eventually(b_heard)
