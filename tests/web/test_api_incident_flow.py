"""An operator runs an incident from first report to postmortem through the REST API, and
each step shows on the public page and in the audit log."""

from __future__ import annotations

import asyncio

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_token, add_user, client_for, component_ids, running


async def test_it_runs_an_incident_from_first_report_to_postmortem(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        editor = await add_user(engine, "ed", Role.EDITOR)
        headers = {"authorization": f"Bearer {await add_token(engine, editor, [Scope.WRITE])}"}
        ids = await component_ids(engine)
        opened = await client.post(
            "/api/v1/incidents",
            headers=headers,
            json={
                "name": "We are investigating 503s on amy, flexo and leela",
                "impact": "major",
                "message": "Some sites answer 503 after a cache purge.",
                "components": [
                    {"component_id": ids[k], "status": "partial_outage"}
                    for k in ("amy", "flexo", "leela")
                ],
                "notify": False,
            },
        )
        assert opened.status_code == 201, opened.text
        incident = opened.json()
        assert incident["status"] == "investigating"
        assert {c["name"] for c in incident["components"]} == {"amy", "flexo", "leela"}
        steps = [
            ("identified", "The purge left stale entries."),
            ("monitoring", "Caches rebuilt; watching."),
            ("resolved", "All sites answer normally again."),
        ]
        for status, message in steps:
            answer = await client.post(
                f"/api/v1/incidents/{incident['id']}/updates",
                headers=headers,
                json={"status": status, "message": message, "notify": False},
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["status"] == status
        written = await client.put(
            f"/api/v1/incidents/{incident['id']}/postmortem",
            headers=headers,
            json={"body": "## What happened\n\nA purge **emptied** every cache at once."},
        )
        assert written.status_code == 200, written.text
        assert written.json()["status"] == "postmortem"
        await hiccup.snapshots.rebuild()
        page = (await client.get("/")).text
        assert "We are investigating 503s on amy, flexo and leela" in page
        assert "emptied" in page
        summary = (await client.get("/api/v2/summary.json")).json()
        statuses = {c["name"]: c["status"] for c in summary["components"]}
        assert statuses == {"amy": "operational", "flexo": "operational", "leela": "operational"}


async def test_component_statuses_show_while_the_incident_is_open(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}
        ids = await component_ids(engine)
        opened = await client.post(
            "/api/v1/incidents",
            headers=headers,
            json={
                "name": "flexo is down",
                "message": "Investigating.",
                "components": [{"component_id": ids["flexo"], "status": "major_outage"}],
            },
        )
        assert opened.status_code == 201, opened.text
        await asyncio.sleep(0)
        await hiccup.snapshots.rebuild()
        summary = (await client.get("/api/v2/summary.json")).json()
        statuses = {c["name"]: c["status"] for c in summary["components"]}
        assert statuses["flexo"] == "major_outage"
        assert statuses["amy"] == "operational"
        audit = await client.get("/api/v1/audit", headers=headers)
        assert [e["action"] for e in audit.json()["items"]][:1] == ["incident.open"]
