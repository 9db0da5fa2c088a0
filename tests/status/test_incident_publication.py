"""Public incidents by policy: an outage goes public only once it lasted `publish_after`,
at that deadline even when no result arrives; a blip opens none; `manual` opens none."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hiccup.core.public import PublicState
from hiccup.core.status import ComponentStatus
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from tests.support.store_helpers import CONFIG, START, Pipeline, pipeline

# flexo's monitor confirms at its 3rd failure, two minutes after the outage began.
FIVE_MINUTES = CONFIG.replace("publish_after: 0s", "publish_after: 5m")


async def _state(flow: Pipeline) -> PublicState:
    async with flow.engine.connect() as conn:
        return await read_public_state(conn, "default", flow.clock.now())


def _flexo(state: PublicState) -> ComponentStatus:
    return next(c.status for c in state.components if c.name == "flexo")


async def test_a_blip_shorter_than_publish_after_shows_in_status_but_opens_no_incident(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine, FIVE_MINUTES)
    for _ in range(3):
        await flow.minute(flexo=False)
    during = await _state(flow)
    assert _flexo(during) is ComponentStatus.MAJOR_OUTAGE
    assert during.open_incidents == ()
    for _ in range(2):
        await flow.minute(flexo=True)
    flow.clock.advance(timedelta(hours=1))
    await flow.status.process_pending()
    after = await _state(flow)
    assert _flexo(after) is ComponentStatus.OPERATIONAL
    assert (after.open_incidents, after.recent_incidents) == ((), ())


async def test_an_outage_reaching_publish_after_opens_its_incident_with_no_new_result(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine, FIVE_MINUTES)
    for _ in range(3):
        await flow.minute(flexo=False)
    flow.clock.advance(timedelta(minutes=1, seconds=59))  # 4:59 after the first failure
    await flow.status.process_pending()
    assert (await _state(flow)).open_incidents == ()
    flow.clock.advance(timedelta(seconds=1))
    assert await flow.status.process_pending() == 1
    [incident] = (await _state(flow)).open_incidents
    assert incident.name == "flexo is unavailable"
    assert incident.started_at == START
    assert "since 16:00 UTC" in incident.updates[0].body
    await flow.status.process_pending()
    assert len((await _state(flow)).open_incidents) == 1


async def test_a_published_outage_resolves_as_before(engine: AsyncEngine) -> None:
    flow = await pipeline(engine, FIVE_MINUTES)
    for _ in range(6):
        await flow.minute(flexo=False)
    for _ in range(2):
        await flow.minute(flexo=True)
    after = await _state(flow)
    [resolved] = after.recent_incidents
    assert "16:00–16:06 UTC, 6 minutes" in resolved.updates[0].body


async def test_slow_then_down_is_one_outage_dated_from_when_it_got_slow(
    engine: AsyncEngine,
) -> None:
    text = FIVE_MINUTES.replace(
        "component: flexo, interval: 1m}", "component: flexo, interval: 1m, degraded_latency: 1s}"
    )
    flow = await pipeline(engine, text)
    for _ in range(3):
        await flow.feed("flexo", ok=True, latency_ms=5000)
        flow.clock.advance(timedelta(minutes=1))
    for _ in range(3):
        await flow.minute(flexo=False)
    [incident] = (await _state(flow)).open_incidents
    assert incident.started_at == START
    assert incident.name == "flexo is unavailable"


async def test_a_component_set_to_manual_never_opens_an_incident(engine: AsyncEngine) -> None:
    flow = await pipeline(
        engine, FIVE_MINUTES.replace("- name: flexo", "- {name: flexo, incidents: manual}")
    )
    for _ in range(10):
        await flow.minute(flexo=False)
    state = await _state(flow)
    assert _flexo(state) is ComponentStatus.MAJOR_OUTAGE
    assert state.open_incidents == ()


async def test_a_component_publish_after_overrides_the_page(engine: AsyncEngine) -> None:
    text = FIVE_MINUTES.replace("- name: flexo", "- {name: flexo, publish_after: 1h}")
    flow = await pipeline(engine, text)
    for _ in range(30):
        await flow.minute(flexo=False)
    assert (await _state(flow)).open_incidents == ()


async def test_two_servers_at_the_deadline_open_one_incident(engine: AsyncEngine) -> None:
    flow = await pipeline(engine, FIVE_MINUTES)
    for _ in range(3):
        await flow.minute(flexo=False)
    other = StatusService(engine, flow.clock, lambda: None)
    flow.clock.advance(timedelta(minutes=2))
    opened = await asyncio.gather(flow.status.process_pending(), other.process_pending())
    assert sorted(opened) == [0, 1]
    assert len((await _state(flow)).open_incidents) == 1
