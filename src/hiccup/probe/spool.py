"""Results on their way from the checks to the disk buffer, and from there to the uploader.

The scheduler's sink runs on the event loop and must not block, so `add` only appends to a
list; every `flush_every` seconds the list is written to the buffer in one transaction by a
single worker thread (sqlite3 blocks, and one thread keeps its calls in order). Every result
goes through the disk, reachable server or not: an outage is not a special path, and a crash
loses at most the last `flush_every` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from hiccup.probe.buffer import Batch, DiskBuffer
from hiccup.probe.wire import MAX_RESULTS_PER_BATCH, ProbeResult

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

BUFFER_FILE = "results.sqlite3"
_LOCK_FILE = "lock"
_DROP_LOG_EVERY = 60.0  # seconds between "buffer full" lines while it stays full
# Results held in memory when the disk itself fails (full, read-only): bounded too.
MAX_PENDING = 100_000


class BufferBusy(RuntimeError):
    """Another agent uses this buffer directory."""


class Spool:
    def __init__(self, directory: Path, max_bytes: int, flush_every: float = 0.25) -> None:
        self.directory, self._max_bytes, self._flush_every = directory, max_bytes, flush_every
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="probe-buffer")
        self._buffer: DiskBuffer | None = None
        self._lock_fd: int | None = None
        self._pending: deque[ProbeResult] = deque(maxlen=MAX_PENDING)
        self._wake = asyncio.Event()
        self.ready = asyncio.Event()  # set when results wait on disk
        self.dropped = 0  # since start: for the rate-limited log line
        self._dropped_logged, self._drop_logged_at = 0, -_DROP_LOG_EVERY

    async def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(self.directory / _LOCK_FILE)
        path = self.directory / BUFFER_FILE
        self._buffer = await self._call(DiskBuffer, path, self._max_bytes)
        if len(self._buffer):
            log.info("%s results from an earlier run wait in %s", f"{len(self._buffer):,}", path)
            self.ready.set()

    def add(self, result: ProbeResult) -> None:
        """Queue one result; never blocks (called by the scheduler on the loop)."""
        if len(self._pending) == MAX_PENDING:  # the disk has been failing for a long time
            self._note_dropped(1)
        self._pending.append(result)  # a full deque forgets its oldest
        self._wake.set()

    def backlog(self) -> int:
        """Results not yet acknowledged by a server (in memory and on disk)."""
        return len(self._pending) + (len(self._buffer) if self._buffer else 0)

    async def run(self) -> None:
        """Write what `add` queued, at most `flush_every` after it came; until cancelled."""
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._flush_every)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        taken = list(self._pending)
        self._pending.clear()
        if not taken:
            return
        # Checks of different monitors end out of order; the server likes them by time.
        taken.sort(key=lambda result: result.at)
        try:
            dropped = await self._call(self._disk().append, taken)
        except Exception as error:
            log.error("cannot write the result buffer (%s); keeping results in memory", error)
            self._requeue(taken)
            return
        self.ready.set()
        if dropped:
            self._note_dropped(dropped)

    async def next_batch(self, max_results: int = MAX_RESULTS_PER_BATCH) -> Batch:
        batch = await self._call(self._disk().peek, max_results)
        if batch.unreadable:
            log.error("%d unreadable results in the buffer were skipped", batch.unreadable)
        return batch

    async def ack(self, batch: Batch) -> None:
        await self._call(self._disk().ack, batch)

    async def discard(self, batch: Batch) -> None:
        await self._call(self._disk().discard, batch)

    async def close(self) -> int:
        """Write what is still in memory, then release the file and the directory; returns
        how many results are left on disk for the next run."""
        left = 0
        if self._buffer is not None:
            with contextlib.suppress(Exception):  # flush logs its own failure
                await self.flush()
            left = len(self._buffer)
            await self._call(self._buffer.close)
            self._buffer = None
        self._executor.shutdown(wait=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        return left

    def _disk(self) -> DiskBuffer:
        if self._buffer is None:
            raise RuntimeError("the spool is not open")
        return self._buffer

    async def _call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        # Shielded: a cancelled caller must not leave the thread's work half-observed; the
        # call finishes either way, and the next one queues behind it.
        future = loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))
        return await asyncio.shield(future)

    def _requeue(self, taken: list[ProbeResult]) -> None:
        merged = taken + list(self._pending)
        overflow = max(0, len(merged) - MAX_PENDING)
        if overflow:
            self._note_dropped(overflow)
        self._pending = deque(merged[overflow:], maxlen=MAX_PENDING)

    def _note_dropped(self, count: int) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._drop_logged_at < _DROP_LOG_EVERY:
            return
        log.warning(
            "result buffer full (%.0f MiB): dropped %s oldest results (%s since start); "
            "they are reported to the server as dropped",
            self._max_bytes / 2**20,
            f"{self.dropped - self._dropped_logged:,}",
            f"{self.dropped:,}",
        )
        self._dropped_logged, self._drop_logged_at = self.dropped, now


def _lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BufferBusy(f"another probe agent uses {path.parent}") from None
    return fd
