"""Monitors spread over two servers through leases in PostgreSQL, and moved when one goes
silent. Two MonitorLeases in one process stand for two servers; a ManualClock moves time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from hiccup.checks.base import CheckResult
from hiccup.core.clock import ManualClock
from hiccup.core.detection import Track
from hiccup.core.monitors import LOCAL, MonitorSpec
from hiccup.core.status import MonitorState
from hiccup.engine.cluster import MonitorLeases, Server
from hiccup.engine.recorder import Recorder
from hiccup.store import leases as store
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import track_from_json
from hiccup.store.monitors import load_specs
from hiccup.store.tables import monitor_states, monitors
from hiccup.store.tables_probes import probe_votes
from tests.support.cluster_helpers import (
    Told,
    fresh_engine,
    holders,
    monitor_ids,
    monitors_config,
    sync,
)
from tests.support.store_helpers import START

pytestmark = pytest.mark.postgres

TTL = timedelta(seconds=3)


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    async with fresh_engine(postgres_url) as engine:
        await sync(engine, monitors_config(6), START)
        yield engine


def server(engine: AsyncEngine, clock: ManualClock, name: str) -> tuple[MonitorLeases, Told]:
    leases = MonitorLeases(engine, clock, Server(name, "host", 1, START), TTL)
    told = Told(engine)
    leases.listener = told
    return leases, told


async def test_two_servers_share_the_monitors_fairly(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    (a, told_a), (b, told_b) = server(pg, clock, "a"), server(pg, clock, "b")
    await a.tick()
    assert len(a.held) == 6, "alone, a server holds every monitor"
    await b.tick()
    assert b.held == set(), "a newcomer waits for the holder to give some back"
    await a.tick()
    assert len(a.held) == 3
    assert told_a.held_while_giving == [{"a"}], "given back only after the engine let go"
    await b.tick()
    assert len(b.held) == 3
    assert a.held.isdisjoint(b.held)
    assert a.held | b.held == await monitor_ids(pg)
    assert told_b.got == [(frozenset(b.held), True)], "taken over with their stored state"
    await a.tick()
    await b.tick()
    assert (len(a.held), len(b.held)) == (3, 3), "stable once fair"


async def test_three_servers_even_out_ten_monitors(postgres_url: str) -> None:
    async with fresh_engine(postgres_url) as engine:
        await sync(engine, monitors_config(10), START)
        clock = ManualClock(START)
        a, b, c = (server(engine, clock, name)[0] for name in "abc")
        for leases in (a, b, a, b, c, a, b, c):
            await leases.tick()
        assert sorted(len(s.held) for s in (a, b, c)) == [3, 3, 4]
        assert a.held | b.held | c.held == await monitor_ids(engine)


async def test_a_silent_servers_monitors_move_once_its_leases_run_out(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    (a, told_a), (b, told_b) = server(pg, clock, "a"), server(pg, clock, "b")
    for leases in (a, b, a, b):
        await leases.tick()
    b_had = frozenset(b.held)
    moved: list[frozenset[str]] = []

    async def hook(ids: frozenset[str]) -> None:
        moved.append(ids)

    a.acquired_hooks.append(hook)
    clock.advance(TTL - timedelta(milliseconds=1))  # b says nothing all this time
    await a.tick()
    assert len(a.held) == 3, "b's leases still run"
    clock.advance(timedelta(milliseconds=1))
    await a.tick()
    assert len(a.held) == 6
    assert told_a.got[-1] == (b_had, True)
    assert moved == [b_had], "the runtime hears which monitors it just took over"
    await b.tick()
    assert b.held == set()
    assert told_b.lost_ids == [b_had], "b learns it lost them and stops running them"


async def test_monitors_added_and_removed_are_picked_up(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    a, told = server(pg, clock, "a")
    await a.tick()
    await sync(pg, monitors_config(7), clock.now())
    [added] = await monitor_ids(pg) - a.held
    await a.tick()
    assert added in a.held
    gone = sorted(a.held)[0]
    async with pg.begin() as conn:
        await conn.execute(delete(monitors).where(monitors.c.id == gone))
    await a.tick()
    assert gone not in a.held
    assert told.lost_ids == [frozenset({gone})]


async def test_a_clean_stop_frees_every_monitor_at_once(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    (a, _), (b, _) = server(pg, clock, "a"), server(pg, clock, "b")
    for leases in (a, b, a, b):
        await leases.tick()
    async with pg.begin() as conn:
        await store.drop_holder(conn, "b")
    await a.tick()
    assert len(a.held) == 6, "no wait for b's leases to run out"
    assert set((await holders(pg)).values()) == {"a"}


async def two_sharing(
    pg: AsyncEngine, clock: ManualClock
) -> tuple[MonitorLeases, MonitorLeases, MonitorSpec]:
    """Servers a and b with their fair shares, and one monitor b holds."""
    (a, _), (b, _) = server(pg, clock, "a"), server(pg, clock, "b")
    for leases in (a, b, a, b):
        await leases.tick()
    async with pg.connect() as conn:
        held_by_b = next(s for s in await load_specs(conn) if s.id in b.held)
    return a, b, held_by_b


async def test_a_server_that_lost_a_monitor_cannot_overwrite_its_state(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    a, b, spec = await two_sharing(pg, clock)
    stale = Recorder(pg, clock, {}, lambda: None, fence=b.fence)
    clock.advance(TTL)  # b stalls past its lease; a takes the monitor over
    await a.tick()
    assert spec.id in a.held
    current = Recorder(pg, clock, {}, lambda: None, fence=a.fence)
    for _ in range(3):
        current.submit(spec, CheckResult(ok=False, error="refused"), clock.now())
    await current.flush()
    stale.submit(spec, CheckResult(ok=True, latency_ms=5), clock.now())  # b wakes up, late
    await stale.flush()
    async with pg.connect() as conn:
        stored = (
            await conn.execute(
                select(monitor_states.c.track).where(monitor_states.c.monitor_id == spec.id)
            )
        ).scalar_one()
    track: Track = track_from_json(stored)
    assert track.state is MonitorState.DOWN, "b's late write was fenced off"
    assert track.failed_streak == 3


class FailsOnce(Told):
    """The engine cannot take the monitors up the first time (the database dropped)."""

    async def acquired(self, ids: frozenset[str], adopt: bool) -> None:
        await super().acquired(ids, adopt)
        if len(self.got) == 1:
            raise ConnectionError("connection reset")


async def test_a_take_over_that_failed_is_retried_from_the_stored_state(pg: AsyncEngine) -> None:
    clock = ManualClock(START)
    a = MonitorLeases(pg, clock, Server("a", "host", 1, START), TTL)
    told = a.listener = FailsOnce(pg)
    with pytest.raises(ConnectionError):
        await a.tick()
    assert a.held == set(), "not running, so not counted as held"
    await a.tick()
    assert len(a.held) == 6
    assert [adopt for _, adopt in told.got] == [True, True], "stored state read on the retry"


async def test_a_server_that_lost_a_monitor_cannot_overwrite_its_quorum_votes(
    pg: AsyncEngine,
) -> None:
    clock = ManualClock(START)
    a, b, held_by_b = await two_sharing(pg, clock)
    spec = replace(held_by_b, probes=(LOCAL, "eu"))  # judged by a vote of two places
    stale = Recorder(pg, clock, {}, lambda: None, fence=b.fence)
    stale.submit(spec, CheckResult(ok=True, latency_ms=5), clock.now())
    await stale.flush()
    assert await votes_of(pg, spec.id) == {LOCAL: "ok"}, "b held it: its vote is kept"
    clock.advance(TTL)  # b stalls past its lease; a takes the monitor over
    await a.tick()
    assert spec.id in a.held
    clock.advance(timedelta(minutes=1))
    stale.submit(spec, CheckResult(ok=False, error="refused"), clock.now())  # b, late
    await stale.flush()
    assert await votes_of(pg, spec.id) == {LOCAL: "ok"}, "b's late vote was fenced off"


async def votes_of(engine: AsyncEngine, monitor_id: str) -> dict[str, str]:
    async with engine.connect() as conn:
        query = select(probe_votes.c.probe, probe_votes.c.verdict).where(
            probe_votes.c.monitor_id == monitor_id
        )
        return {str(p): str(v) for p, v in await conn.execute(query)}


async def test_a_server_whose_clock_is_off_says_so_once_and_by_how_much(
    pg: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(datetime.now(UTC) + timedelta(seconds=40))  # a host without NTP
    leases, _ = server(pg, clock, "a")
    with caplog.at_level(logging.ERROR, logger="hiccup.engine.cluster"):
        await leases.tick()
        clock.advance(timedelta(seconds=1))
        await leases.tick()
    assert leases.clock_skew is not None
    assert timedelta(seconds=38) < leases.clock_skew < timedelta(seconds=42)
    [error] = [r.getMessage() for r in caplog.records]
    assert "this server's clock is 4" in error
    assert "s ahead of the database's" in error


async def test_a_server_in_step_with_the_database_says_nothing(
    pg: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    leases, _ = server(pg, ManualClock(datetime.now(UTC)), "a")
    with caplog.at_level(logging.ERROR, logger="hiccup.engine.cluster"):
        await leases.tick()
    assert leases.clock_skew is not None
    assert abs(leases.clock_skew) < TTL / 4
    assert not caplog.records
