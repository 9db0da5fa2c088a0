"""The history worker: folds raw results into rollups and applies retention, a little at a time.

Every pass folds what arrived since the last one (in windows of time, each its own
transaction that also moves the high-water mark), then deletes expired raw results and hourly
rollups in small batches. Short transactions matter on SQLite, where a writer blocks the
recorder: a window is read and folded before its transaction takes the write lock, which is
then held only for the database's own work (store.rollups), and the fold lets the loop go
every few thousand rows, so checks in flight are not stalled behind it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hiccup.core.clock import Clock
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.rollups import fold_batch, prune_hours, prune_results

if TYPE_CHECKING:
    from hiccup.config.model import HiccupConfig

from hiccup.core.logs import Repeats

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HistorySettings:
    retention: timedelta = timedelta(days=30)  # raw results
    hourly_retention: timedelta = timedelta(days=90)  # daily rollups are kept for good
    every: float = 60.0  # seconds between passes
    # Results a window folds at most, each window one write transaction. Large enough that a
    # pass's window holds several results per monitor, so each (monitor, hour) row is written
    # once a pass, not once a batch (10,000 monitors at 30 s: 20,000 a minute). Loop stalls do
    # not grow with it: the fold lets the loop go every few thousand rows (store.rollups).
    fold_batch: int = 40_000
    fold_batches_per_pass: int = 100
    delete_batch: int = 5_000
    delete_batches_per_pass: int = 40
    hours_per_delete: timedelta = timedelta(hours=6)
    # Results younger than this wait for the next pass (see store.rollups.fold_batch); longer
    # than store.results.LATE_AFTER, so a result written after the fold passed it is queued.
    settle: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PassReport:
    folded: int
    deleted_results: int
    deleted_hours: int


class HistoryWorker:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, settings: HistorySettings | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.settings = settings or HistorySettings()
        self._failing = Repeats(log, "history pass failed; retrying next pass")

    async def fold(self, now: datetime) -> int:
        total = 0
        for _ in range(self.settings.fold_batches_per_pass):
            async with self._engine.begin() as conn:
                folded = await fold_batch(conn, now, self.settings.fold_batch, self.settings.settle)
            total += folded
            if folded == 0:  # a call folds less than a batch when it halves its window
                break
            await asyncio.sleep(0)  # let the recorder's flush in between batches
        return total

    async def prune(self, now: datetime) -> tuple[int, int]:
        cutoff = now - self.settings.retention
        deleted = 0
        for _ in range(self.settings.delete_batches_per_pass):
            async with self._engine.begin() as conn:
                count = await prune_results(conn, cutoff, self.settings.delete_batch)
            deleted += count
            if count == 0:
                break
            await asyncio.sleep(0)
        async with self._engine.begin() as conn:
            hours = await prune_hours(
                conn, now - self.settings.hourly_retention, self.settings.hours_per_delete
            )
        return deleted, hours

    async def run_pass(self) -> PassReport:
        now = self._clock.now()
        folded = await self.fold(now)
        deleted, hours = await self.prune(now)
        return PassReport(folded, deleted, hours)

    async def run(self) -> None:
        while True:
            try:
                report = await self.run_pass()
                if report.deleted_results or report.deleted_hours:
                    log.debug(
                        "history pass: folded %d, deleted %d results and %d hourly rows",
                        report.folded,
                        report.deleted_results,
                        report.deleted_hours,
                    )
            except Exception as error:
                self._failing.failed(error)
            else:
                self._failing.recovered()
            await asyncio.sleep(self.settings.every)


def settings_from(config: HiccupConfig | None) -> HistorySettings:
    if config is None:
        return HistorySettings()
    history = config.history
    return HistorySettings(retention=history.retention, hourly_retention=history.hourly_retention)
