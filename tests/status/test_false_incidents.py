"""An operator marks an automatic incident false (a probe fault, a misconfigured monitor): it
and the outages behind it leave the public page, history and uptime; the audit log keeps it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hiccup.auth.roles import Role, Scope
from hiccup.core.public import PublicState
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from hiccup.store.tables import incidents
from hiccup.store.tables_notify import notify_messages
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    log_in,
    prepared,
    session_csrf,
)
from tests.support.store_helpers import CONFIG, START, Pipeline, config, pipeline


async def _state(flow: Pipeline) -> PublicState:
    async with flow.engine.connect() as conn:
        return await read_public_state(conn, "default", flow.clock.now())


def _flexo_down_seconds(state: PublicState) -> int:
    flexo = next(c for c in state.components if c.name == "flexo")
    return sum(d.down_seconds for d in flexo.days if d.day == START.date())


async def _incident_id(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(select(incidents.c.id))).scalar_one())


async def _messages(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(notify_messages)
        return int((await conn.execute(query)).scalar_one())


async def _headers(engine: AsyncEngine) -> dict[str, str]:
    owner = await add_user(engine, "olga", Role.OWNER)
    return {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}


async def test_a_false_incident_leaves_the_page_history_and_uptime(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    for _ in range(4):
        await flow.minute(flexo=False)
    for _ in range(2):
        await flow.minute(flexo=True)
    before = await _state(flow)
    assert len(before.recent_incidents) == 1
    assert _flexo_down_seconds(before) == 240
    incident_id = await _incident_id(engine)
    async with prepared(engine, config()) as hiccup, client_for(hiccup) as client:
        headers = await _headers(engine)
        marked = await client.post(
            f"/api/v1/incidents/{incident_id}/false",
            headers=headers,
            json={"reason": "the probe lost its network"},
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["false_at"] is not None
        again = await client.post(
            f"/api/v1/incidents/{incident_id}/false", headers=headers, json={}
        )
        assert again.status_code == 200
        audit = (await client.get("/api/v1/audit", headers=headers)).json()["items"]
        assert [e["action"] for e in audit].count("incident.false") == 1
        assert "the probe lost its network" in audit[0]["summary"]
        kept = await client.get(f"/api/v1/incidents/{incident_id}", headers=headers)
        assert kept.json()["name"] == "flexo is unavailable"
    after = await _state(flow)
    assert after.recent_incidents == ()
    assert _flexo_down_seconds(after) == 0


async def test_an_open_false_incident_is_resolved_without_telling_anyone(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine)
    for _ in range(4):
        await flow.minute(flexo=False)
    incident_id = await _incident_id(engine)
    told = await _messages(engine)
    async with prepared(engine, config()) as hiccup, client_for(hiccup) as client:
        marked = await client.post(
            f"/api/v1/incidents/{incident_id}/false", headers=await _headers(engine), json={}
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["status"] == "resolved"
    assert await _messages(engine) == told
    for _ in range(3):
        await flow.minute(flexo=False)
    flow.clock.advance(timedelta(hours=1))
    await flow.status.process_pending()
    state = await _state(flow)
    assert (state.open_incidents, state.recent_incidents) == ((), ())


async def test_only_automatic_incidents_can_be_marked_false(engine: AsyncEngine) -> None:
    async with prepared(engine, config()) as hiccup, client_for(hiccup) as client:
        headers = await _headers(engine)
        opened = await client.post(
            "/api/v1/incidents",
            headers=headers,
            json={"name": "Planned DNS move", "message": "Moving.", "notify": False},
        )
        manual = opened.json()["id"]
        refused = await client.post(f"/api/v1/incidents/{manual}/false", headers=headers, json={})
        assert refused.status_code == 409
        missing = await client.post("/api/v1/incidents/nope/false", headers=headers, json={})
        assert missing.status_code == 404


async def test_an_editor_marks_it_false_from_the_admin(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    for _ in range(4):
        await flow.minute(flexo=False)
    incident_id = await _incident_id(engine)
    async with prepared(engine, config()) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await add_user(engine, "ed", Role.EDITOR)
        assert (await log_in(client, "ed")).status_code == 303
        page = (await client.get(f"/admin/incidents/{incident_id}")).text
        assert "Not a real outage?" in page
        answer = await client.post(
            f"/admin/incidents/{incident_id}/false",
            data={"reason": "typo in the target", "csrf_token": session_csrf(page)},
        )
        assert answer.status_code == 303
        shown = (await client.get(f"/admin/incidents/{incident_id}")).text
        assert "Marked false" in shown
        assert "Not a real outage?" not in shown
    assert (await _state(flow)).open_incidents == ()


async def test_a_blip_that_was_no_outage_leaves_the_uptime_bars(engine: AsyncEngine) -> None:
    flow = await pipeline(engine, CONFIG.replace("publish_after: 0s", "publish_after: 1h"))
    for _ in range(3):
        await flow.minute(flexo=False)
    for _ in range(2):
        await flow.minute(flexo=True)
    assert _flexo_down_seconds(await _state(flow)) == 180
    async with prepared(engine, config()) as hiccup, client_for(hiccup) as client:
        headers = await _headers(engine)
        flexo = next(s.id for s in flow.specs.values() if s.name == "flexo http")
        listed = await client.get(f"/api/v1/monitors/{flexo}/outages", headers=headers)
        [outage] = listed.json()
        assert (outage["state"], outage["false_at"]) == ("down", None)
        marked = await client.post(
            f"/api/v1/outages/{outage['id']}/false", headers=headers, json={"reason": "probe"}
        )
        assert marked.status_code == 204, marked.text
        listed = await client.get(f"/api/v1/monitors/{flexo}/outages", headers=headers)
        assert listed.json()[0]["false_at"] is not None
        missing = await client.post("/api/v1/outages/999999/false", headers=headers, json={})
        assert missing.status_code == 404
        audit = (await client.get("/api/v1/audit", headers=headers)).json()["items"]
        assert audit[0]["action"] == "outage.false"
    assert _flexo_down_seconds(await _state(flow)) == 0
