"""The closed days' bars kept between rebuilds change whenever the history behind them does.

Every change here is written through a second engine, as another server would write it: the
cache can only learn of it from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hiccup.core.public import DayUptime
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.public_bars import BarsCache
from hiccup.store.public_read import read_public_state
from hiccup.store.tables import components, incident_components, incidents, monitors, outages
from hiccup.store.tables_revisions import history_revisions
from tests.support.store_helpers import START, Pipeline, pipeline

NOW = START + timedelta(days=10)  # 2026-11-14 16:00 UTC; monitoring began ten days before
TODAY = NOW.replace(hour=0)
DAY = timedelta(days=1)

Bars = dict[str, tuple[DayUptime, ...]]


@pytest.fixture
async def other(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Another server's connection to the same database."""
    second = create_engine(engine.url.render_as_string(hide_password=False))
    yield second
    await second.dispose()


async def bars(engine: AsyncEngine, now: datetime, cache: BarsCache | None) -> Bars:
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", now, bars=cache)
    return {c.name: c.days for c in state.components}


async def cached_and_fresh(engine: AsyncEngine, cache: BarsCache, now: datetime = NOW) -> Bars:
    """The cached read, after checking it gives what a read without the cache gives."""
    found = await bars(engine, now, cache)
    assert found == await bars(engine, now, None)
    return found


async def add_outage(
    other: AsyncEngine, flow: Pipeline, name: str, start: datetime, end: datetime | None
) -> None:
    row = {"monitor_id": flow.spec(name).id, "state": "down", "started_at": start}
    async with other.begin() as conn:
        await conn.execute(insert(outages).values(**row, ended_at=end))


async def test_an_outage_from_three_days_ago_ending_now_changes_the_three_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    before = await cached_and_fresh(engine, cache)
    await add_outage(other, flow, "amy", TODAY - 3 * DAY + timedelta(hours=12), NOW)
    after = await cached_and_fresh(engine, cache)
    amy = after["amy"]
    assert [d.down_seconds for d in amy[-4:]] == [43200, 86400, 86400, 57600]
    assert before["amy"][-4:] != amy[-4:]
    assert after["Web servers"][-4:] == amy[-4:]
    assert after["flexo"] == before["flexo"]


async def test_an_outage_written_late_into_closed_days_changes_their_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await cached_and_fresh(engine, cache)
    await add_outage(other, flow, "leela", TODAY - 5 * DAY, TODAY - 5 * DAY + timedelta(hours=1))
    after = await cached_and_fresh(engine, cache)
    assert after["leela"][-6].down_seconds == 3600


async def test_deleting_a_monitor_takes_its_downtime_off_the_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "flexo", TODAY - 4 * DAY, TODAY - 4 * DAY + timedelta(hours=2))
    before = await cached_and_fresh(engine, cache)
    assert before["Web servers"][-5].down_seconds == 7200
    async with other.begin() as conn:
        await conn.execute(delete(monitors).where(monitors.c.id == flow.spec("flexo").id))
    after = await cached_and_fresh(engine, cache)
    assert after["Web servers"][-5].down_seconds == 0
    assert all(d.uptime is None for d in after["flexo"])


async def test_editing_a_closed_outage_in_place_changes_the_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    start = TODAY - 2 * DAY + timedelta(hours=3)
    await add_outage(other, flow, "amy", start, start + timedelta(minutes=10))
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 600
    async with other.begin() as conn:
        await conn.execute(update(outages).values(ended_at=start + timedelta(minutes=25)))
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 1500
    async with other.begin() as conn:
        await conn.execute(update(outages).values(state="degraded"))
    edited = (await cached_and_fresh(engine, cache))["amy"][-3]
    assert (edited.down_seconds, edited.degraded_seconds) == (0, 1500)


