"""A small stand-in for the server's probe API, on loopback, for testing the agent.

It speaks the contract of hiccup.probe.wire (validating with the same models), stores what it
is sent (unique by monitor and time, as the real server), and can be told to answer 503, to
refuse batches, or be stopped and started again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import itertools
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from pydantic import ValidationError

from hiccup.core.backoff import RetryPolicy
from hiccup.probe.agent import Agent, AgentSettings
from hiccup.probe.wire import (
    ASSIGNMENTS_PATH,
    RESULTS_PATH,
    AssignedMonitor,
    Assignments,
    BatchReceipt,
    ProbeResult,
    ResultBatch,
)
from tests.support.targets import HttpTarget, reserve_port

TOKEN = "hcp_probe_testtoken"
REGION = "eu"
# Short waits so tests see several tries in seconds; the shape is the production one.
FAST_RETRY = RetryPolicy(base=timedelta(seconds=0.2), cap=timedelta(seconds=0.8))


def http_monitor(monitor_id: str, url: str, interval: float) -> AssignedMonitor:
    return AssignedMonitor(
        id=monitor_id, name=monitor_id, kind="http", target=url, interval_s=interval, timeout_s=2
    )


def tcp_monitor(monitor_id: str, address: str, interval: float) -> AssignedMonitor:
    return AssignedMonitor(
        id=monitor_id, name=monitor_id, kind="tcp", target=address, interval_s=interval, timeout_s=2
    )


@dataclass
class Post:
    at: float  # time.monotonic() when it arrived
    status: int
    results: list[ProbeResult]


@dataclass
class ProbeServer:
    monitors: list[AssignedMonitor] = field(default_factory=list)
    port: int = 0
    poll_seconds: float = 30.0
    unavailable: bool = False  # answer 503 to every call
    uploads_unavailable: bool = False  # answer 503 to uploads only
    refuse: Callable[[ResultBatch], bool] = lambda _batch: False  # answer 422 when True
    results: dict[tuple[str, str], ProbeResult] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)  # time.monotonic() of each GET
    dropped: int = 0  # as the agent reported
    _last_batch: list[ProbeResult] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.port = self.port or reserve_port()
        app = web.Application()
        app.router.add_get(ASSIGNMENTS_PATH, self._assignments)
        app.router.add_post(RESULTS_PATH, self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stored(self, monitor_id: str) -> list[ProbeResult]:
        """What this server holds for one monitor, by time."""
        found = [r for (mid, _), r in self.results.items() if mid == monitor_id]
        return sorted(found, key=lambda result: result.at)

    async def wait_for(self, monitor_id: str, count: int, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while len(self.stored(monitor_id)) < count:
            assert time.monotonic() < deadline, f"{len(self.stored(monitor_id))} < {count}"
            await asyncio.sleep(0.05)

    def _refused(self, request: web.Request) -> web.Response | None:
        if self.unavailable:
            return _error(503, "unavailable", "restarting")
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "unauthenticated", "not a probe token, or revoked")
        if request.query.get("region") != REGION:
            return _error(422, "validation_failed", "region: unknown")
        return None

    async def _assignments(self, request: web.Request) -> web.StreamResponse:
        self.polls.append(time.monotonic())
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = Assignments(
            probe="eu-1", region=REGION, poll_seconds=self.poll_seconds, monitors=self.monitors
        ).model_dump_json()
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/json", headers={"ETag": etag})

    async def _upload(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is None and self.uploads_unavailable:
            refused = _error(503, "unavailable", "restarting")
        if refused is None:
            refused = self._store(await request.read())
        self.posts.append(Post(time.monotonic(), refused.status, self._last_batch))
        return refused

    def _store(self, raw: bytes) -> web.Response:
        self._last_batch = []
        try:
            batch = ResultBatch.model_validate_json(raw)
        except ValidationError as error:
            return _error(422, "validation_failed", str(error.errors()[0]["msg"]))
        self._last_batch = batch.results
        if self.refuse(batch):
            return _error(422, "validation_failed", "results.0.monitor_id: refused by the test")
        fresh = 0
        for result in batch.results:
            key = (result.monitor_id, result.at.isoformat())
            fresh += key not in self.results
            self.results[key] = result
        self.dropped += batch.dropped
        receipt = BatchReceipt(
            accepted=fresh, duplicates=len(batch.results) - fresh, ignored=0
        ).model_dump_json()
        return web.Response(body=receipt, content_type="application/json")


def _error(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return web.json_response(body, status=status)


def largest_gap(results: list[ProbeResult]) -> timedelta:
    """The longest time between two consecutive results (by `at`)."""
    times = sorted(result.at for result in results)
    return max((b - a for a, b in itertools.pairwise(times)), default=timedelta(0))


@dataclass
class CountingTarget(HttpTarget):
    """An HttpTarget that counts the requests it answered (one per check run)."""

    hits: int = 0

    async def _hello(self, request: web.Request) -> web.Response:
        self.hits += 1
        return await super()._hello(request)


def agent_settings(buffer_dir: Path, *servers: str, **overrides: object) -> AgentSettings:
    settings = AgentSettings(
        servers=list(servers),
        token=TOKEN,
        region=REGION,
        buffer_dir=buffer_dir,
        retry=FAST_RETRY,
        send_every=0.3,
        flush_every=0.1,
        request_timeout=3.0,
    )
    return dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(
    settings: AgentSettings, rng: random.Random | None = None
) -> AsyncIterator[Agent]:
    """An agent running in this loop until the block ends (then stopped as by SIGTERM)."""
    agent = Agent(settings, rng=rng)
    task = asyncio.create_task(agent.run())
    try:
        yield agent
    finally:
        agent.stop()
        await asyncio.wait_for(task, 10)
