"""A restarted agent resumes from its buffer directory: the last assignments and the results."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tests.support.probe_server import (
    CountingTarget,
    ProbeServer,
    agent_settings,
    http_monitor,
    running,
)

INTERVAL = 0.25


async def test_an_agent_restarted_without_its_server_checks_and_uploads_later(
    tmp_path: Path,
) -> None:
    target = CountingTarget()
    await target.start()
    server = ProbeServer(monitors=[http_monitor("web", target.url, INTERVAL)])
    await server.start()
    settings = agent_settings(tmp_path, server.url)
    try:
        async with running(settings):
            await server.wait_for("web", 2)
        await server.stop()
        first_run = target.hits
        # Restarted while the server is away: the last known assignments are on disk.
        async with running(settings) as offline:
            await asyncio.sleep(1.5)
        checked, offline_end = target.hits, datetime.now(UTC)
        assert checked - first_run >= 3
        assert offline.uploaded == 0
        await server.start()
        async with running(settings):
            await server.wait_for("web", checked - 2, within=10)
    finally:
        await server.stop()
        await target.stop()
    stored = [result for result in server.stored("web") if result.at < offline_end]
    # Every check the target answered is stored, except at most one cut short per stop.
    assert checked - 2 <= len(stored) <= checked
