"""Duties that must run on one server at a time, each behind a named lease.

A duty's holder renews the lease every ttl/3 and runs the work while it holds it; the others
try to take it at the same pace. When the holder dies its lease runs out and another server
starts the work within a lease time. When a renewal fails (the database is away) the work
goes on until the lease it last got runs out, then stops: after that another server may hold it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from hiccup.core.clock import Clock
from hiccup.core.logs import Repeats
from hiccup.store import leases as store
from hiccup.store.asyncio_engine import AsyncEngine

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]


class Duty:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        holder: str,
        name: str,
        work: Work,
        ttl: timedelta,
    ) -> None:
        self._engine, self._clock = engine, clock
        self.holder, self.name, self.ttl = holder, name, ttl
        self._work = work
        self._failing = Repeats(log, f"could not renew the {name} lease", level=logging.WARNING)
        self._until: datetime | None = None  # our lease's end as last renewed
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Try now: the holder may just have given the lease back."""
        self._wake.set()

    async def step(self) -> bool:
        """Take or renew the lease, then start or stop the work to match; True while held."""
        now = self._clock.now()
        try:
            async with self._engine.begin() as conn:
                held = await store.take(conn, self.name, self.holder, now, self.ttl)
        except Exception as error:
            held = self._until is not None and now < self._until
            self._failing.failed(error)
        else:
            self._failing.recovered()
            self._until = now + self.ttl if held else None
        if held:
            self._start()
        else:
            await self.stop_work()
        return held

    def _start(self) -> None:
        if self._task is not None and self._task.done():
            # The work loops forever and catches its own errors; ending means a bug.
            if not self._task.cancelled() and self._task.exception() is not None:
                log.error("duty %s ended", self.name, exc_info=self._task.exception())
            self._task = None
        if self._task is None:
            log.info("running %s here", self.name)
            self._task = asyncio.create_task(self._work(), name=f"duty {self.name}")

    async def stop_work(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            log.info("%s moved to another server; stopped here", self.name)
        task.cancel()
        # wait(), not `await task`: a cancellation of our own caller must still propagate.
        await asyncio.wait({task})

    async def run(self) -> None:
        try:
            while True:
                await self.step()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.ttl.total_seconds() / 3):
                        await self._wake.wait()
        finally:
            await self.stop_work()
