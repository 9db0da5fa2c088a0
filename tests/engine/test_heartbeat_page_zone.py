"""A missed heartbeat run is told in the page's time zone, the zone every other time on the
page is in: not in UTC, and not in the schedule's own zone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import pages
from tests.support.heartbeat_helpers import CONFIG, heartbeat_rig

BERLIN = CONFIG.replace("  name: Jobs\n", "  name: Jobs\n  time_zone: Europe/Berlin\n")


async def test_a_missed_run_is_told_in_the_pages_zone(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine, BERLIN) as rig:
        # "generated": every hour, first deadline 17:00 UTC + default grace; silent since.
        rig.clock.set(datetime(2026, 11, 4, 18, 0, tzinfo=UTC))
        await rig.watcher.check_overdue()
        [failed] = await rig.results("generated")
    assert failed["error"].startswith("missed its 18:00 CET run (expected every 1h")
    assert failed["error"].endswith("; no ping yet")


async def test_the_zone_is_read_when_the_run_is_missed(engine: AsyncEngine) -> None:
    # The page's zone changed (the admin edits it) after the watcher started: the next
    # missed run is told in the new zone, with no restart.
    async with heartbeat_rig(engine, BERLIN) as rig:
        async with engine.begin() as conn:
            await conn.execute(update(pages).values(time_zone="America/New_York"))
        rig.clock.set(datetime(2026, 11, 4, 18, 0, tzinfo=UTC))
        await rig.watcher.check_overdue()
        [failed] = await rig.results("generated")
    assert failed["error"].startswith("missed its 12:00 EST run (expected every 1h")


async def test_the_schedules_own_zone_stays_in_its_description(engine: AsyncEngine) -> None:
    # "report" runs on a Berlin cron while the page shows UTC: times in UTC, the rule as set.
    async with heartbeat_rig(engine) as rig:
        rig.clock.set(datetime(2026, 11, 5, 2, 30, tzinfo=UTC))
        await rig.watcher.check_overdue()
        [failed] = await rig.results("report")
    assert failed["error"] == (
        "missed its 02:00 UTC run (expected cron '0 3 * * *' (Europe/Berlin) + 30m grace); "
        "no ping yet"
    )
