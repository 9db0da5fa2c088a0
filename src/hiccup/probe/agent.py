"""`hiccup probe`: run the checks the server assigns to this region, and push their results.

Three loops: the scheduler (the server's own, unchanged) runs the checks and hands each result
to the spool; the spool writes them to the disk buffer; the talker polls the assignments and
drains the buffer in batches. Only the talker needs the server, so a server outage stops
nothing but the uploads: checks go on with the last known assignments, results wait on disk
(bounded), and the talker comes back after a jittered backoff and sends them oldest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hiccup.checks.base import CheckResult
from hiccup.checks.registry import CheckSet, check_kinds, is_scheduled
from hiccup.core.backoff import Backoff, RetryPolicy
from hiccup.core.clock import Clock, SystemClock
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Scheduler
from hiccup.probe import lastknown
from hiccup.probe.buffer import Batch
from hiccup.probe.client import BatchRefused, ProbeClient, ServerUnavailable
from hiccup.probe.lastknown import LastKnown
from hiccup.probe.spool import Spool
from hiccup.probe.wire import (
    MAX_RESULTS_PER_BATCH,
    Assignments,
    ProbeResult,
    ResultBatch,
)

log = logging.getLogger(__name__)

MIN_POLL_SECONDS, MAX_POLL_SECONDS = 1.0, 3600.0  # whatever the server asks for
# Calling an unreachable server again: full jitter from 2 s doubling up to two minutes, so a
# server restart does not bring every probe back in the same second. A probe never gives up.
PROBE_RETRY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(minutes=2))


@dataclass(frozen=True, slots=True)
class AgentSettings:
    servers: list[str]
    token: str
    region: str
    buffer_dir: Path
    buffer_max_bytes: int = 64 * 2**20
    concurrency: int = 64
    retry: RetryPolicy = PROBE_RETRY
    send_every: float = 1.0  # at most one partial batch per this many seconds
    flush_every: float = 0.25  # results reach the disk within this
    request_timeout: float = 30.0


class Agent:
    def __init__(
        self, settings: AgentSettings, clock: Clock | None = None, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self.spool = Spool(settings.buffer_dir, settings.buffer_max_bytes, settings.flush_every)
        self.client = ProbeClient(
            settings.servers, settings.token, settings.region, timeout=settings.request_timeout
        )
        self.reconnect = Backoff(settings.retry, rng)
        self._checks = CheckSet()
        self.scheduler = Scheduler(
            self._checks.run,
            self._sink,
            concurrency=settings.concurrency,
            wall_clock=(clock or SystemClock()).now,
        )
        self.known: LastKnown | None = None
        self.uploaded = 0  # results the server acknowledged, since start
        self.refused = 0  # results in batches the server refused for good, since start
        self._stop = asyncio.Event()
        self._poll_due = 0.0  # loop time of the next assignments poll
        self._last_send = -settings.send_every
        self._backlog_sent: int | None = None  # counting a backlog's upload, for its log line
        self._connected = False

    def stop(self) -> None:
        """Ask `run` to end (signal handlers call this)."""
        self._stop.set()

    async def run(self) -> None:
        """Until `stop()`: check, buffer, upload. Then write what is in memory to disk."""
        await self.spool.open()
        try:
            self._restore()
            if self.spool.backlog():
                self._backlog_sent = 0
            tasks = [
                asyncio.create_task(self.scheduler.run(), name="probe scheduler"),
                asyncio.create_task(self.spool.run(), name="probe spool"),
                asyncio.create_task(self._talk(), name="probe uploads"),
            ]
            await self._stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            left = await self.spool.close()  # flushes results still in memory
            await self._checks.close()
            await self.client.close()
        log.info("stopped; %s results wait in the buffer", f"{left:,}")

    def _sink(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        self.spool.add(ProbeResult.of(spec.id, result, started_at))

    def _restore(self) -> None:
        known = lastknown.load(self.settings.buffer_dir, self.settings.region)
        if known is not None:
            self._use(known)
            log.info(
                "checking %d monitors from the last known assignments until the server answers",
                len(known.assignments.monitors),
            )

    async def _talk(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self._exchange(loop.time())
            except ServerUnavailable as error:
                await asyncio.sleep(self._failed(error, loop.time()))
                continue
            except Exception:
                # A bug or a failing disk: say it, and keep the loop alive at the backoff pace.
                log.exception("the upload loop failed")
                await asyncio.sleep(self.reconnect.failed())
                continue
            await self._idle(loop)

    def _answered(self) -> None:
        """The server took a call: leave the backoff, and say so once per reconnection."""
        recovered = self.reconnect.succeeded()
        if recovered or not self._connected:
            self._connected = True
            self._say_connected()

    async def _exchange(self, now: float) -> None:
        if now >= self._poll_due:
            await self._poll(now)
        await self._drain()

    async def _poll(self, now: float) -> None:
        fetched = await self.client.assignments(self.known.etag if self.known else None)
        if fetched.assignments is not None:
            await self._adopt(LastKnown(fetched.assignments, fetched.etag))
        self._answered()
        poll = self.known.assignments.poll_seconds if self.known else MIN_POLL_SECONDS
        self._poll_due = now + min(max(poll, MIN_POLL_SECONDS), MAX_POLL_SECONDS)

    async def _adopt(self, known: LastKnown) -> None:
        before = self.known.assignments.monitors if self.known else None
        self._use(known)
        if known.assignments.monitors != before:
            log.info(
                "assignments for probe %s in region %s: %d monitors",
                known.assignments.probe,
                known.assignments.region,
                len(known.assignments.monitors),
            )
        await asyncio.to_thread(lastknown.save, self.settings.buffer_dir, known)

    def _use(self, known: LastKnown) -> None:
        self.known = known
        self.scheduler.set_monitors(_runnable(known.assignments))

    async def _drain(self) -> None:
        """Send the buffer oldest first: full batches back to back, then the partial one."""
        while True:
            self.spool.ready.clear()  # before reading: a flush after this sets it again
            batch = await self.spool.next_batch()
            if batch.empty:
                break
            await self._send(batch)
            if len(batch.results) + batch.unreadable < MAX_RESULTS_PER_BATCH:
                break
        if self._backlog_sent:
            log.info("uploaded %s buffered results", f"{self._backlog_sent:,}")
        self._backlog_sent = None

    async def _send(self, batch: Batch) -> None:
        if not batch.results and not batch.dropped:
            await self.spool.discard(batch)  # only unreadable rows: nothing to say
            return
        self._last_send = asyncio.get_running_loop().time()
        try:
            await self.client.upload(ResultBatch(results=batch.results, dropped=batch.dropped))
        except BatchRefused as refused:
            self._answered()
            await self._refused(batch, refused)
            return
        self._answered()
        await self.spool.ack(batch)
        self.uploaded += len(batch.results)
        if self._backlog_sent is not None:
            self._backlog_sent += len(batch.results)

    async def _refused(self, batch: Batch, refused: BatchRefused) -> None:
        # Sending it again cannot help, and the results behind it must not wait forever.
        await self.spool.discard(batch)
        self.refused += len(batch.results)
        log.error(
            "%s refused a batch of %d results (%s): dropped them; %s refused since start",
            self.client.server,
            len(batch.results),
            refused,
            f"{self.refused:,}",
        )

    def _failed(self, error: ServerUnavailable, now: float) -> float:
        delay = self.reconnect.failed()
        self._connected = False
        self.client.next_server()
        self._poll_due = now  # ask for the assignments first when back: they may have moved
        if self._backlog_sent is None:
            self._backlog_sent = 0
        # A refused token needs the operator (a new token, then a restart): say so loudly.
        what = "server refuses this probe's token" if error.token_refused else "server unreachable"
        first = self.reconnect.attempts == 1
        log.log(
            logging.ERROR if error.token_refused else logging.WARNING if first else logging.INFO,
            "%s (%s)%s; checks go on, %s results buffered — retrying in %.1f s",
            what if first else "still: " + what,
            error,
            "" if first else f", attempt {self.reconnect.attempts}",
            f"{self.spool.backlog():,}",
            delay,
        )
        return delay

    def _say_connected(self) -> None:
        assigned = self.known.assignments if self.known else None
        log.info(
            "connected to %s as probe %s (region %s): %d monitors, %s results to upload",
            self.client.server,
            assigned.probe if assigned else "?",
            self.settings.region,
            len(assigned.monitors) if assigned else 0,
            f"{self.spool.backlog():,}",
        )

    async def _idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until results wait on disk or the next poll is due; then keep the send pace."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(self._poll_due):
                await self.spool.ready.wait()
        pause = self._last_send + self.settings.send_every - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)


def _runnable(assignments: Assignments) -> list[MonitorSpec]:
    known = set(check_kinds())
    unknown = sorted({m.kind for m in assignments.monitors if m.kind not in known})
    if unknown:
        # A newer server's kind: running it would report a failure that is this agent's.
        log.warning("this agent cannot run check kinds %s; update it", ", ".join(unknown))
    return [m.spec() for m in assignments.monitors if m.kind in known and is_scheduled(m.kind)]
