"""The recorder: judges each result, steps the detector, and stores results in batches.

Results are batched (at most the last flush interval is lost in a crash); the detector's state
and its transitions commit in the same transaction as the results that caused them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from hiccup.checks.base import CheckResult
from hiccup.clock import Clock
from hiccup.core.detection import Track, classify, step
from hiccup.core.monitors import MonitorSpec
from hiccup.core.status import Verdict
from hiccup.store.recording import RecordedResult, TrackChange, record_batch

log = logging.getLogger(__name__)

# While the database is away, keep this many results before dropping the oldest: checks keep
# running and the detector keeps deciding; only raw history beyond this is lost.
MAX_PENDING = 200_000


class Recorder:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        tracks: dict[str, Track],
        on_transitions: Callable[[], None],
        *,
        flush_seconds: float = 1.0,
        max_batch: int = 2000,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._tracks = tracks
        self._on_transitions = on_transitions
        self._flush_seconds = flush_seconds
        self._max_batch = max_batch
        self._results: list[RecordedResult] = []
        self._changes: list[TrackChange] = []
        self._full = asyncio.Event()

    def state_of(self, monitor_id: str) -> Track:
        return self._tracks.get(monitor_id, Track())

    def submit(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        """Called by the scheduler for each finished check; never blocks."""
        verdict = classify(result.ok, result.latency_ms, spec.policy, degraded=result.degraded)
        self._results.append(
            RecordedResult(
                spec.id,
                started_at,
                verdict,
                result.latency_ms,
                result.status_code,
                result.error,
                result.phases or None,
                reliable=result.reliable,
            )
        )
        # A bad verdict while Hiccup itself was late or stalled is stored but not believed: a
        # timeout then measures our lag, not the target. A good one is evidence all the same.
        if result.reliable or verdict is Verdict.OK:
            self._step(spec, verdict, started_at)
        if len(self._results) >= self._max_batch:
            self._full.set()
        if len(self._results) > MAX_PENDING:
            del self._results[: len(self._results) - MAX_PENDING]

    def _step(self, spec: MonitorSpec, verdict: Verdict, started_at: datetime) -> None:
        track, transition = step(self.state_of(spec.id), verdict, started_at, spec.policy)
        self._tracks[spec.id] = track
        self._changes.append(TrackChange(spec.id, track, started_at, transition))
        if transition is not None:
            # A confirmed change is written now, not at the next tick: operators are alerted
            # from it, and the flush interval would otherwise add up to a second.
            self._full.set()

    async def flush(self) -> None:
        if not self._results and not self._changes:
            return
        results, changes = self._results, self._changes
        self._results, self._changes = [], []
        try:
            async with self._engine.begin() as conn:
                moved = await record_batch(conn, results, changes, self._clock.now())
        except Exception:
            # Put them back in order so nothing confirmed is lost while the database is away.
            self._results, self._changes = results + self._results, changes + self._changes
            raise
        if moved:
            self._on_transitions()

    async def run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self._flush_seconds):
                    await self._full.wait()
            except TimeoutError:
                pass
            self._full.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("could not store results; keeping them for the next flush")