async def test_moving_a_monitor_to_another_component_moves_its_old_downtime(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "amy", TODAY - 6 * DAY, TODAY - 6 * DAY + timedelta(hours=1))
    assert (await cached_and_fresh(engine, cache))["amy"][-7].down_seconds == 3600
    async with other.begin() as conn:
        leela = await conn.execute(select(components.c.id).where(components.c.name == "leela"))
        await conn.execute(
            update(monitors)
            .where(monitors.c.id == flow.spec("amy").id)
            .values(component_id=leela.scalar_one())
        )
    after = await cached_and_fresh(engine, cache)
    assert after["leela"][-7].down_seconds == 3600
    assert all(d.uptime is None for d in after["amy"])


async def test_an_incident_recorded_for_a_closed_day_names_it(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    cache = BarsCache()
    await pipeline(engine)
    await cached_and_fresh(engine, cache)
    started = TODAY - 3 * DAY + timedelta(hours=9)
    async with other.begin() as conn:
        page_id = (await conn.execute(select(components.c.page_id))).scalars().first()
        amy = await conn.execute(select(components.c.id).where(components.c.name == "amy"))
        await conn.execute(
            insert(incidents).values(
                id="inc000000001",
                page_id=page_id,
                name="Cache purge",
                status="resolved",
                impact="minor",
                started_at=started,
                resolved_at=started + timedelta(hours=1),
                created_at=started,
                updated_at=started,
            )
        )
        await conn.execute(
            insert(incident_components).values(
                incident_id="inc000000001", component_id=amy.scalar_one()
            )
        )
    after = await cached_and_fresh(engine, cache)
    assert after["amy"][-4].incident_names == ("Cache purge",)
    assert after["Web servers"][-4].incident_names == ("Cache purge",)


async def test_today_becomes_a_closed_day_at_midnight(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "amy", NOW - timedelta(hours=1), NOW + timedelta(hours=2))
    today = (await cached_and_fresh(engine, cache, NOW))["amy"][-1]
    assert today.down_seconds == 3600
    tomorrow = NOW + DAY
    after = await cached_and_fresh(engine, cache, tomorrow)
    assert after["amy"][-2].day == today.day
    assert after["amy"][-2].down_seconds == 3 * 3600


async def test_closed_days_are_kept_while_the_history_behind_them_is_unchanged(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "leela", TODAY - 2 * DAY, TODAY - 2 * DAY + timedelta(hours=1))
    first = await cached_and_fresh(engine, cache)
    await add_outage(other, flow, "amy", NOW - timedelta(minutes=5), None)  # today only
    second = await cached_and_fresh(engine, cache, NOW + timedelta(minutes=1))
    assert second["leela"][-3] is first["leela"][-3]  # the same cell, not worked out again
    assert second["amy"][-1].down_seconds == 360


async def test_a_page_east_of_utc_counts_todays_first_hours_as_today(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    # Tokyo's today began at 15:00 UTC; the outage ends half an hour into it.
    start = NOW.replace(hour=14, minute=30)
    await add_outage(other, flow, "amy", start, start + timedelta(hours=1))
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", NOW, time_zone="Asia/Tokyo", bars=cache)
    amy = next(c for c in state.components if c.name == "amy")
    assert [d.down_seconds for d in amy.days[-2:]] == [1800, 1800]


async def test_replacing_a_closed_outage_with_another_changes_the_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "amy", TODAY - 5 * DAY, TODAY - 5 * DAY + timedelta(hours=1))
    assert (await cached_and_fresh(engine, cache))["amy"][-6].down_seconds == 3600
    # As many closed outages as before: only the deletion tells. The other is written as the
    # recorder writes a late one: opened, then closed before today.
    async with other.begin() as conn:
        await conn.execute(delete(outages))
    await add_outage(other, flow, "leela", TODAY - 3 * DAY, None)
    async with other.begin() as conn:
        await conn.execute(update(outages).values(ended_at=TODAY - 3 * DAY + timedelta(hours=2)))
    after = await cached_and_fresh(engine, cache)
    assert after["amy"][-6].down_seconds == 0
    assert after["leela"][-4].down_seconds == 7200


async def test_writing_a_closed_outage_over_another_by_id_changes_the_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "amy", TODAY - 5 * DAY, TODAY - 5 * DAY + timedelta(hours=1))
    assert (await cached_and_fresh(engine, cache))["amy"][-6].down_seconds == 3600
    start = TODAY - 3 * DAY
    row = {"monitor_id": flow.spec("leela").id, "state": "down", "started_at": start}
    row |= {"ended_at": start + timedelta(hours=2)}
    async with other.begin() as conn:
        row["id"] = (await conn.execute(select(outages.c.id))).scalar_one()
        if conn.dialect.name == "sqlite":  # deletes the old row without firing its triggers
            await conn.execute(insert(outages).prefix_with("OR REPLACE").values(**row))
        else:
            upsert = pg_insert(outages).values(**row)
            await conn.execute(upsert.on_conflict_do_update(index_elements=["id"], set_=row))
    after = await cached_and_fresh(engine, cache)
    assert after["amy"][-6].down_seconds == 0
    assert after["leela"][-4].down_seconds == 7200


