"""The page's bars read outage times in the database to the microsecond, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from hiccup.store.tables import outages
from tests.support.store_helpers import START, pipeline


async def test_a_fraction_of_a_second_never_rounds_into_the_next_second(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine)
    day = START.replace(hour=0)
    start = day + timedelta(hours=17, microseconds=999_600)  # 17:00:00.9996
    async with engine.begin() as conn:
        await conn.execute(
            insert(outages).values(
                monitor_id=flow.spec("amy").id,
                state="down",
                started_at=start,
                ended_at=start + timedelta(seconds=599, microseconds=600),  # 17:10:00.0002
            )
        )
    now = datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", now)
    amy = next(c for c in state.components if c.name == "amy")
    today = amy.days[-1]
    assert today.down_seconds == 599
    assert today.uptime is not None
    monitored = (now - START).total_seconds()  # the monitors were created at START
    assert abs(today.uptime - (1 - 599.0006 / monitored)) < 1e-9
