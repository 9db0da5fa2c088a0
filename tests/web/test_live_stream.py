"""/live pushes a new snapshot's version to open pages, keeps quiet connections alive, and turns
readers away with 503 and Retry-After beyond its cap."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import httpx

from hiccup.core.status import ComponentStatus
from hiccup.snapshot.builder import SnapshotHolder, render_snapshot
from hiccup.web.public.serve import PublicServer
from tests.support.page_helpers import serving
from tests.support.site_fixtures import site_state


async def events(lines: httpx.Response, count: int) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []
    name = ""
    async for line in lines.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            found.append((name, json.loads(line.removeprefix("data: "))))
            if len(found) == count:
                return found
    return found


async def test_a_new_snapshot_reaches_an_open_stream() -> None:
    holder = SnapshotHolder()
    holder.publish(render_snapshot(site_state()))
    async with (
        serving(PublicServer(holder)) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        client.stream("GET", "/live") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        reading = asyncio.create_task(events(stream, 2))
        await asyncio.sleep(0.3)
        calmer = site_state(components=())
        holder.publish(render_snapshot(replace(calmer, page=calmer.page)))
        [(hello, first), (change, second)] = await asyncio.wait_for(reading, 10)
    assert (hello, change) == ("hello", "snapshot")
    assert first["version"] != second["version"]
    assert second["version"] == holder.current.version_of("acme")  # type: ignore[union-attr]


async def test_a_quiet_stream_gets_heartbeats() -> None:
    holder = SnapshotHolder()
    holder.publish(render_snapshot(site_state()))
    server = PublicServer(holder)
    server.live.heartbeat = 0.2
    async with (
        serving(server) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        client.stream("GET", "/live") as stream,
    ):
        seen: list[str] = []
        async with asyncio.timeout(10):
            async for line in stream.aiter_lines():
                seen.append(line)
                if sum(1 for s in seen if s.startswith(":")) >= 2:
                    break
    assert seen[0] == "event: hello"


async def test_beyond_the_cap_readers_get_503_with_retry_after() -> None:
    holder = SnapshotHolder()
    holder.publish(render_snapshot(site_state()))
    server = PublicServer(holder)
    server.live.limit = 1
    async with (
        serving(server) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        client.stream("GET", "/live") as first,
    ):
        assert first.status_code == 200
        busy = await client.get("/live")
        assert busy.status_code == 503
        assert 30 <= int(busy.headers["retry-after"]) <= 120
        page = await client.get("/")  # the page itself is unaffected
        assert page.status_code == 200
    assert server.live.open == 0


async def test_stream_ends_cleanly_when_the_reader_leaves() -> None:
    holder = SnapshotHolder()
    holder.publish(
        render_snapshot(
            site_state(
                components=(
                    replace(site_state().components[0], status=ComponentStatus.OPERATIONAL),
                )
            )
        )
    )
    server = PublicServer(holder)
    async with serving(server) as base:
        async with (
            httpx.AsyncClient(base_url=base, timeout=10) as client,
            client.stream("GET", "/live") as stream,
        ):
            await stream.aiter_lines().__anext__()
            assert server.live.open == 1
        async with asyncio.timeout(10):
            while server.live.open:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
