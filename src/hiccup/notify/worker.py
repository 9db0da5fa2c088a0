"""The delivery worker: one lane per channel kind, each with its own concurrency, so 10,000
queued mails never hold up an operator's webhook, and one hanging endpoint holds one slot for
at most the delivery timeout.

Each delivery is marked (delivered, retried later, or dead) in its own transaction the moment
the channel answers: the shorter that gap, the fewer messages a crash can leave "sent but not
marked" (those are sent again with the same idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime

from hiccup.config.notifications import DeliveryConfig
from hiccup.core.backoff import RetryPolicy
from hiccup.core.clock import Clock
from hiccup.core.logs import Repeats
from hiccup.notify.channels.base import Channel
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import Claimed, claim, mark_all_delivered, mark_failed, next_due
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

OnPermanent = Callable[[AsyncConnection, Claimed, str, datetime], Awaitable[None]]


Settled = tuple[Claimed, NotifyError | None, float]


class Marker:
    """Group commit of delivery outcomes: each outcome is written the moment it is known, and
    all outcomes that arrive while a commit is running share the next one. Senders wait for
    their mark, so at most one batch per lane is ever "sent but not marked"."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self._worker = worker
        self._queue: list[tuple[Settled, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def mark(self, item: Claimed, error: NotifyError | None, duration_ms: float) -> None:
        done = asyncio.get_running_loop().create_future()
        self._queue.append(((item, error, duration_ms), done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-marker")
        await done

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self._worker.settle([settled for settled, _ in batch])
            finally:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


class Lane:
    def __init__(self, worker: DeliveryWorker, transport: str, channel: Channel) -> None:
        self.worker = worker
        self.transport = transport
        self.channel = channel
        # Email: twice the pool, so the pool keeps sending while some senders wait for their
        # mark; still bounded, which bounds what a crash can leave sent but unmarked.
        self.concurrency = max(1, channel.concurrency) * (2 if transport == "email" else 1)
        self.active: set[asyncio.Task[None]] = set()
        self.waiting: deque[Claimed] = deque()
        self.wake = asyncio.Event()
        self.failing = Repeats(log, f"could not claim {transport} deliveries; retrying")

    def free(self) -> int:
        return self.concurrency - len(self.active)

    async def fill(self) -> int:
        """Claim due rows (up to two rounds of work, so claims are few) and start as many
        deliveries as there are free slots. The lease outlives two delivery timeouts, which
        covers a row's wait here."""
        claimed = 0
        room = 2 * self.concurrency - len(self.active) - len(self.waiting)
        if len(self.waiting) <= self.concurrency // 2 and room > 0:
            worker = self.worker
            async with worker.engine.begin() as conn:
                items = await claim(
                    conn, self.transport, worker.clock.now(), worker.config.lease, room
                )
            self.waiting.extend(items)
            claimed = len(items)
        self._start()
        return claimed

    def _start(self) -> None:
        while self.waiting and self.free() > 0:
            item = self.waiting.popleft()
            task = asyncio.create_task(self._deliver(item), name=f"deliver-{item.id}")
            self.active.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.active.discard(task)
        self._start()
        self.wake.set()

    async def _deliver(self, item: Claimed) -> None:
        started = time.perf_counter()
        error: NotifyError | None = None
        seconds = self.worker.config.timeout.total_seconds()
        try:
            async with asyncio.timeout(seconds):
                await self.channel.send(item, self.worker.clock.now())
        except NotifyError as failure:
            error = failure
        except TimeoutError:
            error = NotifyError(f"no answer within {seconds:g}s")
        except Exception as failure:
            log.exception("delivery %s crashed", item.id)
            error = NotifyError(f"{type(failure).__name__}: {failure}"[:300])
        duration_ms = (time.perf_counter() - started) * 1000
        await self.worker.marker.mark(item, error, duration_ms)

    async def seconds_until_due(self, poll: float) -> float:
        async with self.worker.engine.connect() as conn:
            due = await next_due(conn, self.transport)
        if due is None:
            return poll
        wait = (due - self.worker.clock.now()).total_seconds()
        return min(poll, max(wait, 0.05))

    async def run(self, poll: float) -> None:
        while True:
            self.wake.clear()
            try:
                if await self.fill() and self.free() > 0:
                    continue  # more may be due right now
                busy = self.free() <= 0 or self.waiting
                timeout = poll if busy else await self.seconds_until_due(poll)
            except Exception as error:
                # The database may be away; rows wait in it and go out once it is back.
                self.failing.failed(error)
                timeout = poll
            else:
                self.failing.recovered()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self.wake.wait()


class DeliveryWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        channels: dict[str, Channel],
        config: DeliveryConfig,
        on_permanent: OnPermanent,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.config = config
        self.policy = RetryPolicy(config.max_attempts, config.retry_base, config.retry_cap)
        self._on_permanent = on_permanent
        self.marker = Marker(self)
        self._unmarked = Repeats(log, "could not mark deliveries; retrying", level=logging.WARNING)
        self.lanes = [Lane(self, kind, channel) for kind, channel in sorted(channels.items())]

    def wake(self) -> None:
        for lane in self.lanes:
            lane.wake.set()

    async def settle(self, batch: list[Settled]) -> None:
        # Retried while the database is briefly away: an unmarked row is sent again later.
        delivered = [(item, ms) for item, error, ms in batch if error is None]
        failed = [(item, error, ms) for item, error, ms in batch if error is not None]
        for pause in (0.1, 0.5, 1, 2, 4, 8):
            try:
                now = self.clock.now()
                async with self.engine.begin() as conn:
                    if delivered:
                        await mark_all_delivered(conn, delivered, now)
                    for item, error, duration_ms in failed:
                        await self._failed(conn, item, error, duration_ms, now)
            except Exception as error:
                self._unmarked.failed(error)
                await asyncio.sleep(pause)
            else:
                self._unmarked.recovered()
                return

    async def _failed(
        self,
        conn: AsyncConnection,
        item: Claimed,
        error: NotifyError,
        duration_ms: float,
        now: datetime,
    ) -> None:
        give_up = error.permanent or self.policy.exhausted(item.attempts)
        retry_at = None if give_up else now + self.policy.delay(item.attempts)
        held = await mark_failed(
            conn,
            item.id,
            item.lease,
            now,
            duration_ms,
            error.message,
            retry_at=retry_at,
            permanent=error.permanent,
        )
        # Every failed delivery is a warning: a channel that keeps failing is what an operator
        # must see, and retries are spaced by the backoff, so this cannot flood the log.
        outcome = "giving up" if give_up else f"retry after {retry_at:%H:%M:%S} UTC"
        log.warning(
            "delivery %s to %s failed (attempt %d, %s): %s",
            item.id,
            item.transport,
            item.attempts,
            outcome,
            error.message,
            extra={"delivery": item.id, "transport": item.transport, "attempt": item.attempts},
        )
        if held and error.permanent:
            await self._on_permanent(conn, item, error.message, now)

    async def run(self, poll_seconds: float = 2.0) -> None:
        await asyncio.gather(*(lane.run(poll_seconds) for lane in self.lanes))

    async def drain(self) -> None:
        """Deliver everything due now and wait for it (tests and shutdown)."""
        while True:
            started = 0
            for lane in self.lanes:
                started += await lane.fill()
            running = [task for lane in self.lanes for task in lane.active]
            if not started and not running and not any(lane.waiting for lane in self.lanes):
                return
            if running:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)

    async def stop(self) -> None:
        """Let deliveries in flight finish (bounded by their timeout) so they get marked."""
        running = [task for lane in self.lanes for task in lane.active]
        if running:
            await asyncio.wait(running, timeout=self.config.timeout.total_seconds() + 1)
