"""Stopping the recorder while it commits a batch loses nothing: the shutdown's last flush
waits for the one in flight, then stores the rest, each result once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hiccup.checks.base import CheckResult
from hiccup.core.status import MonitorState
from hiccup.engine import recorder as recorder_module
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.recording import record_batch
from hiccup.store.tables import events
from hiccup.store.tables_results import results
from tests.support.store_helpers import pipeline


async def test_cancelling_the_recorder_mid_commit_keeps_the_batch_and_its_transition(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = await pipeline(engine)
    spec = flow.spec("amy")
    committing, release = asyncio.Event(), asyncio.Event()

    async def slow_record_batch(conn: AsyncConnection, *args: Any, **kwargs: Any) -> int:
        committing.set()
        await release.wait()  # the shutdown arrives while this batch is in the database's hands
        return await record_batch(conn, *args, **kwargs)

    monkeypatch.setattr(recorder_module, "record_batch", slow_record_batch)
    for _ in range(3):  # three failures: the default threshold confirms the outage
        flow.recorder.submit(spec, CheckResult(ok=False, error="refused"), flow.clock.now())
        flow.clock.advance(timedelta(minutes=1))
    assert flow.recorder.state_of(spec.id).state is MonitorState.DOWN
    running = asyncio.create_task(flow.recorder.run())
    await committing.wait()
    flow.recorder.submit(spec, CheckResult(ok=False, error="refused"), flow.clock.now())
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    release.set()
    await flow.recorder.flush()  # as Hiccup.stop() does
    async with engine.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(results))).scalar_one()
        moved = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    assert stored == 4
    assert moved >= 1, "the confirmed outage's transition was stored"
