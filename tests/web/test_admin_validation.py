"""Bad input: the UI shows each message beside its field, the API names each field in a 4xx
body, and nothing is half-saved."""

from __future__ import annotations

from sqlalchemy import func, select

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import incidents, monitors
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    component_ids,
    csrf_of,
    log_in,
    running,
)


async def _count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_the_monitor_form_shows_each_error_beside_its_field(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        form = {
            "csrf_token": await csrf_of(client),
            "name": "amy web",
            "kind": "http",
            "target": "https://amy.example/",
            "interval_s": "200ms",
            "timeout_s": "5s",
            "options.http.expected_status": "two hundred",
            "failure_threshold": "3",
            "success_threshold": "2",
            "component_id": "",
            "tags": "web",
        }
        answer = await client.post("/admin/monitors/new", data=form)
        assert answer.status_code == 422
        assert 'id="err-options.expected_status"' in answer.text
        assert "whole numbers separated by commas" in answer.text
        form["options.http.expected_status"] = "200, 204"
        answer = await client.post("/admin/monitors/new", data=form)
        assert answer.status_code == 422
        assert 'id="err-interval_s"' in answer.text
        assert 'aria-invalid="true" aria-describedby="err-interval_s"' in answer.text
        assert 'value="amy web"' in answer.text  # what was typed stays in the form
        assert await _count(engine, monitors) == 0


async def test_the_api_names_every_bad_field(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}
        answer = await client.post(
            "/api/v1/monitors",
            headers=headers,
            json={"name": "", "kind": "tcp", "interval_s": 0, "surprise": 1},
        )
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert error["code"] == "validation_failed"
        assert {"name", "interval_s", "surprise"} <= set(error["fields"])
        unknown = await client.post(
            "/api/v1/monitors",
            headers=headers,
            json={"name": "x", "kind": "tcp", "target": "127.0.0.1:1", "component_id": "nope"},
        )
        assert unknown.status_code == 422
        assert unknown.json()["error"]["fields"] == {"component_id": "no such component"}
        assert await _count(engine, monitors) == 0


async def test_an_incident_with_one_bad_component_is_not_opened_at_all(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.WRITE])}"}
        ids = await component_ids(engine)
        answer = await client.post(
            "/api/v1/incidents",
            headers=headers,
            json={
                "name": "503s",
                "message": "Looking.",
                "components": [
                    {"component_id": ids["amy"], "status": "major_outage"},
                    {"component_id": "nosuchthing1", "status": "major_outage"},
                ],
            },
        )
        assert answer.status_code == 422
        assert "components.1.component_id" in answer.json()["error"]["fields"]
        assert await _count(engine, incidents) == 0


async def test_moving_a_resolved_incident_back_is_a_conflict(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.WRITE])}"}
        opened = await client.post(
            "/api/v1/incidents",
            headers=headers,
            json={"name": "x", "message": "y", "notify": False},
        )
        path = f"/api/v1/incidents/{opened.json()['id']}/updates"
        done = {"status": "resolved", "message": "fixed", "notify": False}
        assert (await client.post(path, headers=headers, json=done)).status_code == 201
        back = {"status": "investigating", "message": "again?", "notify": False}
        answer = await client.post(path, headers=headers, json=back)
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "invalid_transition"
