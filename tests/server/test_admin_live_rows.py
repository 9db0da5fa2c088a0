"""The console's live rows through a real server: /admin/live tells a signed-in operator's
page when a monitor changes state (a monitor with no component too, which changes nothing
public), the rows then read the new state; strangers and tokens are refused, HEAD ends, and
a stopping server ends the stream. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from hiccup.auth.roles import Role, Scope
from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from tests.server.test_outage_end_to_end import eventually
from tests.support.admin_helpers import add_token, add_user, log_in
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget

CONFIG = """\
page: {{name: Flexo Hosting}}
monitors:
  - {{name: backoffice, kind: http, target: "{url}", interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
"""


@dataclass
class Console:
    hiccup: Hiccup
    client: httpx.AsyncClient  # signed in as an owner
    target: HttpTarget
    engine: AsyncEngine
    token: str


@pytest.fixture
async def console(engine: AsyncEngine) -> AsyncIterator[Console]:
    target = HttpTarget()
    await target.start()
    config = parse_config(CONFIG.format(url=target.url), Path("live.yaml"))
    hiccup = Hiccup(engine, config, settings=Settings(flush_seconds=0.1))
    server = uvicorn.Server(
        uvicorn.Config(hiccup.app(), host="127.0.0.1", port=0, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server))
    owner = await add_user(engine, "olga", Role.OWNER)
    token = await add_token(engine, owner, [Scope.ADMIN])
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await log_in(client, "olga")).status_code == 303
        yield Console(hiccup, client, target, engine, token)
    hiccup.monitor_changes.close()  # as `serve` does on SIGTERM: no stream holds the exit
    server.should_exit = True
    await serving
    await target.stop()


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


class Events:
    """The events of an open stream, one at a time (comments, the heartbeats, skipped)."""

    def __init__(self, answer: httpx.Response) -> None:
        self._lines = answer.aiter_lines()

    async def next(self, seconds: float = 20.0) -> tuple[str, dict[str, int]]:
        name, data = "", ""
        async with asyncio.timeout(seconds):
            async for line in self._lines:
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif line == "" and name:
                    return name, json.loads(data)
        raise EOFError("the stream ended")


async def _row_shows(console: Console, state: str) -> bool:
    table = await console.client.get("/admin/monitors/table", headers={"hx-request": "true"})
    return f'class="state state-{state}"' in table.text


async def test_a_monitor_going_down_and_up_is_told_to_the_open_console(
    console: Console,
) -> None:
    await eventually(lambda: answered(console.engine, "backoffice"))
    async with console.client.stream("GET", "/admin/live") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        events = Events(answer)
        name, hello = await events.next()
        assert name == "hello"
        await console.target.stop()
        name, moved = await events.next()
        assert name == "monitors"
        assert moved["version"] > hello["version"]
        # Told once the state is stored: the rows read "down" as soon as they refetch.
        assert await _row_shows(console, "down")
        await console.target.start()
        assert (await events.next())[0] == "monitors"
        assert await _row_shows(console, "up")


async def test_only_a_signed_in_person_may_listen(console: Console) -> None:
    base = str(console.client.base_url)
    async with httpx.AsyncClient(base_url=base) as stranger:
        assert (await stranger.get("/admin/live")).status_code == 401
        bearer = {"authorization": f"Bearer {console.token}"}
        # Tokens are for the API: the console's stream is for people with sessions.
        assert (await stranger.get("/admin/live", headers=bearer)).status_code == 401
    head = await console.client.head("/admin/live")
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    assert head.content == b""


async def test_a_stopping_server_ends_the_streams_and_turns_new_ones_away(
    console: Console,
) -> None:
    async with console.client.stream("GET", "/admin/live") as answer:
        events = Events(answer)
        assert (await events.next())[0] == "hello"
        console.hiccup.monitor_changes.close()
        with pytest.raises(EOFError):
            await events.next(seconds=5)
    refused = await console.client.get("/admin/live")
    assert refused.status_code == 503
    assert 30 <= int(refused.headers["retry-after"]) <= 120


async def test_past_the_cap_a_console_is_told_to_poll(console: Console) -> None:
    console.hiccup.admin.live.limit = 1
    async with console.client.stream("GET", "/admin/live") as first:
        # Held in a name: a line reader dropped closes the stream with it.
        events = Events(first)
        assert (await events.next())[0] == "hello"
        second = await console.client.get("/admin/live")
        assert second.status_code == 503
        assert 30 <= int(second.headers["retry-after"]) <= 120
    # The first one left: there is room again.
    async with console.client.stream("GET", "/admin/live") as third:
        assert third.status_code == 200
