"""Migration 0014 on SQLite: scheduled windows stored at their local wall clock are dropped and
made again at the right instant; started ones and windows in UTC are left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from hiccup.core.clock import ManualClock
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.tables_maintenance import maintenance_updates, maintenance_windows

# What a version before the fix wrote: 15:49:18 in Los Angeles as if it were UTC.
LEGACY = [
    "INSERT INTO pages (id, slug, name, url, time_zone, history_days, declared, created_at,"
    " updated_at) VALUES ('pg', 'default', 'Page', '', 'America/Los_Angeles', 90, 0,"
    " '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000')",
    "INSERT INTO maintenances (id, page_id, key, name, message, time_zone, start_local,"
    " duration_s, declared, created_at, updated_at) VALUES"
    " ('la', 'pg', 'la', 'Swap disks', '', 'America/Los_Angeles', '2026-12-10 15:49:18.000000',"
    " 120, 0, '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000'),"
    " ('utc', 'pg', 'utc', 'Reboot', '', 'UTC', '2026-12-10 06:00:00.000000',"
    " 600, 0, '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000')",
    "INSERT INTO maintenance_windows (id, maintenance_id, page_id, name, status, scheduled_for,"
    " scheduled_until, created_at, updated_at) VALUES"
    " ('wrong', 'la', 'pg', 'Swap disks', 'scheduled', '2026-12-10 15:49:18.000000',"
    " '2026-12-10 15:51:18.000000', '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000'),"
    " ('past', 'la', 'pg', 'Swap disks', 'completed', '2026-12-03 15:49:18.000000',"
    " '2026-12-03 15:51:18.000000', '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000'),"
    " ('right', 'utc', 'pg', 'Reboot', 'scheduled', '2026-12-10 06:00:00.000000',"
    " '2026-12-10 06:10:00.000000', '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000')",
    "INSERT INTO maintenance_updates (id, window_id, status, body, created_at) VALUES"
    " ('u1', 'wrong', 'scheduled', 'Scheduled for 15:49–15:51 UTC.',"
    " '2026-12-01 00:00:00.000000')",
]


async def legacy_database(tmp_path: Path) -> AsyncEngine:
    """A SQLite database as an older version left it: 0014 not applied, windows misplaced."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    await migrate(engine)
    async with engine.begin() as conn:
        # 0014 depends on 0006, so alembic keeps 0014 in 0006's place among the heads.
        await conn.execute(
            text("UPDATE alembic_version SET version_num = '0006' WHERE version_num = '0014'")
        )
        for statement in LEGACY:
            await conn.execute(text(statement))
    return engine


async def windows(engine: AsyncEngine) -> dict[str, tuple[str, datetime]]:
    c = maintenance_windows.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(c.id, c.status, c.scheduled_for))
        return {str(i): (str(status), start) for i, status, start in rows}


async def test_misplaced_scheduled_windows_are_made_again_at_the_right_instant(
    tmp_path: Path,
) -> None:
    engine = await legacy_database(tmp_path)
    await migrate(engine)
    found = await windows(engine)
    assert set(found) == {"past", "right"}
    async with engine.connect() as conn:
        assert (await conn.execute(select(maintenance_updates))).first() is None
    clock = ManualClock(datetime(2026, 12, 5, tzinfo=UTC))
    await MaintenanceWorker(engine, clock, lambda: None).run_pass()
    starts = {start for i, (_, start) in (await windows(engine)).items() if i != "past"}
    await engine.dispose()
    assert starts == {
        datetime(2026, 12, 10, 23, 49, 18, tzinfo=UTC),
        datetime(2026, 12, 10, 6, 0, tzinfo=UTC),
    }
