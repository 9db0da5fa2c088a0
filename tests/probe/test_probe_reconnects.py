"""A probe that cannot reach its server tries again after doubling, jittered, capped waits."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hiccup.core.backoff import RetryPolicy
from tests.support.probe_server import ProbeServer, agent_settings, http_monitor, running

POLICY = RetryPolicy(base=timedelta(seconds=0.1), cap=timedelta(seconds=0.8))


class Ceiling(random.Random):
    """Always draws the top of the jitter range, so the schedule's bounds show in the timing."""

    def uniform(self, a: float, b: float) -> float:
        return b


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


async def test_retries_wait_longer_each_time_up_to_the_cap_and_start_over(
    tmp_path: Path,
) -> None:
    server = ProbeServer(monitors=[http_monitor("web", "http://127.0.0.1:9/", 0.2)])
    server.unavailable = True
    await server.start()
    settings = agent_settings(tmp_path, server.url, retry=POLICY)
    try:
        async with running(settings, rng=Ceiling()):
            await wait_until(lambda: len(server.polls) >= 6)
            gaps = [b - a for a, b in itertools.pairwise(server.polls[:6])]
            # The ceilings 0.1, 0.2, 0.4, 0.8, 0.8 are waited in full (never less), plus the
            # machine's own delays.
            for gap, ceiling in zip(gaps, [0.1, 0.2, 0.4, 0.8, 0.8], strict=True):
                assert ceiling * 0.9 <= gap < ceiling + 0.4, gaps
            server.unavailable = False
            await wait_until(lambda: len(server.polls) >= 7)
            await asyncio.sleep(0.1)  # the exchange that succeeded ends
            server.unavailable = True
            await wait_until(lambda: len(server.polls) >= 9)
            # After a success the schedule starts again from the first, short wait: not 0.8 s.
            assert server.polls[8] - server.polls[7] < 0.5, server.polls
    finally:
        await server.stop()


async def test_the_waits_are_drawn_at_random_below_the_ceiling(tmp_path: Path) -> None:
    server = ProbeServer(monitors=[], unavailable=True)
    await server.start()
    draws: list[tuple[float, float]] = []

    class Recording(random.Random):
        def uniform(self, a: float, b: float) -> float:
            draws.append((a, b))
            return super().uniform(a, b)

    try:
        async with running(agent_settings(tmp_path, server.url, retry=POLICY), rng=Recording(1)):
            await wait_until(lambda: len(draws) >= 6)
    finally:
        await server.stop()
    assert [low for low, _ in draws[:6]] == [0] * 6  # full jitter: from zero
    assert [high for _, high in draws[:6]] == [0.1, 0.2, 0.4, 0.8, 0.8, 0.8]
