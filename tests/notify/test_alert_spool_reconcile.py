"""The alert spool and the outbox agree: an alert sent from the spool while the database
refused the recorder's flush is marked said by the flush that finally stores its transition,
in the same transaction, so the status service queues nothing for it; its delivery then
becomes a delivered outbox row and the spool entry goes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hiccup.checks.base import CheckResult
from hiccup.core.clock import ManualClock
from hiccup.engine.recorder import Recorder
from hiccup.notify.outbox import OutboxState
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.monitors import load_specs
from hiccup.store.tables_notify import notify_messages, outbox
from tests.support.notify_helpers import START, Hook, WebhookReceiver, running_notifications

CONFIG = """\
page: {{name: Flexo Hosting}}
monitors:
  - {{name: flexo, kind: tcp, target: "127.0.0.1:1", interval: 1s, failure_threshold: 2}}
notifications:
  channels: [{{key: ops, kind: webhook, url: "{url}"}}]
  alerts: [{{channels: [ops], on: [down, recovery]}}]
"""


class Outage:
    """Stands in for an unreachable database inside the recorder's flush transaction."""

    def __init__(self) -> None:
        self.on = True

    async def fence(self, _conn: AsyncConnection, wanted: Collection[str]) -> set[str]:
        if self.on:
            raise ConnectionRefusedError("the database is away")
        return set(wanted)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    made = WebhookReceiver()
    await made.start()
    yield made
    await made.stop()


async def rows_for(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        query = select(outbox.c.idempotency_key, outbox.c.state)
        return [(k, s) for k, s in await conn.execute(query)]


async def test_a_spooled_alert_is_said_once_when_the_database_takes_its_transition(
    engine: AsyncEngine, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    hook = Hook()
    clock = ManualClock(START)
    spool_dir = tmp_path / "alert-spool"
    text = CONFIG.format(url=receiver.add("ops", hook))
    notifications, _ = await running_notifications(engine, text, clock, spool_dir)
    spool = notifications.spool
    assert spool is not None
    try:
        outage = Outage()
        recorder = Recorder(engine, clock, {}, lambda: None, fence=outage.fence, spool=spool)
        async with engine.connect() as conn:
            [spec] = await load_specs(conn)

        for second in range(2):
            recorder.submit(
                spec, CheckResult(False, error="refused"), START + timedelta(seconds=second)
            )
        with pytest.raises(ConnectionRefusedError):
            await recorder.flush()
        await spool.close()  # lets the delivery in flight finish
        [(headers, _, _)] = hook.requests
        key = headers["Idempotency-Key"]
        assert len(list(spool_dir.iterdir())) == 1, "the alert is on disk until the database has it"

        outage.on = False
        await recorder.flush()
        message_key = key.rsplit("/", 1)[0]
        async with engine.connect() as conn:
            said = select(notify_messages.c.key).where(notify_messages.c.key == message_key)
            assert (await conn.execute(said)).scalar() == message_key, "said with the transition"
        await StatusService(engine, clock, lambda: None).process_pending()
        delivered = [(key, OutboxState.DELIVERED.value)]
        assert await rows_for(engine) == delivered, "written delivered; nothing queued"

        await spool.settle()
        assert list(spool_dir.iterdir()) == []
        assert notifications.worker is not None
        await notifications.worker.drain()
        assert len(hook.requests) == 1
    finally:
        await notifications.close()
