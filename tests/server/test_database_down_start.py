"""Started with its database unreachable, Hiccup serves the last page it wrote to disk, says it
is the last known status, and resumes live status once the database answers again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hiccup.config.load import parse_config
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import ManualClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.snapshot.builder import SnapshotBuilder, SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from tests.support.page_helpers import serving, until
from tests.support.targets import HttpTarget, reserve_port

CONFIG = """\
page: {{name: Flexo Hosting}}
components:
  - {{name: flexo, key: flexo}}
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s}}
"""
STALE = "Showing the last known status from"


class Forwarder:
    """A TCP relay to the database that tests switch on and off: the network to it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = reserve_port()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def first_run(engine: AsyncEngine, config: HiccupConfig, snapshots: Path) -> None:
    """A normal run that leaves its snapshot on disk."""
    hiccup = Hiccup(engine, config, settings=Settings(snapshot_dir=snapshots, flush_seconds=0.1))
    async with serving(hiccup.app()) as base, httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/")
        assert "flexo" in page.text
        assert STALE not in page.text
    assert (snapshots / "manifest.json").exists()


@dataclass
class Unreachable:
    engine: AsyncEngine  # points at the database, which it cannot reach yet
    restore: Callable[[], Awaitable[None]]
    cleanup: Callable[[], Awaitable[None]]


async def test_the_last_page_is_served_while_the_database_is_away(
    engine: AsyncEngine, http_target: HttpTarget, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = parse_config(CONFIG.format(url=http_target.url), Path("down.yaml"))
    snapshots = tmp_path_factory.mktemp("disk") / "snapshot"
    await first_run(engine, config, snapshots)
    outage = await unreachable(engine, tmp_path_factory.mktemp("parked"))
    try:
        settings = Settings(snapshot_dir=snapshots, flush_seconds=0.1)
        hiccup = Hiccup(outage.engine, config, settings=settings)
        async with serving(hiccup.app()) as base, httpx.AsyncClient(base_url=base) as client:
            page = await client.get("/")
            assert page.status_code == 200
            assert STALE in page.text
            assert "flexo" in page.text
            summary = await client.get("/api/v2/summary.json")
            assert summary.json()["page"]["name"] == "Flexo Hosting"
            await outage.restore()

            async def fresh() -> bool:
                return STALE not in (await client.get("/")).text

            await until(fresh, seconds=60)
    finally:
        await outage.engine.dispose()
        await outage.cleanup()


async def unreachable(engine: AsyncEngine, parking: Path) -> Unreachable:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        # The database's directory moved away: SQLite cannot open the file until it is back.
        home = Path(str(url.database)).parent
        parked = parking / "db"
        away = create_engine(url.render_as_string(hide_password=False))
        await engine.dispose()
        home.rename(parked)

        async def move_back() -> None:
            parked.rename(home)

        async def nothing() -> None:
            pass

        return Unreachable(away, move_back, nothing)
    relay = Forwarder(url.host or "127.0.0.1", url.port or 5432)
    away = create_engine(url.set(port=relay.port).render_as_string(hide_password=False))
    return Unreachable(away, relay.start, relay.stop)


async def test_a_running_page_says_it_is_stale_once_rebuilds_keep_failing(
    engine: AsyncEngine, http_target: HttpTarget
) -> None:
    config = parse_config(CONFIG.format(url=http_target.url), Path("down.yaml"))
    await Hiccup(engine, config).prepare()
    clock = ManualClock(datetime(2026, 11, 22, 16, 10, tzinfo=UTC))
    holder = SnapshotHolder()
    builder = SnapshotBuilder(engine, clock, holder, "default", stale_after=timedelta(seconds=30))
    await builder.rebuild()
    fresh = holder.current
    builder.mark_failure(clock.now() + timedelta(seconds=29))  # a blip: say nothing yet
    assert holder.current is fresh
    builder.mark_failure(clock.now() + timedelta(seconds=31))
    assert holder.current is not None
    assert holder.current.stale_since == clock.now()
    page = holder.current.assets["/"].body.decode()
    assert "Showing the last known status from" in page
    assert "22 Nov 2026, 16:10 UTC" in page
    await builder.rebuild()  # the database answers again: the notice goes
    assert STALE not in holder.current.assets["/"].body.decode()
