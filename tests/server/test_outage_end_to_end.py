"""A real outage of a loopback target: detected, shown, told, and resolved with its window.

Runs the whole process (scheduler, checks, recorder, status service, snapshot, web server)
against real HTTP and TCP targets on loopback, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from hiccup.config.load import parse_config
from hiccup.core.timefmt import format_window
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget, TcpTarget

CONFIG = """\
page: {{name: Flexo Hosting, time_zone: UTC, publish_after: 0s}}
components:
  - name: Web servers
    key: web
    components:
      - name: amy
      - name: flexo
  - name: E-mail
    key: mail
monitors:
  - {{name: amy, kind: http, target: "{amy}", component: amy, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
  - {{name: flexo, kind: http, target: "{flexo}", component: flexo, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
  - {{name: smtp, kind: tcp, target: "{smtp}", component: mail, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
"""


@dataclass
class Running:
    client: httpx.AsyncClient
    flexo: HttpTarget
    smtp: TcpTarget
    engine: AsyncEngine

    async def answered(self, name: str) -> bool:
        return await answered(self.engine, name)

    async def summary(self) -> dict[str, Any]:
        response = await self.client.get("/api/v2/summary.json")
        assert response.status_code == 200
        document: dict[str, Any] = response.json()
        return document

    async def component(self, name: str) -> dict[str, Any]:
        return next(c for c in (await self.summary())["components"] if c["name"] == name)


async def eventually(probe: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    # Polling is the point: the test watches the public API as an outside reader would.
    async with asyncio.timeout(seconds):
        while not await probe():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


@pytest.fixture
async def running(engine: AsyncEngine) -> AsyncIterator[Running]:
    amy, flexo, smtp = HttpTarget(), HttpTarget(), TcpTarget()
    for target in (amy, flexo, smtp):
        await target.start()
    text = CONFIG.format(amy=amy.url, flexo=flexo.url, smtp=smtp.address)
    hiccup = Hiccup(
        engine, parse_config(text, Path("e2e.yaml")), settings=Settings(flush_seconds=0.1)
    )
    server = uvicorn.Server(
        uvicorn.Config(hiccup.app(), host="127.0.0.1", port=0, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server))
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        yield Running(client, flexo, smtp, engine)
    server.should_exit = True
    await serving
    for target in (amy, flexo, smtp):
        await target.stop()


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


async def _status_is(running: Running, name: str, status: str) -> bool:
    return bool((await running.component(name))["status"] == status)


async def test_an_http_outage_opens_and_resolves_one_incident(running: Running) -> None:
    await eventually(lambda: _status_is(running, "flexo", "operational"))
    await eventually(lambda: running.answered("flexo"))
    went_down = datetime.now(UTC)
    await running.flexo.stop()
    await eventually(lambda: _status_is(running, "flexo", "major_outage"))
    summary = await running.summary()
    [incident] = summary["incidents"]
    assert incident["name"] == "flexo is unavailable"
    assert incident["impact"] == "critical"
    assert summary["status"]["indicator"] == "critical"
    assert (await running.component("Web servers"))["status"] == "partial_outage"
    started = datetime.fromisoformat(incident["started_at"])
    assert went_down.replace(microsecond=0) <= started.replace(microsecond=0) + _slack()
    page = (await running.client.get("/")).text
    assert "flexo is unavailable" in page

    came_back = datetime.now(UTC)
    await running.flexo.start()
    await eventually(lambda: _status_is(running, "flexo", "operational"))
    resolved = await _only_incident(running)
    assert resolved["status"] == "resolved"
    ended = datetime.fromisoformat(resolved["resolved_at"])
    assert came_back - _slack() <= ended <= came_back + 2 * _slack()
    latest = resolved["incident_updates"][0]
    assert latest["status"] == "resolved"
    assert format_window(started, ended, "UTC") in latest["body"]
    assert (await running.summary())["incidents"] == []


async def test_a_tcp_outage_is_detected_and_recovers(running: Running) -> None:
    await eventually(lambda: _status_is(running, "E-mail", "operational"))
    await eventually(lambda: running.answered("smtp"))
    await running.smtp.stop()
    await eventually(lambda: _status_is(running, "E-mail", "major_outage"))
    [incident] = (await running.summary())["incidents"]
    assert incident["name"] == "E-mail is unavailable"
    await running.smtp.start()
    await eventually(lambda: _status_is(running, "E-mail", "operational"))
    assert (await _only_incident(running))["status"] == "resolved"


async def _only_incident(running: Running) -> dict[str, Any]:
    response = await running.client.get("/api/v2/incidents.json")
    [incident] = response.json()["incidents"]
    found: dict[str, Any] = incident
    return found


def _slack() -> timedelta:
    return timedelta(seconds=2)
