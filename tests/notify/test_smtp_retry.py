"""The SMTP server is down when an incident opens: every failed try is recorded with its error
and a backoff; once the server is back the mail goes out, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.notify.notices import Notice, NoticeKind, enqueue_notice
from hiccup.notify.outbox import OutboxState
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import pages
from hiccup.store.tables_notify import outbox, outbox_attempts
from tests.support.notify_helpers import (
    START,
    SmtpSink,
    add_subscribers,
    running_notifications,
    smtp_config,
)

CONFIG = """\
page: {{name: Flexo Hosting}}
notifications:
{smtp}  delivery: {{max_attempts: 5, retry_base: 10s, retry_cap: 1m, timeout: 2s, lease: 10s}}
"""


async def test_it_retries_until_the_smtp_server_is_back_and_delivers_once(
    engine: AsyncEngine,
) -> None:
    sink = SmtpSink()
    sink.start()
    sink.stop()  # the port is known, nothing listens on it
    clock = ManualClock(START)
    notifications, _ = await running_notifications(
        engine, CONFIG.format(smtp=smtp_config(sink.port)), clock
    )
    assert notifications.worker is not None
    await add_subscribers(engine, ["ann@example.com"], START)
    async with engine.begin() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        notice = Notice(
            NoticeKind.INCIDENT_OPENED,
            page_id,
            "flexo is unavailable",
            "Looking.",
            incident_id="inc1",
            update_id="upd1",
            status="investigating",
        )
        assert await enqueue_notice(conn, notice, START) == 1
    try:
        for _ in range(2):
            await notifications.worker.drain()
            clock.advance(timedelta(minutes=2))  # past any backoff of the first tries
        async with engine.connect() as conn:
            row = (await conn.execute(select(outbox))).mappings().one()
            tries = (await conn.execute(select(outbox_attempts))).mappings().all()
        assert row["state"] == OutboxState.PENDING.value
        assert row["attempts"] == 2
        assert len(tries) == 2
        assert all(t["error"] and not t["permanent"] for t in tries)
        assert "connect" in (row["last_error"] or "").lower()

        sink.start()
        await notifications.worker.drain()
        await notifications.worker.drain()
        assert len(sink.to("ann@example.com")) == 1
        async with engine.connect() as conn:
            row = (await conn.execute(select(outbox))).mappings().one()
            tries = (await conn.execute(select(outbox_attempts))).mappings().all()
        assert row["state"] == OutboxState.DELIVERED.value
        assert [t["error"] is None for t in tries] == [False, False, True]
    finally:
        sink.stop()
        await notifications.close()


async def test_it_dead_letters_after_the_last_attempt(engine: AsyncEngine) -> None:
    sink = SmtpSink()
    sink.start()
    sink.stop()
    clock = ManualClock(START)
    text = CONFIG.format(smtp=smtp_config(sink.port)).replace("max_attempts: 5", "max_attempts: 2")
    notifications, _ = await running_notifications(engine, text, clock)
    assert notifications.worker is not None
    await add_subscribers(engine, ["ann@example.com"], START)
    async with engine.begin() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        notice = Notice(NoticeKind.INCIDENT_OPENED, page_id, "down", "x", incident_id="i2")
        await enqueue_notice(conn, notice, START)
    for _ in range(4):
        await notifications.worker.drain()
        clock.advance(timedelta(minutes=2))
    async with engine.connect() as conn:
        row = (await conn.execute(select(outbox))).mappings().one()
    assert row["state"] == OutboxState.DEAD.value
    assert row["attempts"] == 2
    await notifications.close()
