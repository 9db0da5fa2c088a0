"""The spool between the checks and the disk buffer: nothing in memory is lost on close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hiccup.probe.spool import BufferBusy, Spool
from hiccup.probe.wire import ProbeResult

START = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)


def result(second: int, monitor_id: str = "m1") -> ProbeResult:
    return ProbeResult(monitor_id=monitor_id, at=START + timedelta(seconds=second), ok=True)


async def test_closing_writes_what_is_still_in_memory(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10**8, flush_every=3600)
    await spool.open()
    for second in range(5):
        spool.add(result(second))
    await spool.close()  # no flush happened yet: close must do it
    reopened = Spool(tmp_path, max_bytes=10**8)
    await reopened.open()
    try:
        assert reopened.ready.is_set()  # a backlog from the earlier run waits
        batch = await reopened.next_batch()
        assert [r.at for r in batch.results] == [result(s).at for s in range(5)]
    finally:
        await reopened.close()


async def test_a_flush_orders_results_by_the_time_their_check_started(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10**8)
    await spool.open()
    try:
        # A slow check of m2 started first but ended last.
        spool.add(result(2, "m1"))
        spool.add(result(1, "m2"))
        await spool.flush()
        batch = await spool.next_batch()
        assert [r.monitor_id for r in batch.results] == ["m2", "m1"]
        await spool.ack(batch)
        assert spool.backlog() == 0
    finally:
        await spool.close()


async def test_two_agents_cannot_share_a_buffer_directory(tmp_path: Path) -> None:
    first = Spool(tmp_path, max_bytes=10**8)
    await first.open()
    second = Spool(tmp_path, max_bytes=10**8)
    try:
        with pytest.raises(BufferBusy, match="another probe agent"):
            await second.open()
    finally:
        await second.close()
        await first.close()
