"""A probe agent checks what it is assigned and uploads the results in order, paced."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.probe_server import (
    ProbeServer,
    agent_settings,
    http_monitor,
    largest_gap,
    running,
    tcp_monitor,
)
from tests.support.targets import HttpTarget, TcpTarget

INTERVAL = 0.3


@pytest.fixture
async def targets() -> AsyncIterator[tuple[HttpTarget, TcpTarget]]:
    web, tcp = HttpTarget(), TcpTarget()
    await web.start()
    await tcp.start()
    yield web, tcp
    await web.stop()
    await tcp.stop()


async def test_it_uploads_the_results_of_its_monitors_in_order(
    tmp_path: Path, targets: tuple[HttpTarget, TcpTarget]
) -> None:
    web, tcp = targets
    server = ProbeServer(
        monitors=[
            http_monitor("web", web.url, INTERVAL),
            tcp_monitor("smtp", tcp.address, INTERVAL),
        ]
    )
    await server.start()
    try:
        async with running(agent_settings(tmp_path, server.url)) as agent:
            await server.wait_for("web", 6)
            await server.wait_for("smtp", 6)
        assert agent.uploaded == len(server.results)
    finally:
        await server.stop()
    for monitor_id in ("web", "smtp"):
        stored = server.stored(monitor_id)
        assert all(result.ok for result in stored), stored
        assert largest_gap(stored) < timedelta(seconds=INTERVAL * 1.9)
    accepted = [post for post in server.posts if post.status == 200]
    for post in accepted:  # each batch oldest first
        assert [r.at for r in post.results] == sorted(r.at for r in post.results)
    # Paced: at most one partial batch per `send_every` (0.3 s), not a request per result.
    gaps = [b.at - a.at for a, b in itertools.pairwise(accepted)]
    assert min(gaps) > 0.25, gaps


async def test_it_follows_changed_assignments(
    tmp_path: Path, targets: tuple[HttpTarget, TcpTarget]
) -> None:
    web, tcp = targets
    server = ProbeServer(monitors=[http_monitor("web", web.url, INTERVAL)], poll_seconds=1)
    await server.start()
    try:
        async with running(agent_settings(tmp_path, server.url)):
            await server.wait_for("web", 2)
            server.monitors = [tcp_monitor("smtp", tcp.address, INTERVAL)]
            await server.wait_for("smtp", 2, within=5)
            web_count = len(server.stored("web"))
            await asyncio.sleep(1)
            assert len(server.stored("web")) <= web_count + 1  # one may have been in flight
    finally:
        await server.stop()
    assert len(server.polls) >= 2
