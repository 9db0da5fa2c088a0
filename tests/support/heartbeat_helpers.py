"""A heartbeat rig over a real database: config synced, recorder, watcher, ping desk, and the
real ASGI app (httpx over ASGITransport) with the ping routes mounted; time is a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.heartbeats import HeartbeatWatcher, PingDesk, sync_heartbeats
from hiccup.engine.recorder import Recorder
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.results import stored_results
from hiccup.store.sync import sync_config
from hiccup.store.tables import monitor_states
from hiccup.store.tables_heartbeats import heartbeats
from hiccup.web.app import create_app
from hiccup.web.public.ping import ping_router
from tests.support.store_helpers import config

START = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
BACKUP_TOKEN = "backup-token-0123456789"
REPORT_TOKEN = "report-token-0123456789"

CONFIG = f"""\
page:
  name: Jobs
monitors:
  - name: backup
    kind: heartbeat
    period: 5m
    grace: 1m
    token: {BACKUP_TOKEN}
    failure_threshold: 2
    success_threshold: 1
  - name: report
    kind: heartbeat
    cron: "0 3 * * *"
    grace: 30m
    time_zone: Europe/Berlin
    token: {REPORT_TOKEN}
  - name: generated
    kind: heartbeat
    period: 1h
"""


@dataclass
class Rig:
    engine: AsyncEngine
    clock: ManualClock
    specs: dict[str, MonitorSpec]  # by name
    recorder: Recorder
    watcher: HeartbeatWatcher
    client: httpx.AsyncClient

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    def new_watcher(self) -> HeartbeatWatcher:
        """Another watcher over the same database, as after a restart."""
        return HeartbeatWatcher(self.engine, self.clock, self.recorder.submit)

    async def results(self, name: str) -> list[Any]:
        await self.recorder.flush()
        async with self.engine.connect() as conn:
            found = await stored_results(conn, self.specs[name].id)
        return [{**asdict(r), "verdict": r.verdict.value} for r in found]

    async def state(self, name: str) -> str | None:
        await self.recorder.flush()
        query = select(monitor_states.c.state).where(
            monitor_states.c.monitor_id == self.specs[name].id
        )
        async with self.engine.connect() as conn:
            state: str | None = (await conn.execute(query)).scalar()
        return state

    async def heartbeat_row(self, name: str) -> Any:
        query = select(heartbeats).where(heartbeats.c.monitor_id == self.specs[name].id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).mappings().one()


@asynccontextmanager
async def heartbeat_rig(engine: AsyncEngine, text: str = CONFIG) -> AsyncIterator[Rig]:
    clock = ManualClock(START)
    async with engine.begin() as conn:
        await sync_config(conn, config(text), clock.now())
        specs = await load_specs(conn)
        await sync_heartbeats(conn, specs, clock.now())
        tracks = await load_tracks(conn)
    recorder = Recorder(engine, clock, tracks, lambda: None)
    watcher = HeartbeatWatcher(engine, clock, recorder.submit)
    desk = PingDesk(engine, clock, recorder.submit, watcher)
    app = create_app(SnapshotHolder(), ping_router=ping_router(desk))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hiccup.test") as client:
        yield Rig(engine, clock, {s.name: s for s in specs}, recorder, watcher, client)
