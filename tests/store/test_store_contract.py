"""The storage contract: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import func, select

from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import ComponentStatus, IncidentImpact, MonitorState, PageIndicator
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.database import migrate
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.public_read import read_public_state
from hiccup.store.sync import sync_config
from hiccup.store.tables import events, monitors, outages
from hiccup.store.tables_results import results
from hiccup.store.tags import tags_of
from tests.support.store_helpers import CONFIG, START, config, pipeline


async def test_migrating_twice_changes_nothing(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(monitors))).scalar_one() == 0


async def test_config_sync_is_idempotent(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await sync_config(conn, config(), START)
        again = await sync_config(conn, config(), START + timedelta(minutes=1))
    assert len(first.created) == 1 + 4 + 3
    assert not again.changed


async def test_tags_in_the_file_are_added_and_removed_exactly(engine: AsyncEngine) -> None:
    tagged = CONFIG.replace("component: amy,", "component: amy, tags: [web, eu],")
    tagged = tagged.replace("component: flexo,", "component: flexo, tags: [web],")
    retagged = tagged.replace("tags: [web, eu]", "tags: [eu, db]")
    async with engine.begin() as conn:
        await sync_config(conn, config(tagged), START)
        first = await tags_by_key(conn)
        report = await sync_config(conn, config(retagged), START)
        second = await tags_by_key(conn)
    assert first == {"amy-http": ["eu", "web"], "flexo-http": ["web"]}
    assert second == {"amy-http": ["db", "eu"], "flexo-http": ["web"]}
    assert report.updated == ["monitor amy-http tags"]


async def tags_by_key(conn: AsyncConnection) -> dict[str, list[str]]:
    query = select(monitors.c.id, monitors.c.key)
    keys = {str(i): str(k) for i, k in await conn.execute(query)}
    return {keys[i]: tags for i, tags in (await tags_of(conn, list(keys))).items()}


async def test_removing_an_item_from_the_file_removes_it(engine: AsyncEngine) -> None:
    leela_monitor = next(line for line in CONFIG.splitlines(True) if "leela http" in line)
    trimmed = CONFIG.replace("      - name: leela\n", "").replace(leela_monitor, "")
    trimmed = trimmed.replace("amy http", "amy website")
    async with engine.begin() as conn:
        await sync_config(conn, config(), START)
        report = await sync_config(conn, config(trimmed), START)
    assert sorted(report.removed) == ["component leela", "monitor amy-http", "monitor leela-http"]
    assert report.created == ["monitor amy-website"]
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", START)
    assert [c.name for c in state.components] == ["Web servers", "amy", "flexo"]


async def test_results_tracks_and_outages_are_stored_together(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    for _ in range(4):
        await flow.minute(amy=True, flexo=False)
    async with engine.connect() as conn:
        tracks = await load_tracks(conn)
        stored = (await conn.execute(select(func.count()).select_from(results))).scalar_one()
        spans = (
            await conn.execute(select(outages.c.state, outages.c.started_at, outages.c.ended_at))
        ).all()
        moved = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    assert stored == 8
    assert tracks[flow.spec("flexo").id].state is MonitorState.DOWN
    assert tracks[flow.spec("amy").id].state is MonitorState.UP
    [(state, started_at, ended_at)] = spans
    assert state == "down"
    assert started_at.replace(tzinfo=started_at.tzinfo or UTC) == START
    assert ended_at is None
    assert moved == 2  # amy: unknown -> up; flexo: unknown -> down


async def test_an_outage_opens_one_incident_and_recovery_resolves_it_with_the_window(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine)
    await flow.minute(amy=True, flexo=True)
    for _ in range(5):
        await flow.minute(amy=True, flexo=False)
    async with engine.connect() as conn:
        during = await read_public_state(conn, "default", flow.clock.now())
    [incident] = during.open_incidents
    assert incident.name == "flexo is unavailable"
    assert incident.impact is IncidentImpact.CRITICAL
    assert incident.started_at == START + timedelta(minutes=1)
    flexo = next(c for c in during.components if c.name == "flexo")
    group = next(c for c in during.components if c.name == "Web servers")
    assert flexo.status is ComponentStatus.MAJOR_OUTAGE
    assert group.status is ComponentStatus.PARTIAL_OUTAGE
    assert during.indicator is PageIndicator.CRITICAL

    await flow.minute(flexo=True)
    await flow.minute(flexo=True)
    async with engine.connect() as conn:
        after = await read_public_state(conn, "default", flow.clock.now())
    assert after.open_incidents == ()
    [resolved] = after.recent_incidents
    assert resolved.id == incident.id
    assert resolved.status is IncidentStatus.RESOLVED
    assert resolved.resolved_at == START + timedelta(minutes=6)
    assert "16:01–16:06 UTC, 5 minutes" in resolved.updates[0].body
    assert [u.status for u in resolved.updates] == [
        IncidentStatus.RESOLVED,
        IncidentStatus.INVESTIGATING,
    ]
    assert after.indicator is PageIndicator.NONE


async def test_a_slow_then_dead_component_gets_one_incident_that_escalates(
    engine: AsyncEngine,
) -> None:
    text = CONFIG.replace(
        "component: flexo, interval: 1m}",
        "component: flexo, interval: 1m, degraded_latency: 500ms}",
    )
    flow = await pipeline(engine, text)
    await flow.minute(flexo=True)
    for _ in range(3):
        await flow.feed("flexo", ok=True, latency_ms=900)
        flow.clock.advance(timedelta(minutes=1))
    for _ in range(3):
        await flow.minute(flexo=False)
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    [incident] = state.open_incidents
    assert incident.impact is IncidentImpact.CRITICAL
    assert incident.name == "Degraded performance of flexo"
    assert len(incident.updates) == 2


async def test_a_restart_replays_nothing_twice(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    for _ in range(3):
        await flow.minute(flexo=False)
    again = await pipeline(engine)
    assert await again.status.process_pending() == 0
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    assert len(state.open_incidents) == 1


async def test_uptime_bars_come_from_outage_intervals(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    async with engine.begin() as conn:
        await conn.execute(monitors.update().values(created_at=START - timedelta(days=3)))
    await flow.minute(flexo=True)
    for _ in range(10):
        await flow.minute(flexo=False)
    await flow.minute(flexo=True)
    await flow.minute(flexo=True)
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", START + timedelta(hours=4))
    flexo = next(c for c in state.components if c.name == "flexo")
    today = flexo.days[-1]
    assert len(flexo.days) == 90
    assert today.down_seconds == 10 * 60  # first failure 16:01 to first good answer 16:11
    assert today.uptime is not None
    assert abs(today.uptime - (1 - 600 / (20 * 3600))) < 1e-9
    assert flexo.days[-2].uptime == 1.0
    assert today.incident_names == ("flexo is unavailable",)
    assert flexo.days[-5].uptime is None
    group = next(c for c in state.components if c.is_group)
    assert group.days[-1].down_seconds == 10 * 60


async def test_a_retry_interval_reaches_the_engine(engine: AsyncEngine) -> None:
    text = CONFIG.replace(
        "component: flexo, interval: 1m", "component: flexo, interval: 1m,\n    retry_interval: 15s"
    )
    async with engine.begin() as conn:
        await sync_config(conn, config(text), START)
        specs = {s.name: s for s in await load_specs(conn)}
    assert specs["flexo http"].retry_interval == timedelta(seconds=15)
    assert specs["amy http"].retry_interval is None
