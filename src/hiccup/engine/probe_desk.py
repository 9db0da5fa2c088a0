"""Where probes' uploads land, and where results reach the server that owns their monitor.

An upload is stored as history in its own transaction (a retried upload stores nothing twice),
then each new result goes to this server's recorder if this server owns the monitor, or into
the inbox for the owner, which drains it every second (every 30 s when it is the only server:
nothing else writes there). Heartbeat pings that reach a server not owning their monitor take
the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from hiccup.checks.base import CheckResult, TimedResult
from hiccup.core.clock import Clock
from hiccup.core.logs import Repeats
from hiccup.core.monitors import LOCAL, MonitorSpec
from hiccup.engine.recorder import Recorder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitors import load_specs
from hiccup.store.probe_results import Arrival, put_inbox, store_uploads, take_inbox
from hiccup.store.probes import ProbeInfo, assigned_specs, authenticate

log = logging.getLogger(__name__)
SPECS_TTL_SECONDS = 5.0  # monitors edited on another server reach this one within this


@dataclass(frozen=True, slots=True)
class Assigned:
    probe: ProbeInfo
    specs: list[MonitorSpec]


@dataclass(frozen=True, slots=True)
class Receipt:
    accepted: int  # stored now
    duplicates: int  # stored by an earlier upload of the same results
    ignored: int  # monitors not (or no longer) assigned to this probe


class ProbeDesk:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        holds: Callable[[str], bool],
        recorder: Callable[[], Recorder | None],
    ) -> None:
        self._engine, self._clock = engine, clock
        self._holds, self._recorder = holds, recorder
        self._specs: dict[str, MonitorSpec] = {}
        self._specs_read = -SPECS_TTL_SECONDS
        self._handoff: list[Arrival] = []
        self._failing = Repeats(log, "could not exchange probe results; trying again")
        self._wake = asyncio.Event()

    async def assignments(self, token: str, region: str) -> Assigned | None:
        async with self._engine.begin() as conn:
            probe = await authenticate(conn, token, region, self._clock.now())
            if probe is None:
                return None
            return Assigned(probe, await assigned_specs(conn, region))

    async def upload(
        self, token: str, region: str, uploaded: Sequence[TimedResult], dropped: int = 0
    ) -> Receipt | None:
        """Store a batch; None when the token is not a live probe's."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            probe = await authenticate(conn, token, region, now)
            if probe is None:
                return None
            specs = {s.id: s for s in await assigned_specs(conn, region)}
            fresh = await store_uploads(conn, probe.name, specs, list(uploaded), now)
            arrivals = [Arrival(r.monitor_id, probe.name, region, r) for r in fresh]
            await put_inbox(conn, [a for a in arrivals if not self._holds(a.monitor_id)], now)
        if dropped:
            log.warning("probe %s dropped %d results (its buffer was full)", probe.name, dropped)
        self._judge([a for a in arrivals if self._holds(a.monitor_id)], specs)
        known = sum(1 for r in uploaded if r.monitor_id in specs)
        return Receipt(len(fresh), known - len(fresh), len(uploaded) - known)

    def hand_off(self, spec: MonitorSpec, result: CheckResult, at: datetime) -> None:
        """A local result (a heartbeat ping) for a monitor another server owns."""
        self._handoff.append(Arrival(spec.id, LOCAL, LOCAL, TimedResult(spec.id, at, result)))
        self._wake.set()

    def _judge(self, arrivals: list[Arrival], specs: dict[str, MonitorSpec]) -> None:
        recorder = self._recorder()
        if recorder is None:
            return
        for arrival in arrivals:
            spec = specs.get(arrival.monitor_id)
            if spec is None:
                continue
            if arrival.probe == LOCAL:  # a handed-off heartbeat: not stored yet
                recorder.submit(spec, arrival.timed.result, arrival.timed.at)
            else:
                recorder.take_remote(spec, arrival)

    async def _current_specs(self) -> dict[str, MonitorSpec]:
        if time.monotonic() - self._specs_read >= SPECS_TTL_SECONDS:
            async with self._engine.connect() as conn:
                self._specs = {s.id: s for s in await load_specs(conn)}
            self._specs_read = time.monotonic()
        return self._specs

    async def exchange(self) -> int:
        """Send handed-off results to the inbox; judge what the inbox holds for us."""
        outgoing, self._handoff = self._handoff, []
        try:
            async with self._engine.begin() as conn:
                if outgoing:
                    await put_inbox(conn, outgoing, self._clock.now())
                arrivals = await take_inbox(conn, self._holds)
        except Exception:
            self._handoff[:0] = outgoing
            raise
        if arrivals:
            self._judge(arrivals, await self._current_specs())
        return len(arrivals)

    async def run(self, every_seconds: float = 1.0) -> None:
        """Exchange every `every_seconds`, and soon after a hand-off."""
        while True:
            self._wake.clear()
            try:
                await self.exchange()
            except Exception as error:
                self._failing.failed(error)
                self._wake.clear()  # a database away: retry at the pace, not at once
            else:
                self._failing.recovered()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every_seconds):
                    await self._wake.wait()
            await asyncio.sleep(0.05)  # hand-offs that come together go together
