"""While results cannot be written, the page shows the outage the checks confirmed (never
"All Systems Operational" over it) with a notice that updates are delayed, and within 30 s of
losing the database says it shows the last known status."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from hiccup.checks.base import CheckResult
from hiccup.core.detection import Track
from hiccup.core.status import ComponentStatus, PageIndicator
from hiccup.engine.recorder import Recorder
from hiccup.server.memory import memory_status
from hiccup.snapshot.builder import SnapshotBuilder, SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_tracks
from tests.support.database_link import Link, read_only
from tests.support.page_helpers import until
from tests.support.store_helpers import Pipeline, pipeline

DELAYED = "Updates are delayed since"
STALE = "Showing the last known status from"


@pytest.fixture
async def link(
    engine: AsyncEngine, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Link]:
    made = await Link.to(engine, tmp_path_factory.mktemp("parked"))
    yield made
    await made.close()


class Server:
    """Recorder and snapshot builder on their own engine, wired as server/runtime.py wires
    them; the status service of the pipeline applies what they wrote."""

    def __init__(self, p: Pipeline, own: AsyncEngine, tracks: dict[str, Track]) -> None:
        self.p, self.holder = p, SnapshotHolder()
        self.recorder = Recorder(own, p.clock, tracks, lambda: None)
        self.builder = SnapshotBuilder(
            own,
            p.clock,
            self.holder,
            "default",
            memory=lambda: memory_status(self.recorder, p.specs.values(), lambda _: True),
        )

    async def check_flexo(self, ok: bool, *, written: bool = True) -> None:
        result = CheckResult(ok=ok, latency_ms=10.0, error=None if ok else "connection refused")
        self.recorder.submit(self.p.spec("flexo"), result, self.p.clock.now())
        if written:
            await self.recorder.flush()
            return
        with pytest.raises(Exception):  # noqa: B017, PT011 (any driver's error)
            await self.recorder.flush()

    def page(self) -> str:
        assert self.holder.current is not None
        return self.holder.current.assets["/"].body.decode()

    def summary(self) -> dict[str, object]:
        assert self.holder.current is not None
        found: dict[str, object] = json.loads(
            self.holder.current.assets["/api/v2/summary.json"].body
        )
        return found

    def flexo(self) -> ComponentStatus:
        listed = self.summary()["components"]
        assert isinstance(listed, list)
        return ComponentStatus(next(c["status"] for c in listed if c["name"] == "flexo"))

    def indicator(self) -> PageIndicator:
        status = self.summary()["status"]
        assert isinstance(status, dict)
        return PageIndicator(status["indicator"])


async def server(engine: AsyncEngine, own: AsyncEngine, *, written: bool = True) -> Server:
    p = await pipeline(engine)
    async with engine.connect() as conn:
        tracks = dict(await load_tracks(conn))
    made = Server(p, own, tracks)
    await made.check_flexo(True, written=written)
    await p.status.process_pending()
    assert await made.builder.attempt()
    return made


async def test_the_page_shows_an_outage_confirmed_while_the_database_is_away(
    engine: AsyncEngine, link: Link
) -> None:
    s = await server(engine, link.engine)
    assert s.flexo() is ComponentStatus.OPERATIONAL
    lost_at = s.p.clock.now()
    await link.cut()
    for _ in range(3):  # three failures a few seconds apart confirm the outage, in memory
        s.p.clock.advance(timedelta(seconds=5))
        await s.check_flexo(False, written=False)
    assert not await s.builder.attempt()

    assert s.flexo() is ComponentStatus.MAJOR_OUTAGE
    assert s.indicator() is not PageIndicator.NONE
    assert DELAYED in s.page()
    assert "All Systems Operational" not in s.page()
    assert STALE not in s.page()  # 15 s since the last good read: not yet

    s.p.clock.advance(timedelta(seconds=15))  # 30 s since the database was last read
    assert not await s.builder.attempt()
    assert STALE in s.page()
    assert DELAYED in s.page()
    assert s.flexo() is ComponentStatus.MAJOR_OUTAGE
    assert s.p.clock.now() - lost_at == timedelta(seconds=30)

    await link.restore()  # written and applied: the stored status says it, no notice left
    await s.recorder.flush()
    await s.p.status.process_pending()
    assert await s.builder.attempt()
    assert s.flexo() is ComponentStatus.MAJOR_OUTAGE
    assert DELAYED not in s.page()
    assert STALE not in s.page()


async def test_a_running_builder_notices_the_loss_without_waiting_for_its_refresh(
    engine: AsyncEngine, link: Link
) -> None:
    s = await server(engine, link.engine)
    s.p.clock.advance(timedelta(seconds=31))  # the last good read is past `stale_after`
    running = asyncio.create_task(
        s.builder.run(refresh_seconds=3600, debounce_seconds=0, check_seconds=0.05)
    )
    try:
        await link.cut()

        async def stale() -> bool:
            return STALE in s.page()

        await until(stale, seconds=10)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_a_retry_after_a_failure_comes_no_later_than_the_stale_notice_is_due(
    engine: AsyncEngine, link: Link
) -> None:
    s = await server(engine, link.engine)
    seen = s.p.clock.now() + timedelta(seconds=29)
    assert s.builder.retry_delay(seen) <= 1.0


async def test_a_full_disk_shows_the_outage_and_the_delay_while_reads_still_work(
    engine: AsyncEngine,
) -> None:
    full = read_only(engine)
    try:
        s = await server(engine, full, written=False)
        assert s.flexo() is ComponentStatus.OPERATIONAL
        for _ in range(3):
            s.p.clock.advance(timedelta(seconds=30))
            await s.check_flexo(False, written=False)
            assert await s.builder.attempt()  # reads work: the page is fresh, not stale
        assert s.flexo() is ComponentStatus.MAJOR_OUTAGE
        assert DELAYED in s.page()
        assert STALE not in s.page()
    finally:
        await full.dispose()
