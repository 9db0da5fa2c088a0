"""Operator-only monitors (`public: false`, the default for certificates and heartbeats) alert
the operator but never move the page: no status, no uptime bar, no incident."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hiccup.core.status import ComponentStatus
from hiccup.notify.sync import sync_notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from hiccup.store.tables_notify import notify_messages
from tests.support.store_helpers import CONFIG, config, pipeline

CERT = (
    "  - {name: flexo cert, kind: tls, target: '127.0.0.1:4', component: flexo, interval: 1m}\n"
    "notifications:\n"
    "  channels: [{key: ops, kind: webhook, url: 'http://127.0.0.1:9/hook'}]\n"
    "  alerts: [{key: page-ops, channels: [ops], on: [down, recovery]}]\n"
)


async def _alerts(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(notify_messages)
        return int(
            (await conn.execute(query.where(notify_messages.c.kind == "alert"))).scalar_one()
        )


async def test_a_failing_certificate_alerts_but_leaves_the_page_alone(engine: AsyncEngine) -> None:
    text = CONFIG + CERT
    flow = await pipeline(engine, text)
    async with engine.begin() as conn:
        await sync_notifications(conn, config(text), flow.clock.now())
    for _ in range(10):
        await flow.minute(**{"flexo http": True, "flexo cert": False})
    assert await _alerts(engine) == 1
    flow.clock.advance(timedelta(hours=1))
    await flow.status.process_pending()
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    flexo = next(c for c in state.components if c.name == "flexo")
    assert flexo.status is ComponentStatus.OPERATIONAL
    assert (state.open_incidents, state.recent_incidents) == ((), ())
    assert flexo.days[-1].down_seconds == 0


async def test_public_true_puts_a_certificate_back_on_the_page(engine: AsyncEngine) -> None:
    text = CONFIG + CERT.replace("interval: 1m}", "interval: 1m, public: true}")
    flow = await pipeline(engine, text)
    for _ in range(4):
        await flow.minute(**{"flexo http": True, "flexo cert": False})
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    flexo = next(c for c in state.components if c.name == "flexo")
    assert flexo.status is ComponentStatus.PARTIAL_OUTAGE
    assert flexo.days[-1].down_seconds > 0
