"""A heartbeat whose deadline passes without a ping fails, once per expected run, and the
deadline survives a restart. Time is moved on a ManualClock; the watcher's pass is called."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import utc
from tests.support.heartbeat_helpers import (
    BACKUP_TOKEN,
    REPORT_TOKEN,
    START,
    heartbeat_rig,
)

EVERY_5M = "(expected every 5m + 1m grace)"


async def test_it_reports_a_job_that_never_pinged(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        rig.clock.advance(timedelta(minutes=5, seconds=59))
        await rig.watcher.check_overdue()
        assert await rig.results("backup") == []
        rig.clock.advance(timedelta(seconds=1))  # 16:06: 5m period + 1m grace from the sync
        await rig.watcher.check_overdue()
        [result] = await rig.results("backup")
        assert result["verdict"] == Verdict.FAILED.value
        assert result["error"] == f"missed its 16:05 UTC run {EVERY_5M}; no ping yet"


async def test_it_keeps_failing_once_per_period_while_the_job_is_silent(
    engine: AsyncEngine,
) -> None:
    async with heartbeat_rig(engine) as rig:
        rig.clock.advance(timedelta(minutes=10))
        await rig.get(f"/ping/{BACKUP_TOKEN}")  # 16:10: next due 16:16
        rig.clock.advance(timedelta(minutes=6))
        earliest = await rig.watcher.check_overdue()
        assert earliest is not None
        assert utc(earliest) == START + timedelta(minutes=21)
        await rig.watcher.check_overdue()  # a second pass at the same time reports nothing new
        rig.clock.advance(timedelta(minutes=5))
        await rig.watcher.check_overdue()
        errors = [r["error"] for r in await rig.results("backup")]
        since = "no ping since 16:10 UTC"
        assert errors == [
            None,
            f"missed its 16:15 UTC run {EVERY_5M}; {since}",
            f"missed its 16:20 UTC run {EVERY_5M}; {since}",
        ]
        assert await rig.state("backup") == "down"  # failure_threshold: 2


async def test_it_fails_once_after_a_long_silence_not_once_per_missed_slot(
    engine: AsyncEngine,
) -> None:
    async with heartbeat_rig(engine) as rig:
        await rig.get(f"/ping/{BACKUP_TOKEN}")  # due 16:06
        rig.clock.advance(timedelta(hours=3, minutes=2))  # 19:02
        await rig.watcher.check_overdue()
        assert len(await rig.results("backup")) == 2
        row = await rig.heartbeat_row("backup")
        # The next slot on the grid 16:06 + k * 5m after 19:02.
        assert utc(row["due_at"]) == datetime(2026, 11, 4, 19, 6, tzinfo=UTC)


async def test_a_ping_moves_the_deadline_so_nothing_is_reported(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        for _ in range(6):
            rig.clock.advance(timedelta(minutes=5))
            await rig.get(f"/ping/{BACKUP_TOKEN}")
            await rig.watcher.check_overdue()
        verdicts = {r["verdict"] for r in await rig.results("backup")}
        assert verdicts == {Verdict.OK.value}


async def test_it_follows_a_cron_schedule_in_its_time_zone(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        # 03:00 Berlin (CET, UTC+1) is 02:00 UTC; with 30m of grace the first deadline is 02:30.
        row = await rig.heartbeat_row("report")
        assert utc(row["due_at"]) == datetime(2026, 11, 5, 2, 30, tzinfo=UTC)
        rig.clock.set(datetime(2026, 11, 5, 2, 5, tzinfo=UTC))
        await rig.get(f"/ping/{REPORT_TOKEN}")
        row = await rig.heartbeat_row("report")
        assert utc(row["due_at"]) == datetime(2026, 11, 6, 2, 30, tzinfo=UTC)
        rig.clock.set(datetime(2026, 11, 6, 2, 30, tzinfo=UTC))
        await rig.watcher.check_overdue()
        failed = (await rig.results("report"))[-1]
        assert failed["verdict"] == Verdict.FAILED.value
        # Times in the page's zone (UTC here), the rule in its own (#13 item 5).
        assert failed["error"] == (
            "missed its 02:00 UTC run (expected cron '0 3 * * *' (Europe/Berlin) + 30m grace); "
            "no ping since 2026-11-05 02:05 UTC"
        )
        row = await rig.heartbeat_row("report")
        assert utc(row["due_at"]) == datetime(2026, 11, 7, 2, 30, tzinfo=UTC)


async def test_a_restarted_watcher_keeps_the_stored_deadlines(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        rig.clock.advance(timedelta(minutes=10))
        await rig.get(f"/ping/{BACKUP_TOKEN}")  # due 16:16
        rig.clock.advance(timedelta(minutes=2))
        restarted = rig.new_watcher()  # 16:12, before the deadline
        earliest = await restarted.check_overdue()
        assert earliest is not None
        assert utc(earliest) == START + timedelta(minutes=16)
        rig.clock.advance(timedelta(minutes=4))
        await restarted.check_overdue()
        await rig.watcher.check_overdue()  # the old one finds the miss already claimed
        results = await rig.results("backup")
        assert [r["verdict"] for r in results] == [Verdict.OK.value, Verdict.FAILED.value]
        assert results[-1]["error"] == (
            f"missed its 16:15 UTC run {EVERY_5M}; no ping since 16:10 UTC"
        )


async def test_a_deadline_missed_while_hiccup_was_down_is_not_believed(
    engine: AsyncEngine,
) -> None:
    async with heartbeat_rig(engine) as rig:
        await rig.get(f"/ping/{BACKUP_TOKEN}/fail")  # one real failure of two needed
        rig.clock.advance(timedelta(minutes=30))  # the deadline passed with nobody listening
        restarted = rig.new_watcher()
        await restarted.check_overdue()
        results = await rig.results("backup")
        assert [r["verdict"] for r in results] == [Verdict.FAILED.value] * 2
        # Stored, but not counted: pings sent while Hiccup was down were lost, not missing.
        assert await rig.state("backup") != "down"


async def test_a_ping_wakes_the_sleeping_watcher(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        task = asyncio.create_task(rig.watcher.run())
        try:
            await asyncio.sleep(0.1)  # first pass done; now asleep for up to a minute
            rig.clock.advance(timedelta(minutes=7))  # backup's 16:06 deadline passed
            await rig.get("/ping/" + (await rig.heartbeat_row("generated"))["token"])
            for _ in range(100):  # bounded: up to 5 s on a busy machine
                if len(await rig.results("backup")) == 1:
                    break
                await asyncio.sleep(0.05)
            [result] = await rig.results("backup")
            assert result["error"] == f"missed its 16:05 UTC run {EVERY_5M}; no ping yet"
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
