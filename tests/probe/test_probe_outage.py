"""Servers away: the probe keeps checking, buffers, then uploads everything with no hole."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.probe_server import (
    ProbeServer,
    agent_settings,
    http_monitor,
    largest_gap,
    running,
)
from tests.support.targets import HttpTarget

INTERVAL = 0.4
OUTAGE = 3.0


async def test_a_stopped_server_leaves_no_hole_in_the_history(
    tmp_path: Path, http_target: HttpTarget, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hiccup.probe")
    server = ProbeServer(monitors=[http_monitor("web", http_target.url, INTERVAL)])
    await server.start()
    try:
        async with running(agent_settings(tmp_path, server.url)) as agent:
            await server.wait_for("web", 2)
            before = len(server.stored("web"))
            await server.stop()  # connections refused from now on
            await asyncio.sleep(OUTAGE)
            assert agent.spool.backlog() >= OUTAGE / INTERVAL - 3  # kept checking, on disk
            await server.start()  # same port
            await server.wait_for("web", before + int(OUTAGE / INTERVAL) + 2, within=10)
    finally:
        await server.stop()
    stored = server.stored("web")
    assert largest_gap(stored) < timedelta(seconds=INTERVAL * 1.9)  # every slot is there
    assert all(result.ok for result in stored)
    messages = [record.getMessage() for record in caplog.records]
    assert sum(m.startswith("server unreachable") for m in messages) == 1, messages
    assert all("checks go on" in m for m in messages if "unreachable" in m)
    assert any(m.startswith("uploaded ") and "buffered results" in m for m in messages)
    assert sum(m.startswith("connected to") for m in messages) == 2  # at start, and back


async def test_a_server_answering_503_gets_the_results_once_it_recovers(
    tmp_path: Path, http_target: HttpTarget
) -> None:
    server = ProbeServer(monitors=[http_monitor("web", http_target.url, INTERVAL)])
    await server.start()
    try:
        async with running(agent_settings(tmp_path, server.url)):
            await server.wait_for("web", 1)
            server.unavailable = True
            await asyncio.sleep(2)
            server.unavailable = False
            await server.wait_for("web", int(2 / INTERVAL), within=10)
    finally:
        await server.stop()
    assert largest_gap(server.stored("web")) < timedelta(seconds=INTERVAL * 1.9)
    assert any(post.status == 503 for post in server.posts)
