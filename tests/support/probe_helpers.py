"""A probe rig over a real database: config synced (with a webhook channel for operator
alerts), recorder, the probe desk, and the real ASGI app (httpx over ASGITransport) with the
probe routes mounted; time is a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hiccup.core.clock import ManualClock
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.probe_desk import ProbeDesk
from hiccup.engine.recorder import Recorder
from hiccup.notify.service import Notifications
from hiccup.probe.wire import RESULTS_PATH, ProbeResult
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.probes import add_probe
from hiccup.store.results import stored_results
from hiccup.store.sync import sync_config
from hiccup.store.tables import events, monitor_states
from hiccup.web.api.probe_intake import probe_routes
from hiccup.web.app import create_app
from tests.support.store_helpers import config, established

START = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=30)
OFFSETS = {"eu-1": 2, "us-1": 11, "ap-1": 20}  # seconds into each interval
REGIONS = {"eu-1": "eu", "us-1": "us", "ap-1": "ap"}

CONFIG = """\
page:
  name: Flexo Hosting
monitors:
  - name: flexo
    kind: http
    target: http://flexo.test/
    interval: 30s
    probes: [eu, us, ap]
  - name: leela
    kind: tcp
    target: leela.test:22
    interval: 30s
    probes: [eu]
  - name: mail
    kind: tcp
    target: mail.test:25
notifications:
  channels: [{key: ops, kind: webhook, url: "http://127.0.0.1:9/ops"}]
"""


@dataclass
class ProbeRig:
    engine: AsyncEngine
    clock: ManualClock
    specs: dict[str, MonitorSpec]
    recorder: Recorder
    desk: ProbeDesk
    client: httpx.AsyncClient
    tokens: dict[str, str]

    async def upload(self, probe: str, items: list[ProbeResult], **extra: Any) -> httpx.Response:
        body = {"results": [i.model_dump(mode="json") for i in items], **extra}
        return await self.client.post(
            RESULTS_PATH,
            params={"region": REGIONS[probe]},
            headers={"authorization": f"Bearer {self.tokens[probe]}"},
            json=body,
        )

    def result(self, monitor: str, at: datetime, ok: bool, latency: float = 20.0) -> ProbeResult:
        return ProbeResult(
            monitor_id=self.specs[monitor].id,
            at=at,
            ok=ok,
            latency_ms=latency if ok else None,
            error=None if ok else "connection refused",
        )

    async def rounds(self, monitor: str, count: int, ok_for: dict[str, bool]) -> None:
        """`count` intervals of every probe reporting at its own offset."""
        for _ in range(count):
            base = self.clock.now()
            for probe, offset in OFFSETS.items():
                if probe in ok_for:
                    at = base + timedelta(seconds=offset)
                    reply = await self.upload(probe, [self.result(monitor, at, ok_for[probe])])
                    assert reply.status_code == 200, reply.text
            self.clock.advance(INTERVAL)
        await self.recorder.flush()

    async def scalar(self, query: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def scalar_rows(self, query: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def state(self, monitor: str) -> str | None:
        query = select(monitor_states.c.state).where(
            monitor_states.c.monitor_id == self.specs[monitor].id
        )
        state: str | None = await self.scalar(query)
        return state

    async def stored(self, monitor: str) -> int:
        async with self.engine.connect() as conn:
            return len(await stored_results(conn, self.specs[monitor].id))

    async def transitions(self) -> int:
        count: int = await self.scalar(select(func.count()).select_from(events))
        return count


@asynccontextmanager
async def probe_rig(engine: AsyncEngine, text: str = CONFIG) -> AsyncIterator[ProbeRig]:
    clock = ManualClock(START)
    parsed = config(text)
    async with engine.begin() as conn:
        await sync_config(conn, parsed, clock.now())
        await Notifications(engine, clock, parsed).sync(conn, clock.now())
        specs = await load_specs(conn)
        tracks = await load_tracks(conn)
        tokens = {name: await add_probe(conn, name, clock.now()) for name in OFFSETS}
    recorder = Recorder(engine, clock, established(specs, tracks), lambda: None)
    desk = ProbeDesk(engine, clock, lambda _monitor: True, lambda: recorder)
    app = create_app(SnapshotHolder(), extra_routes=probe_routes(desk))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hiccup.test") as client:
        yield ProbeRig(engine, clock, {s.name: s for s in specs}, recorder, desk, client, tokens)
