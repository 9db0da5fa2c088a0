"""A test alert sent from the admin through a channel's real sender, answered at once.

The row is written to the outbox already claimed by this call, so the delivery worker never
takes it and the attempt shows in the channel's delivery log like any other. A failed test is
dead at once (never retried by itself: the operator is looking at the result), and it never
turns the channel off, even when permanent: the operator is testing exactly that.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime

from hiccup.config.notifications import DeliveryConfig
from hiccup.core.clock import Clock
from hiccup.notify.channels.base import Channel
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import (
    Claimed,
    enqueue_held,
    mark_delivered,
    mark_failed,
    pending_row,
    store_message,
)
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.channel_rows import ChannelRow, find_channel

TEST_EVENT = "test"


class NoSuchChannel(LookupError):
    pass


def trial_content(channel: ChannelRow, actor: str) -> dict[str, object]:
    return {
        "event": TEST_EVENT,
        "headline": f"test alert for channel {channel.key}",
        "summary": f"{actor} sent this test from Hiccup's admin: the {channel.kind} channel "
        f"{channel.key} reaches you.",
        "channel": channel.key,
        "reason": None,
    }


async def _write(
    engine: AsyncEngine, key: str, actor: str, now: datetime, lease: DeliveryConfig
) -> Claimed:
    async with engine.begin() as conn:
        channel = await find_channel(conn, key)
        if channel is None:
            raise NoSuchChannel(key)
        message_key = f"test:{channel.id}:{secrets.token_hex(6)}"
        message_id = await store_message(
            conn, message_key, "alert", trial_content(channel, actor), now
        )
        assert message_id is not None  # the key is new
        row = pending_row(message_id, message_key, channel.kind, now, channel_id=channel.id)
        return await enqueue_held(conn, row, now, lease.lease)


async def _attempt(channel: Channel | None, item: Claimed, now: datetime, seconds: float) -> None:
    if channel is None:
        raise NotifyError(f"no sender for channel kind {item.transport!r}", permanent=True)
    try:
        async with asyncio.timeout(seconds):
            await channel.send(item, now)
    except TimeoutError:
        raise NotifyError(f"no answer within {seconds:g}s") from None


async def send_test(
    engine: AsyncEngine,
    clock: Clock,
    channels: dict[str, Channel],
    config: DeliveryConfig,
    key: str,
    actor: str,
) -> str | None:
    """Send one test alert through the channel `key` now; None when it was accepted, else
    what went wrong (as the delivery log records it). NoSuchChannel for an unknown key."""
    now = clock.now()
    item = await _write(engine, key, actor, now, config)
    started = time.perf_counter()
    error: NotifyError | None = None
    try:
        await _attempt(channels.get(item.transport), item, now, config.timeout.total_seconds())
    except NotifyError as failure:
        error = failure
    except Exception as failure:  # a sender's bug must still end up in the log, not a 500
        error = NotifyError(f"{type(failure).__name__}: {failure}"[:300])
    duration_ms = (time.perf_counter() - started) * 1000
    async with engine.begin() as conn:
        if error is None:
            await mark_delivered(conn, item.id, item.lease, now, duration_ms)
            return None
        await mark_failed(
            conn,
            item.id,
            item.lease,
            now,
            duration_ms,
            error.message,
            retry_at=None,
            permanent=error.permanent,
        )
    return error.message
