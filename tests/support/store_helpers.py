"""Builders shared by the storage tests: a config, a clock, and a detector pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hiccup.checks.base import CheckResult
from hiccup.config.load import parse_config
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import ManualClock
from hiccup.core.detection import Track
from hiccup.core.monitors import MonitorSpec
from hiccup.core.reach import REACHED_BEFORE
from hiccup.engine.recorder import Recorder
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.sync import sync_config
from hiccup.store.tables import monitor_states, monitors

START = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)

CONFIG = """\
page:
  name: Flexo Hosting
  time_zone: UTC
  publish_after: 0s  # incidents public at confirmation: most tests here watch them open
components:
  - name: Web servers
    key: web
    components:
      - name: amy
      - name: flexo
      - name: leela
monitors:
  - {name: amy http, kind: http, target: "http://127.0.0.1:1/", component: amy, interval: 1m}
  - {name: flexo http, kind: http, target: "http://127.0.0.1:2/", component: flexo, interval: 1m}
  - {name: leela http, kind: http, target: "http://127.0.0.1:3/", component: leela, interval: 1m}
"""


def config(text: str = CONFIG) -> HiccupConfig:
    return parse_config(text, Path("test.yaml"))


@dataclass
class Pipeline:
    """Recorder and status service over a real database, fed results by hand."""

    engine: AsyncEngine
    clock: ManualClock
    specs: dict[str, MonitorSpec]
    recorder: Recorder
    status: StatusService
    changes: list[datetime] = field(default_factory=list)

    def spec(self, key_prefix: str) -> MonitorSpec:
        return next(s for s in self.specs.values() if s.name.startswith(key_prefix))

    async def feed(self, name: str, ok: bool, latency_ms: float = 10.0) -> None:
        self.recorder.submit(
            self.spec(name),
            CheckResult(ok=ok, latency_ms=latency_ms, error=None if ok else "connection refused"),
            self.clock.now(),
        )
        await self.recorder.flush()
        await self.status.process_pending()

    async def minute(self, **outcomes: bool) -> None:
        """One round of checks for the named monitors, then a minute passes."""
        for name, ok in outcomes.items():
            await self.feed(name, ok)
        self.clock.advance(timedelta(minutes=1))


def established(specs: Iterable[MonitorSpec], tracks: dict[str, Track]) -> dict[str, Track]:
    """The tracks of monitors that answered before the test began: their trouble is public
    (a monitor never reached is the operator's alone; hiccup.core.reach)."""
    return {s.id: tracks.get(s.id, Track(reached_for=REACHED_BEFORE)) for s in specs}


async def pipeline(engine: AsyncEngine, text: str = CONFIG, *, reached: bool = True) -> Pipeline:
    """`reached`: the monitors have answered before (most tests watch established ones)."""
    clock = ManualClock(START)
    async with engine.begin() as conn:
        await sync_config(conn, config(text), clock.now())
    async with engine.connect() as conn:
        specs = {s.id: s for s in await load_specs(conn)}
        tracks: dict[str, Track] = await load_tracks(conn)
    if reached:
        tracks = established(specs.values(), tracks)
    made = Pipeline(engine, clock, specs, None, None)  # type: ignore[arg-type]
    made.status = StatusService(engine, clock, lambda: made.changes.append(clock.now()))
    made.recorder = Recorder(engine, clock, tracks, lambda: None)
    return made


async def answered(engine: AsyncEngine, name: str) -> bool:
    """Whether the named monitor's check has answered (its state is up): from then on its
    outages are public; before, they are the operator's alone (hiccup.core.reach). Live tests
    wait for it before they take a target down."""
    query = (
        select(monitor_states.c.state)
        .join(monitors, monitors.c.id == monitor_states.c.monitor_id)
        .where(monitors.c.name == name)
    )
    async with engine.connect() as conn:
        return bool((await conn.execute(query)).scalar() == "up")
