"""The outbox claim: concurrent workers never hold the same row; a crashed worker's rows come
back when its lease runs out; a worker whose lease was taken over cannot mark the row."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hiccup.notify.outbox import claim, enqueue_rows, mark_delivered, pending_row, store_message
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.notify_helpers import START

LEASE = timedelta(seconds=30)


async def queue(engine: AsyncEngine, count: int) -> None:
    async with engine.begin() as conn:
        message_id = await store_message(conn, "m", "alert", {"headline": "x"}, START)
        assert message_id is not None
        rows = [
            pending_row(message_id, f"m/{i}", "webhook", START, recipient="http://x/")
            for i in range(count)
        ]
        await enqueue_rows(conn, rows)


async def claim_some(engine: AsyncEngine, limit: int) -> set[int]:
    async with engine.begin() as conn:
        return {item.id for item in await claim(conn, "webhook", START, LEASE, limit)}


async def test_concurrent_claims_never_share_a_row(engine: AsyncEngine) -> None:
    await queue(engine, 300)
    every: list[int] = []
    for _ in range(50):  # a claim that lost the race gets nothing and tries again, as a lane does
        claimed = await asyncio.gather(*(claim_some(engine, 40) for _ in range(10)))
        every += [row for batch in claimed for row in batch]
        if len(set(every)) == 300:
            break
    assert len(every) == len(set(every)), "a row was held by two claims"
    assert len(every) == 300


async def test_an_expired_lease_returns_the_row_and_the_old_holder_cannot_mark_it(
    engine: AsyncEngine,
) -> None:
    await queue(engine, 1)
    async with engine.begin() as conn:
        [first] = await claim(conn, "webhook", START, LEASE, 10)
        assert await claim(conn, "webhook", START + LEASE / 2, LEASE, 10) == []
        later = START + LEASE + timedelta(seconds=1)
        [second] = await claim(conn, "webhook", later, LEASE, 10)
        assert second.id == first.id
        assert second.attempts == 2
        assert second.idempotency_key == first.idempotency_key
        assert not await mark_delivered(conn, first.id, first.lease, later, 1.0)
        assert await mark_delivered(conn, second.id, second.lease, later, 1.0)


async def test_a_claim_never_takes_more_than_its_limit(engine: AsyncEngine) -> None:
    await queue(engine, 500)
    for _ in range(5):
        assert len(await claim_some(engine, 16)) == 16
