"""The REST API takes times as ISO 8601 with an offset and nothing else (pydantic read 0, -1,
"99999999999" and 1e12 as seconds or milliseconds since 1970), answers every time with an
offset, and its OpenAPI document says so."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    component_ids,
    example_config,
    running,
)

CONFIG = """
page: {name: Example hosting, time_zone: Europe/Berlin}
components: [{name: flexo}]
monitors:
  - {name: backup, kind: heartbeat, period: 5m, grace: 1m, token: backup-token-0123456789}
"""
AMBIGUOUS = [0, -1, "99999999999", 1e12, "0", "2026-05-22T16:10:00", "2026-05-22", "yesterday"]


def _has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() is not None


@pytest.mark.parametrize("value", AMBIGUOUS)
async def test_an_incident_time_without_an_offset_is_refused(
    engine: AsyncEngine, value: Any
) -> None:
    async with running(engine, example_config(CONFIG)) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        body = {"name": "API down", "message": "Looking", "started_at": value}
        answer = await client.post("/api/v1/incidents", json=body, headers=headers)
        assert answer.status_code == 422
        assert "offset" in answer.json()["error"]["fields"]["started_at"]
        flexo = (await component_ids(engine))["flexo"]
        window = {"name": "Move", "components": [flexo], "start": value, "duration_s": 60}
        answer = await client.post("/api/v1/maintenance", json=window, headers=headers)
        assert answer.status_code == 422
        assert "start" in answer.json()["error"]["fields"]


async def test_every_time_the_api_answers_carries_an_offset(engine: AsyncEngine) -> None:
    async with running(engine, example_config(CONFIG)) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        assert (await client.get("/ping/backup-token-0123456789")).status_code == 200
        flexo = (await component_ids(engine))["flexo"]
        body = {"name": "API down", "message": "Looking", "started_at": "2026-05-22T18:10:00+02:00"}
        opened = (await client.post("/api/v1/incidents", json=body, headers=headers)).json()
        assert opened["started_at"] == "2026-05-22T16:10:00Z"
        window = {"name": "Move", "components": [flexo], "start": "2030-01-05T10:00:00Z"}
        made = await client.post(
            "/api/v1/maintenance", json=window | {"duration_s": 60}, headers=headers
        )
        assert made.json()["start_local"] == "2030-01-05T11:00:00+01:00"  # Berlin, in winter
        monitors = await _with_a_result(client, headers)
        times = list(_times(monitors))
        times += _times((await client.get("/api/v1/incidents", headers=headers)).json())
        times += _times((await client.get("/api/v1/maintenance", headers=headers)).json())
        times += _times((await client.get("/api/v1/tokens", headers=headers)).json())
        times += _times((await client.get("/api/v1/audit", headers=headers)).json())
    assert {"last_result_at", "started_at", "created_at", "start_local", "at"} <= {
        name for name, _ in times
    }
    assert [t for t in times if not _has_offset(t[1])] == []


async def _with_a_result(client: httpx.AsyncClient, headers: dict[str, str]) -> Any:
    for _ in range(100):  # the recorder writes within its flush second
        monitors = (await client.get("/api/v1/monitors", headers=headers)).json()
        if monitors["items"][0]["last_result_at"] is not None:
            return monitors
        await asyncio.sleep(0.05)
    raise AssertionError("no result recorded")


def _times(document: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and (
                key.endswith(("_at", "_for", "_until")) or key in ("at", "start_local")
            ):
                found.append((key, value))
            else:
                found += _times(value)
    elif isinstance(document, list):
        for item in document:
            found += _times(item)
    return found


async def test_the_openapi_document_says_every_time_is_iso_8601_with_an_offset(
    engine: AsyncEngine,
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        document = (await client.get("/api/v1/openapi.json")).json()
    times = list(_date_times(document))
    assert len(times) > 15
    for where, schema in times:
        assert "offset" in schema.get("description", ""), where


def _date_times(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            found.append((where, node))
        for key, value in node.items():
            found += _date_times(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _date_times(value, f"{where}/{index}")
    return found
