"""The outbox figures /metrics shows: pending deliveries and the oldest one's queue time per
transport, delivered ones left out (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from hiccup.notify.outbox import claim, enqueue_rows, mark_delivered, pending_row, store_message
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.outbox_figures import OutboxFigure, outbox_figures
from tests.support.notify_helpers import START


async def test_it_counts_pending_deliveries_and_their_oldest_per_transport(
    engine: AsyncEngine,
) -> None:
    later = START + timedelta(minutes=5)
    async with engine.begin() as conn:
        message_id = await store_message(conn, "m", "alert", {"headline": "x"}, START)
        assert message_id is not None
        rows = [
            pending_row(message_id, "m/1", "webhook", START, recipient="http://x/"),
            pending_row(message_id, "m/2", "webhook", later, recipient="http://x/"),
            pending_row(message_id, "m/3", "email", later, recipient="ops@example.com"),
            pending_row(message_id, "m/4", "email", START, recipient="dev@example.com"),
        ]
        await enqueue_rows(conn, rows)
    async with engine.begin() as conn:
        # Only the email queued at START is due then: it goes out, the later one waits.
        (sent,) = await claim(conn, "email", START, timedelta(seconds=30), 10)
        assert await mark_delivered(conn, sent.id, sent.lease, START, 1.0)
    async with engine.connect() as conn:
        figures = await outbox_figures(conn)
    assert figures == [OutboxFigure("email", 1, later), OutboxFigure("webhook", 2, START)]
