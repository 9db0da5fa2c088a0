"""A heartbeat that missed its run is told as such, to the operator and (when public) on the
page: "Backups missed its 02:00 UTC run", not "Backups is unavailable … not answering"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hiccup.checks.base import CheckResult
from hiccup.notify.sync import sync_notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from hiccup.store.tables_notify import notify_messages
from tests.support.store_helpers import CONFIG, config, pipeline

MISSED = "missed its 02:00 UTC run (expected every 1d + 1m grace); no ping yet"
BACKUPS = (
    "  - {name: Backups, kind: heartbeat, period: 1d, component: flexo, public: true}\n"
    "notifications:\n"
    "  channels: [{key: ops, kind: webhook, url: 'http://127.0.0.1:9/hook'}]\n"
    "  alerts: [{key: page-ops, channels: [ops], on: [down, recovery]}]\n"
)


async def test_a_missed_run_is_told_as_a_missed_run(engine: AsyncEngine) -> None:
    text = CONFIG + BACKUPS
    flow = await pipeline(engine, text)
    async with engine.begin() as conn:
        await sync_notifications(conn, config(text), flow.clock.now())
    flow.recorder.submit(
        flow.spec("Backups"), CheckResult(ok=False, error=MISSED), flow.clock.now()
    )
    await flow.recorder.flush()
    await flow.status.process_pending()
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
        contents: list[dict[str, Any]] = list(
            (await conn.execute(select(notify_messages.c.content))).scalars()
        )
    [incident] = state.open_incidents
    assert incident.name == "flexo: a scheduled job did not run"
    assert incident.updates[0].body == f"We are investigating. Backups {MISSED}."
    [alert] = [c for c in contents if c.get("event") == "down"]
    assert alert["summary"] == f"Backups {MISSED}"
