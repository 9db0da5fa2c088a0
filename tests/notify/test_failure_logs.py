"""A failed delivery is a WARNING an operator sees, whether it will be retried or not, with
the delivery, transport and attempt as fields a JSON log keeps apart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from hiccup.notify.alerts import on_transition
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitors
from tests.support.notify_helpers import START, Hook, WebhookReceiver, running_notifications

CONFIG = """\
page: {{name: Flexo Hosting}}
monitors:
  - {{name: flexo, kind: tcp, target: "127.0.0.1:1"}}
notifications:
  channels:
    - {{key: broken, kind: webhook, url: "{broken}"}}
    - {{key: gone, kind: webhook, url: "{gone}"}}
  alerts:
    - {{channels: [broken, gone], on: [down]}}
  delivery: {{timeout: 3s, lease: 10s}}
"""


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    await hooks.start()
    yield hooks
    await hooks.stop()


async def test_failed_deliveries_are_warnings_with_fields(
    engine: AsyncEngine, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    urls = {
        "broken": receiver.add("broken", Hook(status=500)),  # retried later
        "gone": receiver.add("gone", Hook(status=410)),  # given up at once
    }
    notifications, _ = await running_notifications(engine, CONFIG.format(**urls))
    assert notifications.worker is not None
    async with engine.begin() as conn:
        monitor_id = (await conn.execute(select(monitors.c.id))).scalar_one()
        payload = {
            "monitor_id": monitor_id,
            "previous": "up",
            "current": "down",
            "started_at": START.isoformat(),
            "confirmed_at": START.isoformat(),
        }
        assert await on_transition(conn, payload, START) == 2
    try:
        with caplog.at_level(logging.INFO, logger="hiccup.notify.worker"):
            await notifications.worker.drain()
    finally:
        await notifications.close()
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert {r.levelno for r in failed} == {logging.WARNING}
    by_outcome = {"retry" if "retry after" in r.getMessage() else "final": r for r in failed}
    assert set(by_outcome) == {"retry", "final"}
    assert "HTTP 500" in by_outcome["retry"].getMessage()
    assert "giving up" in by_outcome["final"].getMessage()
    for record in failed:
        assert record.__dict__["transport"] == "webhook"
        assert record.__dict__["attempt"] == 1
        assert record.getMessage().startswith(f"delivery {record.__dict__['delivery']} to ")
