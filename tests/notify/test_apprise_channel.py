"""Apprise URLs deliver for real: an operator alert channel and a chat subscription, both as
Apprise `json://` URLs pointed at a loopback receiver."""

from __future__ import annotations

import json

from sqlalchemy import select

from hiccup.core.status import IncidentImpact
from hiccup.notify.alerts import on_transition
from hiccup.status.incidents import open_incident
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components, monitors, pages
from tests.support.notify_helpers import START, Hook, WebhookReceiver, running_notifications

CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo, kind: tcp, target: "127.0.0.1:1", component: flexo}}
notifications:
  channels: [{{key: chat, kind: apprise, url: "json://127.0.0.1:{port}/ops"}}]
  alerts: [{{channels: [chat], on: [down]}}]
  chat_subscriptions: [{{url: "json://127.0.0.1:{port}/page", components: [flexo]}}]
"""


async def test_it_alerts_and_tells_chat_subscribers_through_apprise(engine: AsyncEngine) -> None:
    receiver = WebhookReceiver()
    await receiver.start()
    ops, page = Hook(), Hook()
    receiver.add("ops", ops)
    receiver.add("page", page)
    notifications, _ = await running_notifications(engine, CONFIG.format(port=receiver.port))
    assert notifications.worker is not None
    try:
        async with engine.begin() as conn:
            monitor_id = (await conn.execute(select(monitors.c.id))).scalar_one()
            payload = {
                "monitor_id": monitor_id,
                "previous": "up",
                "current": "down",
                "started_at": START.isoformat(),
                "confirmed_at": START.isoformat(),
            }
            await on_transition(conn, payload, START)
            await open_incident(
                conn,
                page_id=(await conn.execute(select(pages.c.id))).scalar_one(),
                name="flexo is unavailable",
                impact=IncidentImpact.CRITICAL,
                body="We are investigating.",
                started_at=START,
                now=START,
                component_ids=[(await conn.execute(select(components.c.id))).scalar_one()],
            )
        await notifications.worker.drain()
    finally:
        await notifications.close()
        await receiver.stop()
    [(_, alert_body, _)] = ops.requests
    alert = json.loads(alert_body)
    assert alert["title"] == "[Hiccup] DOWN: flexo"
    assert "flexo is down" in alert["message"]
    [(_, notice_body, _)] = page.requests
    notice = json.loads(notice_body)
    assert notice["title"] == "[Flexo Hosting] flexo is unavailable (investigating)"
    assert "We are investigating." in notice["message"]
    assert "http://status.flexo.example" in notice["message"]
