"""Telling the other servers that something changed: PostgreSQL LISTEN/NOTIFY.

A change made on one server (a transition applied, an incident posted in the admin, a window
started) rebuilds that server's snapshot at once and sends a NOTIFY; every other server
listens on its own connection and rebuilds its snapshot too. The payload is the sender's
holder id: a server ignores its own notices, and a notice received only triggers local work,
never another notice, so nothing loops.

The listening connection is watched (a query every `ping_seconds`) and reopened after a
random, growing delay when it drops; after a reconnection every handler runs once, since
notices sent meanwhile were lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hiccup.core.backoff import Backoff, RetryPolicy
from hiccup.core.logs import Repeats
from hiccup.store import leases as store
from hiccup.store.asyncio_engine import AsyncEngine

log = logging.getLogger(__name__)

PAGE = "hiccup_changed"  # the public state changed: rebuild the snapshot
MONITORS = "hiccup_monitors"  # monitor definitions changed: reload them
MAINTENANCE = "hiccup_maintenance"  # maintenance windows changed: wake the worker
STATES = "hiccup_states"  # monitors changed state: the open consoles refetch their rows

APPLICATION_NAME = "hiccup listener"  # as seen in pg_stat_activity
RECONNECT = RetryPolicy(1 << 30, timedelta(seconds=0.5), timedelta(seconds=30))

Handler = Callable[[], None]


def listen_dsn(engine: AsyncEngine) -> str:
    """The engine's database as a plain asyncpg DSN (password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeFeed:
    def __init__(
        self,
        engine: AsyncEngine,
        sender: str,
        *,
        policy: RetryPolicy = RECONNECT,
        ping_seconds: float = 15.0,
    ) -> None:
        self._engine, self.sender = engine, sender
        self._policy, self._ping = policy, ping_seconds
        self._handlers: dict[str, list[Handler]] = {}
        self._outgoing: set[str] = set()
        self._send = asyncio.Event()
        self.listening = asyncio.Event()  # set while the listener is connected
        self._unsent = Repeats(log, "could not notify the other servers", level=logging.WARNING)
        self._unheard = Repeats(log, "change listener lost", level=logging.WARNING)

    def on(self, channel: str, handler: Handler) -> None:
        self._handlers.setdefault(channel, []).append(handler)

    def announce(self, channel: str) -> None:
        """Queue a NOTIFY on `channel`; notices queued together are sent together, once."""
        self._outgoing.add(channel)
        self._send.set()

    async def run(self) -> None:
        await asyncio.gather(self._sending(), self._listening())

    async def _sending(self) -> None:
        backoff = Backoff(self._policy)
        while True:
            await self._send.wait()
            self._send.clear()
            channels, self._outgoing = self._outgoing, set()
            try:
                async with self._engine.begin() as conn:
                    for channel in sorted(channels):
                        await store.notify(conn, channel, self.sender)
                backoff.succeeded()
                self._unsent.recovered()
            except Exception as error:
                self._unsent.failed(error)
                self._outgoing |= channels
                self._send.set()
                await asyncio.sleep(backoff.failed())

    async def _listening(self) -> None:
        backoff, connected_before = Backoff(self._policy), False
        while True:
            try:
                conn = await _connect(self._engine)
            except Exception as error:
                self._unheard.failed(error)
            else:
                backoff.succeeded()
                self._unheard.recovered()
                try:
                    await self._listen(conn, catch_up=connected_before)
                except Exception as error:
                    self._unheard.failed(error)
                finally:
                    self.listening.clear()
                    await _close(conn)
                connected_before = True
            await asyncio.sleep(backoff.failed())

    async def _listen(self, conn: Any, *, catch_up: bool) -> None:
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _conn: closed.set())
        for channel in self._handlers:
            await conn.add_listener(channel, self._received)
        self.listening.set()
        if catch_up:
            self._run_all()
        while not closed.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping):
                    await closed.wait()
            if not closed.is_set():
                # A connection cut without a FIN shows up only when we use it.
                async with asyncio.timeout(10):
                    await conn.execute("SELECT 1")
        raise ConnectionError("the connection closed")

    def _received(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        if payload != self.sender:
            self._run(self._handlers.get(channel, []))

    def _run_all(self) -> None:
        for handlers in self._handlers.values():
            self._run(handlers)

    def _run(self, handlers: list[Handler]) -> None:
        for handler in handlers:
            try:
                handler()
            except Exception:
                log.exception("a change handler failed")


async def _close(conn: Any) -> None:
    try:
        async with asyncio.timeout(2):
            await conn.close()
    except Exception:
        conn.terminate()


async def _connect(engine: AsyncEngine) -> Any:
    # Imported here: a server on SQLite never listens, and never pays asyncpg's memory.
    import asyncpg

    return await asyncpg.connect(
        listen_dsn(engine),
        timeout=10,
        server_settings={"application_name": APPLICATION_NAME},
    )
