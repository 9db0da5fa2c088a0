"""The aiosqlite connections behind Hiccup's SQLite engine, with a close that always ends.

SQLAlchemy ends a connection whose query was cancelled by closing it gracefully (shielded) and,
when that wait is cancelled too, by stopping aiosqlite's worker thread at once. aiosqlite 0.22's
`close()` then waits, in a `finally`, for a second stop that no worker is left to answer: the
closing task never ends, and whatever waits for every task at exit (`asyncio.run`, a server's
shutdown, a test's event loop) waited forever. And a stop's reply, sent from the worker thread
to a loop that had closed meanwhile, raised there. Here a stop sends no reply, and close waits
for the worker thread itself to end (aiosqlite 0.22.1, pinned in requirements.txt)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.core import _STOP_RUNNING_SENTINEL as STOP_WORKER  # what ends the worker's loop

CHUNK = 64  # aiosqlite's default rows per fetch of an iterated cursor
JOIN_SECONDS = 10.0  # a worker in a long statement (SQLite's busy wait) ends within this
# Prepared statements each connection keeps (Python's default: 128). A flush or a pass uses a
# handful; the rest are statements with IN lists of every length, large once prepared: at
# 1,000 monitors SQLite held 8.1 MB five minutes after start with 128, 3.8 MB with 32.
STATEMENTS_KEPT = 32


class ClosingConnection(aiosqlite.Connection):
    async def close(self) -> None:
        if self._connection is None:
            return
        try:
            await self._execute(self._conn.close)  # type: ignore[no-untyped-call]
        finally:
            self._connection = None
            if self._running:  # else a stop is already queued
                self.stop()
            # Off the loop: the worker takes its stop after the close and then ends.
            await asyncio.to_thread(self._thread.join, JOIN_SECONDS)

    def stop(self) -> asyncio.Future[Any] | None:
        """Stop the worker without a reply. Nothing needs one (close joins the thread), and a
        reply to a loop that had closed meanwhile raised in the worker thread."""
        self._running = False
        self._tx.put_nowait((None, self._close_and_stop))
        return None

    def _close_and_stop(self) -> object:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return STOP_WORKER


def connector(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """What `create_async_engine(async_creator=...)` calls for each new connection."""

    async def connect() -> aiosqlite.Connection:
        # The engine shares connections between tasks of one loop, never between threads.
        connection = ClosingConnection(
            partial(
                sqlite3.connect, path, check_same_thread=False, cached_statements=STATEMENTS_KEPT
            ),
            CHUNK,
        )
        # As SQLAlchemy's own aiosqlite connect does: a forgotten connection must not keep the
        # process alive at exit.
        connection._thread.daemon = True
        return await connection

    return connect
