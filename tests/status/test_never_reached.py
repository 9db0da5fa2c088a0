"""A monitor whose check never answered since it was created or its kind or target changed
alerts the operator ("never reached: check the target") but opens no public incident, does
not move the component and costs no public uptime, until it has answered once. On SQLite and
PostgreSQL, with the manual clock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hiccup.core.status import ComponentStatus
from hiccup.engine.recorder import Recorder
from hiccup.notify.sync import sync_notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.page_figures import read_figures
from hiccup.store.public_read import read_public_state
from hiccup.store.sync import sync_config
from hiccup.store.tables import outages, pages
from hiccup.store.tables_notify import notify_messages
from tests.support.store_helpers import CONFIG, Pipeline, config, pipeline

ALERTS = (
    "notifications:\n"
    "  channels: [{key: ops, kind: webhook, url: 'http://127.0.0.1:9/hook'}]\n"
    "  alerts: [{key: page-ops, channels: [ops], on: [down, recovery]}]\n"
)
TEXT = CONFIG + ALERTS


async def _fresh(engine: AsyncEngine, text: str = TEXT) -> Pipeline:
    flow = await pipeline(engine, text, reached=False)  # monitors just created
    async with engine.begin() as conn:
        await sync_notifications(conn, config(text), flow.clock.now())
    return flow


async def _minutes(flow: Pipeline, ok: bool, count: int) -> None:
    for _ in range(count):
        await flow.minute(flexo=ok)


async def _flexo(flow: Pipeline) -> tuple[Any, ...]:
    """(component status, open incidents, today's down seconds, figures): what the public sees."""
    now = flow.clock.now()
    async with flow.engine.connect() as conn:
        state = await read_public_state(conn, "default", now)
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        figures = await read_figures(conn, page_id, now)
    flexo = next(c for c in state.components if c.name == "flexo")
    [figure] = [f for key, f in figures.values() if key == "flexo"]
    return flexo.status, len(state.open_incidents), flexo.days[-1].down_seconds, figure


async def _alerts(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(notify_messages.c.content))).scalars()
        return [c for c in rows if c.get("event") in ("down", "recovery")]


async def _outage_flags(engine: AsyncEngine) -> list[bool]:
    query = select(outages.c.before_reached).order_by(outages.c.id)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


async def test_a_monitor_never_reached_alerts_the_operator_only(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=False, count=10)
    status, incidents, down_seconds, figure = await _flexo(flow)
    assert status is ComponentStatus.OPERATIONAL  # publish_after is 0s: it would be public
    assert incidents == 0
    assert down_seconds == 0
    assert figure.uptime_over("24h") == 1.0  # the API's and the badges' figure too
    [alert] = await _alerts(engine)
    assert alert["headline"] == "NEVER REACHED: flexo http"
    assert alert["summary"] == (
        "flexo http was never reached: check the target (connection refused)"
    )
    assert await _outage_flags(engine) == [True]  # kept in the operator's history


async def test_once_it_answered_its_next_outage_is_public(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=False, count=5)
    await _minutes(flow, ok=True, count=3)  # the target was fixed, or it came up late
    await _minutes(flow, ok=False, count=5)
    status, incidents, down_seconds, figure = await _flexo(flow)
    assert status is ComponentStatus.MAJOR_OUTAGE
    assert incidents == 1
    assert down_seconds == 5 * 60  # only the second outage, from its first failed check
    assert figure.uptime_over("24h") < 1.0
    assert [a["headline"] for a in await _alerts(engine)] == [
        "NEVER REACHED: flexo http",
        "UP: flexo http",
        "DOWN: flexo http",
    ]
    assert await _outage_flags(engine) == [True, False]


async def test_a_restart_keeps_it_reached(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=True, count=2)
    # A new recorder from the stored tracks, as after a restart: flexo has answered before.
    async with engine.connect() as conn:
        flow.recorder = Recorder(engine, flow.clock, await load_tracks(conn), lambda: None)
    await _minutes(flow, ok=False, count=5)
    status, incidents, _, _ = await _flexo(flow)
    assert (status, incidents) == (ComponentStatus.MAJOR_OUTAGE, 1)


async def test_a_new_target_is_unreached_again(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=True, count=2)
    # A config reload gives flexo a new (mistyped) target; the others keep theirs.
    changed = TEXT.replace("http://127.0.0.1:2/", "http://127.0.0.1:20/")
    async with engine.begin() as conn:
        await sync_config(conn, config(changed), flow.clock.now())
        flow.specs = {s.id: s for s in await load_specs(conn)}
    await _minutes(flow, ok=False, count=5)
    status, incidents, down_seconds, _ = await _flexo(flow)
    assert (status, incidents, down_seconds) == (ComponentStatus.OPERATIONAL, 0, 0)
    assert (await _alerts(engine))[-1]["headline"] == "NEVER REACHED: flexo http"
    # amy kept its target, and its reach: its outage is public.
    for _ in range(3):
        await flow.minute(amy=True)
    for _ in range(3):
        await flow.minute(amy=False)
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    amy = next(c for c in state.components if c.name == "amy")
    assert amy.status is ComponentStatus.MAJOR_OUTAGE


async def test_a_new_target_after_a_restart_is_unreached_too(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=True, count=2)
    changed = TEXT.replace(
        'kind: http, target: "http://127.0.0.1:2/"', 'kind: tcp, target: "127.0.0.1:2"'
    )
    assert changed != TEXT
    async with engine.begin() as conn:
        await sync_config(conn, config(changed), flow.clock.now())
        flow.specs = {s.id: s for s in await load_specs(conn)}
        flow.recorder = Recorder(engine, flow.clock, await load_tracks(conn), lambda: None)
    await _minutes(flow, ok=False, count=5)
    status, incidents, _, _ = await _flexo(flow)
    assert (status, incidents) == (ComponentStatus.OPERATIONAL, 0)


async def test_a_restart_keeps_it_unreached(engine: AsyncEngine) -> None:
    flow = await _fresh(engine)
    await _minutes(flow, ok=False, count=2)  # failing, not yet confirmed
    async with engine.connect() as conn:
        flow.recorder = Recorder(engine, flow.clock, await load_tracks(conn), lambda: None)
    await _minutes(flow, ok=False, count=3)
    status, incidents, down_seconds, _ = await _flexo(flow)
    assert (status, incidents, down_seconds) == (ComponentStatus.OPERATIONAL, 0, 0)
    assert (await _alerts(engine))[-1]["headline"] == "NEVER REACHED: flexo http"
