"""A batch the server refuses (422) is dropped and counted, never retried, never in the way."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hiccup.probe.wire import ResultBatch
from tests.support.probe_server import ProbeServer, agent_settings, http_monitor, running
from tests.support.targets import HttpTarget


async def test_a_refused_batch_is_dropped_and_the_next_ones_go_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = HttpTarget()
    await target.start()
    refused: list[ResultBatch] = []

    def refuse_the_first(batch: ResultBatch) -> bool:
        if refused or not batch.results:
            return False
        refused.append(batch)
        return True

    server = ProbeServer(monitors=[http_monitor("web", target.url, 0.2)], refuse=refuse_the_first)
    await server.start()
    try:
        async with running(agent_settings(tmp_path, server.url)) as agent:
            await server.wait_for("web", 5)
            assert agent.refused == len(refused[0].results)
            assert agent.reconnect.attempts == 0  # a refusal is an answer, not an outage
    finally:
        await server.stop()
        await target.stop()
    assert [post.status for post in server.posts].count(422) == 1  # never sent again
    refused_times = {result.at for result in refused[0].results}
    assert not refused_times & {result.at for result in server.stored("web")}
    assert max(refused_times) < min(result.at for result in server.stored("web"))
    assert any(
        record.levelno == logging.ERROR and "refused a batch" in record.getMessage()
        for record in caplog.records
    )


async def test_a_refused_token_keeps_the_results_and_keeps_trying(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = ProbeServer(monitors=[http_monitor("web", "http://127.0.0.1:9/", 0.2)])
    await server.start()
    try:
        # Assignments known from an earlier run; then the token was revoked.
        async with running(agent_settings(tmp_path, server.url)):
            await server.wait_for("web", 1)
        async with running(
            agent_settings(tmp_path, server.url, token="hcp_probe_revoked")
        ) as agent:
            await asyncio.sleep(1.5)
            assert agent.spool.backlog() >= 3  # still checking, nothing thrown away
            assert agent.refused == 0
            assert agent.reconnect.attempts >= 2  # backing off, not hammering
    finally:
        await server.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("server refuses this probe's token" in message for message in errors), errors
