"""Hostile webhook endpoints (hanging, redirecting forever, answering 500, very slow, gone)
never stall a good one; a 4xx disables its channel and the other channels are told; the good
one receives a body signed with HMAC-SHA256 and a stable Idempotency-Key."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from hiccup.notify.alerts import on_transition
from hiccup.notify.channels.webhook import signature
from hiccup.notify.outbox import OutboxState
from hiccup.notify.service import Notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitors
from hiccup.store.tables_notify import notify_channels, notify_messages, outbox
from tests.support.notify_helpers import START, Hook, WebhookReceiver, running_notifications

SECRET = "s3cret-for-tests"
CONFIG = """\
page: {{name: Flexo Hosting}}
monitors:
  - {{name: flexo, kind: tcp, target: "127.0.0.1:1"}}
notifications:
  channels:
    - {{key: good, kind: webhook, url: "{good}", secret_env: HOOK_SECRET}}
    - {{key: hang, kind: webhook, url: "{hang}"}}
    - {{key: loop, kind: webhook, url: "{loop}"}}
    - {{key: broken, kind: webhook, url: "{broken}"}}
    - {{key: slow, kind: webhook, url: "{slow}"}}
    - {{key: gone, kind: webhook, url: "{gone}"}}
  alerts:
    - {{channels: [good, hang, loop, broken, slow, gone], on: [down]}}
  delivery: {{timeout: 3s, lease: 10s}}
"""


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    await hooks.start()
    yield hooks
    await hooks.stop()


async def wait_for(probe: object, seconds: float = 10.0) -> None:
    assert callable(probe)
    async with asyncio.timeout(seconds):
        while not probe():  # noqa: ASYNC110 - watching an outside receiver
            await asyncio.sleep(0.02)


async def alert_flexo_down(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        monitor_id = (await conn.execute(select(monitors.c.id))).scalar_one()
        payload = {
            "monitor_id": monitor_id,
            "previous": "up",
            "current": "down",
            "started_at": START.isoformat(),
            "confirmed_at": START.isoformat(),
        }
        assert await on_transition(conn, payload, START) == 6


async def prepared(engine: AsyncEngine, receiver: WebhookReceiver) -> Notifications:
    urls = {
        "good": receiver.add("good", Hook()),
        "hang": receiver.add("hang", Hook(mode="hang")),
        "loop": receiver.add("loop", Hook(mode="redirect")),
        "broken": receiver.add("broken", Hook(status=500)),
        "slow": receiver.add("slow", Hook(mode="slow", seconds=30)),
        "gone": receiver.add("gone", Hook(status=410)),
    }
    notifications, _ = await running_notifications(
        engine, CONFIG.format(**urls), HOOK_SECRET=SECRET
    )
    return notifications


async def test_a_hanging_or_failing_endpoint_never_stalls_the_others(
    engine: AsyncEngine, receiver: WebhookReceiver
) -> None:
    notifications = await prepared(engine, receiver)
    assert notifications.worker is not None
    good = receiver.hooks["good"]
    await alert_flexo_down(engine)
    started = time.perf_counter()
    running = asyncio.create_task(notifications.worker.run(poll_seconds=0.2))
    try:
        await wait_for(lambda: len(good.requests) >= 1)
        # The hanging endpoint holds its own slot for the whole 3 s timeout; the good one
        # must not have waited for it.
        assert time.perf_counter() - started < 2.5
        await wait_for(lambda: len(good.requests) >= 2)  # "channel gone disabled"
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await notifications.close()

    headers, body, _ = good.requests[0]
    assert headers["X-Hiccup-Signature"] == signature(
        SECRET.encode(), headers["X-Hiccup-Timestamp"], body
    )
    assert headers["Idempotency-Key"].startswith("alert:")
    alert = json.loads(body)
    assert alert["event"] == "down"
    assert alert["summary"] == "flexo is down"
    told = json.loads(good.requests[1][1])
    assert told["event"] == "channel_disabled"
    assert told["channel"] == "gone"
    assert "HTTP 410" in told["reason"]


async def test_a_permanent_failure_disables_the_channel_and_others_keep_retrying(
    engine: AsyncEngine, receiver: WebhookReceiver
) -> None:
    notifications = await prepared(engine, receiver)
    assert notifications.worker is not None
    await alert_flexo_down(engine)
    await notifications.worker.drain()
    await notifications.close()
    query = (
        select(notify_channels.c.key, outbox.c.state, outbox.c.last_error)
        .join(outbox, outbox.c.channel_id == notify_channels.c.id)
        .join(notify_messages, notify_messages.c.id == outbox.c.message_id)
        .where(notify_messages.c.kind == "alert", outbox.c.idempotency_key.like("alert:%:down:%"))
    )
    async with engine.connect() as conn:
        rows = {key: (state, error) for key, state, error in await conn.execute(query)}
        enabled = dict(
            (await conn.execute(select(notify_channels.c.key, notify_channels.c.enabled))).all()
        )
    assert rows["good"] == (OutboxState.DELIVERED.value, None)
    assert rows["gone"][0] == OutboxState.DEAD.value
    assert rows["broken"] == (OutboxState.PENDING.value, "HTTP 500: nope")
    assert rows["loop"] == (OutboxState.PENDING.value, "more than 3 redirects")
    assert rows["hang"] == (OutboxState.PENDING.value, "no answer within 3s")
    assert rows["slow"] == (OutboxState.PENDING.value, "no answer within 3s")
    assert enabled["gone"] is False
    assert all(enabled[k] for k in ("good", "hang", "loop", "broken", "slow"))
