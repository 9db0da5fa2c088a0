"""With several --server URLs (no load balancer), a probe moves to the next one that answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support.probe_server import (
    ProbeServer,
    agent_settings,
    http_monitor,
    largest_gap,
    running,
)
from tests.support.targets import HttpTarget, reserve_port

INTERVAL = 0.3


async def test_it_fails_over_to_the_next_server_and_back(tmp_path: Path) -> None:
    target = HttpTarget()
    await target.start()
    monitors = [http_monitor("web", target.url, INTERVAL)]
    first = ProbeServer(monitors=monitors, port=reserve_port())  # not running yet
    second = ProbeServer(monitors=monitors)
    await second.start()
    try:
        async with running(agent_settings(tmp_path, first.url, second.url)):
            await second.wait_for("web", 3)
            await second.stop()
            await first.start()
            await first.wait_for("web", 3)
    finally:
        await first.stop()
        await second.stop()
        await target.stop()
    both = first.stored("web") + second.stored("web")
    assert len({result.at for result in both}) == len(both)  # each result stored once
    assert largest_gap(both) < timedelta(seconds=INTERVAL * 1.9)
    # Everything the second server had not acknowledged went to the first, oldest first.
    assert max(r.at for r in second.stored("web")) < min(r.at for r in first.stored("web"))