async def test_moving_when_a_closed_outage_started_changes_the_old_bars(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    end = TODAY - 2 * DAY + timedelta(hours=6)
    await add_outage(other, flow, "amy", end - timedelta(hours=1), end)
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 3600
    async with other.begin() as conn:
        await conn.execute(update(outages).values(started_at=end - timedelta(hours=4)))
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 4 * 3600


async def test_closing_todays_outage_keeps_the_closed_days(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    await add_outage(other, flow, "leela", TODAY - 2 * DAY, TODAY - 2 * DAY + timedelta(hours=1))
    await add_outage(other, flow, "amy", NOW - timedelta(minutes=30), None)
    first = await cached_and_fresh(engine, cache)
    async with other.begin() as conn:  # as the recorder closes it
        await conn.execute(update(outages).where(outages.c.ended_at.is_(None)).values(ended_at=NOW))
    second = await cached_and_fresh(engine, cache, NOW + timedelta(minutes=1))
    assert second["leela"][-3] is first["leela"][-3]  # the same cell, not worked out again
    assert second["amy"][-1].down_seconds == 1800


async def test_without_the_revision_row_an_edit_still_shows(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    async with other.begin() as conn:  # nothing left for the triggers to move
        await conn.execute(delete(history_revisions))
    start = TODAY - 2 * DAY + timedelta(hours=3)
    await add_outage(other, flow, "amy", start, start + timedelta(minutes=10))
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 600
    async with other.begin() as conn:
        await conn.execute(update(outages).values(ended_at=start + timedelta(minutes=25)))
    assert (await cached_and_fresh(engine, cache))["amy"][-3].down_seconds == 1500


async def test_an_open_outage_works_out_again_only_the_days_it_reaches_back_to(
    engine: AsyncEngine, other: AsyncEngine
) -> None:
    flow, cache = await pipeline(engine), BarsCache()
    two_days_ago = TODAY - 2 * DAY
    await add_outage(other, flow, "amy", TODAY - 5 * DAY, TODAY - 5 * DAY + timedelta(hours=1))
    await add_outage(
        other, flow, "amy", two_days_ago + timedelta(hours=10), two_days_ago + timedelta(hours=14)
    )
    await add_outage(other, flow, "amy", two_days_ago + timedelta(hours=12), None)
    first = await cached_and_fresh(engine, cache)
    second = await cached_and_fresh(engine, cache, NOW + timedelta(minutes=1))
    assert [d.down_seconds for d in second["amy"][-6:]] == [3600, 0, 0, 50400, 86400, 57660]
    assert second["amy"][-6] is first["amy"][-6]  # before the open outage: kept
    assert second["Web servers"][-3:] == second["amy"][-3:]
