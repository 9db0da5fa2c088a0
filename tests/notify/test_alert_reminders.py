"""Triggered alert state lives in the database: a restart (or the same transition applied
again) neither re-fires nor forgets, and reminders come from the stored deadline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.notify.alerts import on_transition
from hiccup.notify.service import Notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitors
from tests.support.notify_helpers import (
    START,
    Hook,
    WebhookReceiver,
    running_notifications,
)

CONFIG = """\
page: {{name: Flexo Hosting}}
monitors:
  - {{name: flexo, kind: tcp, target: "127.0.0.1:1"}}
notifications:
  channels: [{{key: ops, kind: webhook, url: "{url}"}}]
  alerts: [{{key: page-ops, channels: [ops], on: [down, recovery], remind_every: 30m}}]
"""


async def transition(engine: AsyncEngine, current: str, at: datetime) -> int:
    async with engine.begin() as conn:
        monitor_id = (await conn.execute(select(monitors.c.id))).scalar_one()
        payload = {
            "monitor_id": monitor_id,
            "previous": "up" if current == "down" else "down",
            "current": current,
            "started_at": at.isoformat(),
            "confirmed_at": at.isoformat(),
        }
        return await on_transition(conn, payload, at)


async def deliver(notifications: Notifications) -> None:
    assert notifications.worker is not None
    await notifications.deadlines.run_once()
    await notifications.worker.drain()


async def test_it_reminds_from_the_stored_deadline_and_survives_a_restart(
    engine: AsyncEngine,
) -> None:
    receiver = WebhookReceiver()
    await receiver.start()
    hook = Hook()
    text = CONFIG.format(url=receiver.add("ops", hook))
    clock = ManualClock(START)
    first, _ = await running_notifications(engine, text, clock)
    try:
        assert await transition(engine, "down", START) == 1
        await deliver(first)
        assert await transition(engine, "down", START) == 0, "already triggered"
        await first.close()

        restarted, _ = await running_notifications(engine, text, clock)
        clock.advance(timedelta(minutes=29))
        await deliver(restarted)
        assert len(hook.requests) == 1, "no reminder before the deadline, no re-fire on restart"
        clock.advance(timedelta(minutes=1))
        await deliver(restarted)
        clock.advance(timedelta(minutes=30))
        await deliver(restarted)
        clock.advance(timedelta(minutes=5))
        assert await transition(engine, "up", clock.now()) == 1
        await deliver(restarted)
        clock.advance(timedelta(hours=2))
        await deliver(restarted)
        await restarted.close()
    finally:
        await receiver.stop()
    said = [json.loads(body)["summary"] for _, body, _ in hook.requests]
    assert said == [
        "flexo is down",
        "flexo is still down for 30 minutes",
        "flexo is still down for 1 hour",
        "flexo is up again after 1 hour 5 minutes",
    ]
