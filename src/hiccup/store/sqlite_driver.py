"""The aiosqlite connections behind Hiccup's SQLite engine, with a close that always ends.

SQLAlchemy ends a connection whose query was cancelled by closing it gracefully (shielded) and,
when that wait is cancelled too, by stopping aiosqlite's worker thread at once. aiosqlite 0.22's
`close()` then waits, in a `finally`, for a second stop that no worker is left to answer: the
closing task never ends, and whatever waits for every task at exit (`asyncio.run`, a server's
shutdown, a test's event loop) waited forever. Here close waits for the worker only while the
worker still runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial

import aiosqlite

CHUNK = 64  # aiosqlite's default rows per fetch of an iterated cursor


class ClosingConnection(aiosqlite.Connection):
    async def close(self) -> None:
        if self._connection is None:
            return
        try:
            await self._execute(self._conn.close)  # type: ignore[no-untyped-call]
        finally:
            self._connection = None
            if self._running:  # else a stop is already queued and the worker is ending
                stopped = self.stop()
                if stopped is not None:
                    await stopped


def connector(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """What `create_async_engine(async_creator=...)` calls for each new connection."""

    async def connect() -> aiosqlite.Connection:
        # The engine shares connections between tasks of one loop, never between threads.
        connection = ClosingConnection(
            partial(sqlite3.connect, path, check_same_thread=False), CHUNK
        )
        # As SQLAlchemy's own aiosqlite connect does: a forgotten connection must not keep the
        # process alive at exit.
        connection._thread.daemon = True
        return await connection

    return connect
