"""The recorder: judges each result, steps the detector, and stores results in batches.

Results are batched (at most the last flush interval is lost in a crash; a confirmed transition
is written at once); the detector's state and its transitions commit in the same transaction as
the results that caused them. Two seconds between flushes: a flush costs about 2 ms of CPU
before its first row (bench/flush.py), so with 1,000 monitors every 20 s a flush every second
cost 0.078 ms per result and one every two seconds 0.050; a second more before a result reaches
the page's history changes nothing a visitor sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import datetime

from hiccup.checks.base import CheckResult
from hiccup.core.clock import Clock
from hiccup.core.detection import Track, classify, step
from hiccup.core.logs import Repeats
from hiccup.core.monitors import LOCAL, MonitorSpec
from hiccup.core.quorum import Report
from hiccup.core.reach import is_reached, note_result
from hiccup.core.status import Verdict
from hiccup.engine.quorums import Quorums, Unsaved
from hiccup.notify.alert_spool import AlertSpool
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.probe_results import Arrival
from hiccup.store.recording import RecordedResult, TrackChange, record_batch

log = logging.getLogger(__name__)

# While the database is away, keep this many results before dropping the oldest: checks keep
# running and the detector keeps deciding; only raw history beyond this is lost.
MAX_PENDING = 200_000

# Inside the flush's transaction: which of these monitors this server may still write the
# detector state of (several servers: those whose lease it still holds). None: all of them.
Fence = Callable[[AsyncConnection, Collection[str]], Awaitable[set[str]]]


class Recorder:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        tracks: dict[str, Track],
        on_transitions: Callable[[], None],
        *,
        flush_seconds: float = 2.0,
        max_batch: int = 2000,
        fence: Fence | None = None,
        spool: AlertSpool | None = None,
        on_unwritten: Callable[[], None] | None = None,
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
        # Set by every result or vote: an idle server's recorder sleeps until one comes.
        self._arrived = asyncio.Event()
        self.quorums = Quorums()
        # Monitors' integer keys in the results table, read once each instead of every flush.
        self._keys: dict[str, int] = {}
        self._fence = fence
        self._spool = spool
        self._failing = Repeats(log, "could not store results; keeping them for the next flush")
        # One flush at a time: an older batch committing after a newer one would store an
        # older detector state over the newer.
        self._flushing = asyncio.Lock()
        # When results first could not be written (None: they are being written). While set,
        # the page shows the states decided here; `on_unwritten` tells it when they change.
        self.unwritten_since: datetime | None = None
        self._on_unwritten = on_unwritten or (lambda: None)

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
                certificate=result.certificate,
            )
        )
        # A bad verdict while Hiccup itself was late or stalled is stored but not believed: a
        # timeout then measures our lag, not the target. A good one is evidence all the same.
        if result.reliable or verdict is Verdict.OK:
            weight = spec.timeout_weight() if result.timed_out else 1
            self._judge(spec, LOCAL, LOCAL, verdict, started_at, result.latency_ms, weight)
        self._arrived.set()
        if len(self._results) >= self._max_batch:
            self._full.set()
        if len(self._results) > MAX_PENDING:
            del self._results[: len(self._results) - MAX_PENDING]

    def take_remote(self, spec: MonitorSpec, arrival: Arrival) -> None:
        """A probe's result, already stored as history by the API: judge it only."""
        at, result = arrival.timed.at, arrival.timed.result
        verdict = classify(result.ok, result.latency_ms, spec.policy, degraded=result.degraded)
        if result.reliable or verdict is Verdict.OK:
            self._judge(spec, arrival.probe, arrival.region, verdict, at, result.latency_ms)

    def _judge(
        self,
        spec: MonitorSpec,
        probe: str,
        region: str,
        verdict: Verdict,
        at: datetime,
        latency_ms: float | None,
        weight: int = 1,
    ) -> None:
        self._arrived.set()
        if not spec.voted:
            self._step(spec, verdict, at, weight)
            return
        report = Report(probe, verdict, at, latency_ms)
        for decided, when in self.quorums.report(spec, report, region):
            self._step(spec, decided, when)

    def _step(
        self, spec: MonitorSpec, verdict: Verdict, started_at: datetime, weight: int = 1
    ) -> None:
        track, transition = step(self.state_of(spec.id), verdict, started_at, spec.policy, weight)
        track = note_result(track, verdict, spec.kind, spec.target)
        self._tracks[spec.id] = track
        reached = is_reached(track, spec.kind, spec.target)
        self._changes.append(TrackChange(spec.id, track, started_at, transition, reached))
        if transition is not None:
            # A confirmed change is written now, not at the next tick: operators are alerted
            # from it, and the flush interval would otherwise add up to two seconds.
            self._full.set()
            if self.unwritten_since is not None:
                self._on_unwritten()  # the page shows states decided here: one just changed

    def adopt(self, tracks: Mapping[str, Track]) -> None:
        """Continue these monitors from the given (stored) states: another server judged them
        until now. Changes still queued for them here are from an earlier tenure: dropped."""
        self._tracks.update(tracks)
        if any(c.monitor_id in tracks for c in self._changes):
            self._changes = [c for c in self._changes if c.monitor_id not in tracks]

    async def _fenced(
        self, conn: AsyncConnection, changes: list[TrackChange], votes: Unsaved
    ) -> tuple[list[TrackChange], Unsaved]:
        """Only what this server may still write: detector states, transitions and quorum
        votes of monitors whose lease it holds. A server that stalled past its lease would
        otherwise overwrite the new holder's newer state with its older one."""
        wanted = {c.monitor_id for c in changes} | votes.monitors
        if self._fence is None or not wanted:
            return changes, votes
        allowed = await self._fence(conn, wanted)
        return [c for c in changes if c.monitor_id in allowed], votes.only(allowed)

    def _pending(self) -> bool:
        return bool(self._results or self._changes) or self.quorums.has_unsaved()

    async def flush(self) -> None:
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending():
            return
        results, changes = self._results, self._changes
        self._results, self._changes = [], []
        votes = self.quorums.take()
        try:
            async with self._engine.begin() as conn:
                now = self._clock.now()
                # Results are stored either way: observations, whoever made them.
                allowed, allowed_votes = await self._fenced(conn, changes, votes)
                moved = await record_batch(conn, results, allowed, now, keys=self._keys)
                await self.quorums.write(conn, allowed_votes, now)
                # Alerts sent from the spool meanwhile are marked said in this same commit
                # (fenced-off changes too: they were said, whoever stores the monitor now).
                said = await self._spool.reconcile(conn, changes, now) if self._spool else []
        except Exception:
            # Keys are read afresh next time: a monitor deleted meanwhile took its key along.
            self._keys.clear()
            # Put them back in order so nothing confirmed is lost while the database is away.
            self._results, self._changes = results + self._results, changes + self._changes
            self.quorums.put_back(votes)
            await self._alert_without_database(changes)
            if self.unwritten_since is None:
                self.unwritten_since = self._clock.now()
                self._on_unwritten()
            raise
        caught_up, self.unwritten_since = self.unwritten_since is not None, None
        if self._spool is not None:
            self._spool.recorded(said)
        if moved:
            self._on_transitions()  # the page follows once the status service applied them
        elif caught_up:
            self._on_unwritten()

    async def _alert_without_database(self, changes: list[TrackChange]) -> None:
        """Operators hear of a confirmed transition now, not when the database is back."""
        if self._spool is None or not any(c.transition for c in changes):
            return
        try:
            await self._spool.hold(changes, self._tracks, self._last_error)
        except Exception:
            log.exception("could not spool operator alerts; they wait for the database")

    def _last_error(self, monitor_id: str) -> str | None:
        for result in reversed(self._results):
            if result.monitor_id == monitor_id:
                return result.error
        return None

    async def run(self) -> None:
        while True:
            await self._gather()
            if not self._pending():
                continue
            # Shielded: cancelling the recorder (shutdown) mid-commit would otherwise lose the
            # batch it holds, confirmed transitions included. The flush goes on; the final
            # flush() waits for it on the lock, then stores what came after.
            await asyncio.shield(asyncio.ensure_future(self._flush_or_log()))

    async def _gather(self) -> None:
        """Until a batch is due: the flush interval after work arrived, or at once when the
        batch is full or a transition waits. With nothing pending (an idle server) it sleeps
        until a result comes instead of waking every interval to find nothing."""
        if not self._pending():
            self._arrived.clear()
            await self._arrived.wait()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._flush_seconds):
                await self._full.wait()
        self._full.clear()

    async def _flush_or_log(self) -> None:
        try:
            await self.flush()
        except Exception as error:
            self._failing.failed(error)
        else:
            self._failing.recovered()
