"""Named leases in the database: taken, renewed, refused to others, stolen only after expiry.

Runs on SQLite and PostgreSQL (the statements are the same); time moves on a ManualClock.
"""

from __future__ import annotations

from datetime import timedelta

from hiccup.core.clock import ManualClock
from hiccup.store import leases
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.store_helpers import START

TTL = timedelta(seconds=3)


async def take(engine: AsyncEngine, clock: ManualClock, holder: str) -> bool:
    async with engine.begin() as conn:
        return await leases.take(conn, "maintenance", holder, clock.now(), TTL)


async def holder(engine: AsyncEngine, clock: ManualClock) -> str | None:
    async with engine.connect() as conn:
        return await leases.holder_of(conn, "maintenance", clock.now())


async def test_a_lease_is_held_by_one_holder_and_renewed_by_it(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    assert await take(engine, clock, "a")
    assert not await take(engine, clock, "b")
    clock.advance(timedelta(seconds=2))
    assert await take(engine, clock, "a"), "the holder renews"
    clock.advance(timedelta(seconds=2))  # 4 s after the first take, 2 s after the renewal
    assert not await take(engine, clock, "b"), "a renewed lease is not up for grabs"
    assert await holder(engine, clock) == "a"


async def test_an_expired_lease_goes_to_the_next_taker(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    assert await take(engine, clock, "a")
    clock.advance(TTL - timedelta(milliseconds=1))
    assert not await take(engine, clock, "b")
    clock.advance(timedelta(milliseconds=1))
    assert await take(engine, clock, "b"), "taken the moment it expires"
    assert not await take(engine, clock, "a"), "the old holder cannot renew a stolen lease"
    assert await holder(engine, clock) == "b"


async def test_a_released_lease_is_free_at_once(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    assert await take(engine, clock, "a")
    async with engine.begin() as conn:
        assert not await leases.release(conn, "maintenance", "b"), "only the holder releases"
        assert await leases.release(conn, "maintenance", "a")
    assert await holder(engine, clock) is None
    assert await take(engine, clock, "b")


async def test_nobody_holds_a_lease_after_it_expired(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    assert await take(engine, clock, "a")
    clock.advance(TTL)
    assert await holder(engine, clock) is None
