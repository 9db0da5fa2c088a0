"""This server as one of several on a shared PostgreSQL database.

Wires the parts the runtime needs: monitor leases (which monitors run here), duty leases
(work that must run once: maintenance, rollups and retention, heartbeat deadlines, alert
deadlines), and the change feed (LISTEN/NOTIFY, so every server rebuilds its page, reloads
monitors and wakes its maintenance worker when another server changed something).

On SQLite there is no Replica: one process owns everything and runs every duty.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from hiccup.core.clock import Clock
from hiccup.engine.changefeed import MONITORS, ChangeFeed, Handler
from hiccup.engine.cluster import LEASES_CHANNEL, LeaseListener, MonitorLeases, Server
from hiccup.engine.duties import Duty, Work
from hiccup.store import leases as store
from hiccup.store.asyncio_engine import AsyncEngine

log = logging.getLogger(__name__)

# Workers that must run on one server at a time. Two servers running the maintenance worker
# would both start a window; two heartbeat watchers would both count a missed deadline; two
# history workers would fold the same results. The delivery worker is not here: it claims
# each outbox row with its own lease (FOR UPDATE SKIP LOCKED), so every server delivers.
ONCE = frozenset({"maintenance", "history", "heartbeats", "alert-deadlines"})

_STOP_SECONDS = 5.0  # at most this long to give everything back at shutdown


class Replica:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, ttl: timedelta, server: Server | None = None
    ) -> None:
        self._engine, self._clock, self.ttl = engine, clock, ttl
        self.server = server or Server.here(clock.now())
        self.monitors = MonitorLeases(engine, clock, self.server, ttl)
        self.feed = ChangeFeed(engine, self.server.holder)
        self.duties: dict[str, Duty] = {}
        self._started = False
        self._background: set[asyncio.Task[None]] = set()
        self.feed.on(LEASES_CHANNEL, self._leases_moved)
        self.feed.on(MONITORS, self.monitors.wake)  # a monitor added elsewhere: claim it now

    @classmethod
    def for_engine(cls, engine: AsyncEngine, clock: Clock, seconds: float) -> Replica | None:
        if engine.dialect.name != "postgresql":
            return None
        return cls(engine, clock, timedelta(seconds=seconds))

    @property
    def holder(self) -> str:
        return self.server.holder

    def _leases_moved(self) -> None:
        self.monitors.wake()
        for duty in self.duties.values():
            duty.wake()

    def everywhere(self, channel: str, local: Handler) -> Handler:
        """`local` here and now, then on every other server (as they hear of it)."""
        self.feed.on(channel, local)

        def both() -> None:
            local()
            self.feed.announce(channel)

        return both

    def everywhere_async(
        self, channel: str, local: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        def remote() -> None:
            task = asyncio.create_task(_logged(local, channel), name=f"on {channel}")
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        self.feed.on(channel, remote)

        async def both() -> None:
            await local()
            self.feed.announce(channel)
            if channel == MONITORS:
                self.monitors.wake()

        return both

    def work(self, name: str, work: Work) -> Coroutine[Any, Any, None]:
        """What to run for a worker: itself, or a duty that runs it while its lease is held."""
        if name not in ONCE:
            return work()
        duty = self.duties[name] = Duty(
            self._engine, self._clock, self.holder, name, work, self.ttl
        )
        return duty.run()

    async def start(self, listener: LeaseListener) -> None:
        """Claim a first share of the monitors (they start running before this returns)."""
        self.monitors.listener = listener
        await self.monitors.tick()
        self._started = True
        log.info("server %s holds %d monitors", self.holder, len(self.monitors.held))

    def tasks(self) -> dict[str, Coroutine[Any, Any, None]]:
        return {"monitor-leases": self.monitors.run(), "change-feed": self.feed.run()}

    async def stop(self) -> None:
        """Give back every monitor and duty at once (call after the results are written), so
        the other servers take over at their next look rather than after a lease time."""
        for task in list(self._background):
            task.cancel()
        if not self._started:
            return
        try:
            async with asyncio.timeout(_STOP_SECONDS), self._engine.begin() as conn:
                await store.drop_holder(conn, self.holder)
                await store.notify(conn, LEASES_CHANNEL, self.holder)
        except Exception as error:
            log.warning("could not give back leases (%s); they run out by themselves", error)
        self.monitors.held.clear()
        self._started = False


async def _logged(work: Callable[[], Awaitable[None]], channel: str) -> None:
    try:
        await work()
    except Exception:
        log.exception("handling %s from another server failed", channel)
