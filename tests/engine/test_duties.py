"""A duty runs on exactly one of two servers, and moves when its holder stops renewing.

Two Duty objects over one database stand for two servers; the work is a real coroutine that
records when it starts and when it is cancelled; a ManualClock moves time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.engine.duties import Duty
from hiccup.engine.replica import ONCE
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_cluster import leases
from tests.support.cluster_helpers import monitors_config, two_servers
from tests.support.store_helpers import START

TTL = timedelta(seconds=3)


@dataclass
class Worker:
    """The work of one server: notes 'start' and 'stop' (cancelled) in a shared log."""

    name: str
    log: list[str]

    async def run(self) -> None:
        self.log.append(f"{self.name} start")
        try:
            await asyncio.Event().wait()
        finally:
            self.log.append(f"{self.name} stop")


def duty(engine: AsyncEngine, clock: ManualClock, worker: Worker) -> Duty:
    return Duty(engine, clock, worker.name, "history", worker.run, TTL)


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)  # let started tasks reach their first await


async def test_a_duty_runs_on_exactly_one_of_two_servers(engine: AsyncEngine) -> None:
    clock, log = ManualClock(START), list[str]()
    a, b = duty(engine, clock, Worker("a", log)), duty(engine, clock, Worker("b", log))
    try:
        for _ in range(3):
            assert await a.step()
            assert not await b.step()
            await settle()
            clock.advance(TTL / 3)
        assert log == ["a start"], "started once, kept running across renewals"
        assert a.running
        assert not b.running
    finally:
        await a.stop_work()
        await b.stop_work()


async def test_a_duty_moves_when_its_holder_stops_renewing(engine: AsyncEngine) -> None:
    clock, log = ManualClock(START), list[str]()
    a, b = duty(engine, clock, Worker("a", log)), duty(engine, clock, Worker("b", log))
    try:
        assert await a.step()
        await settle()
        clock.advance(TTL - timedelta(milliseconds=1))
        assert not await b.step(), "not before a's lease ran out"
        clock.advance(timedelta(milliseconds=1))
        assert await b.step()
        await settle()
        assert not await a.step(), "a hears it lost the lease"
        assert log == ["a start", "b start", "a stop"]
        assert b.running
        assert not a.running
    finally:
        await a.stop_work()
        await b.stop_work()


def running_on(servers: tuple[Hiccup, ...], name: str) -> list[Hiccup]:
    return [s for s in servers if s.replica is not None and s.replica.duties[name].running]


@pytest.mark.postgres
async def test_each_once_only_duty_runs_on_one_server_and_moves_when_it_stops(
    postgres_url: str,
) -> None:
    async with two_servers(postgres_url, monitors_config(2)) as (a, b):
        await asyncio.sleep(1.5)  # both servers have tried to take every duty by now
        for name in ONCE:
            assert len(running_on((a, b), name)) == 1, name
        assert b.replica is not None
        async with b.engine.connect() as conn:
            names = set((await conn.execute(select(leases.c.name))).scalars())
        assert names == ONCE
        await a.stop()  # gives its leases back and tells b
        async with asyncio.timeout(10):
            while any(running_on((b,), name) == [] for name in ONCE):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
