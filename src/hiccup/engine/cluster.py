"""Monitors spread over several servers on one PostgreSQL database, through leases.

Every server renews the monitors it holds every ttl/3 and keeps its fair share, ceil(monitors
/ live servers): over it, it gives back the excess (after writing their latest results, so
the next holder reads the latest detector state); under it, it claims free or expired ones.
A server that dies stops renewing: its leases run out and the others claim its monitors, and
go on from the detector state it last wrote. See docs/scaling.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from hiccup.checks.registry import scheduled_only
from hiccup.core.clock import Clock
from hiccup.core.detection import Track
from hiccup.core.logs import Repeats
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.ownership import Ownership
from hiccup.engine.recorder import Recorder
from hiccup.engine.scheduler import Scheduler
from hiccup.store import leases as store
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.probe_results import load_votes

log = logging.getLogger(__name__)

SKEW_WARN_EVERY = timedelta(minutes=10)

LEASE_ENV = "HICCUP_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 15.0
LEASES_CHANNEL = "hiccup_leases"  # NOTIFY: monitors were given back, or a server wants some

AcquiredHook = Callable[[frozenset[str]], Awaitable[None]]


def lease_seconds_from_env() -> float:
    raw = os.environ.get(LEASE_ENV, "").strip()
    if not raw:
        return DEFAULT_LEASE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{LEASE_ENV}={raw!r}: give a number of seconds") from None
    if not 1 <= seconds <= 3600:
        raise ValueError(f"{LEASE_ENV}={raw!r}: give between 1 and 3600 seconds")
    return seconds


@dataclass(frozen=True, slots=True)
class Server:
    """This process among the servers: its holder id is made once, at start."""

    holder: str
    host: str
    pid: int
    started_at: datetime

    @classmethod
    def here(cls, now: datetime) -> Server:
        host, pid = socket.gethostname(), os.getpid()
        # The suffix tells apart a restarted process that got the same pid.
        return cls(f"{host}:{pid}:{secrets.token_hex(4)}", host, pid, now)


def fair_share(total: int, counts: dict[str, int], mine: int) -> int:
    """How many monitors to hold: total / servers rounded up; but while some server holds
    fewer than total / servers rounded down (it just joined), those above that give back down
    to it. Rounding up alone could leave 4, 4 and 2 of 10 monitors for good."""
    live = max(1, len(counts))
    low = total // live
    starving = any(count < low for count in counts.values())
    return low if starving and mine > low else math.ceil(total / live)


class LeaseListener(Protocol):
    async def acquired(self, ids: frozenset[str], adopt: bool) -> None: ...
    async def releasing(self, ids: frozenset[str]) -> None: ...
    async def lost(self, ids: frozenset[str]) -> None: ...


class MonitorLeases:
    """Which monitors this server holds (`holds`, the runtime's Ownership) and the loop that
    keeps that set fair and alive."""

    def __init__(self, engine: AsyncEngine, clock: Clock, server: Server, ttl: timedelta) -> None:
        self._engine, self._clock, self.server, self.ttl = engine, clock, server, ttl
        self.held: set[str] = set()
        self._unadopted: set[str] = set()  # claimed, their stored state not yet taken up
        self.listener: LeaseListener | None = None
        self.acquired_hooks: list[AcquiredHook] = []
        self._wake = asyncio.Event()
        self.clock_skew: timedelta | None = None  # ours minus the database's, last measured
        self._skew_warned: datetime | None = None
        self._failing = Repeats(log, "could not renew monitor leases; retrying")

    def holds(self, monitor_id: str) -> bool:
        return monitor_id in self.held

    def wake(self) -> None:
        self._wake.set()

    async def tick(self) -> datetime | None:
        """One pass: renew, then give back or claim; returns when another server's lease runs
        out next (the moment its monitors may need a new holder)."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            server = self.server
            until = now + self.ttl
            await store.touch_server(
                conn, server.holder, server.host, server.pid, server.started_at, until
            )
            kept = await store.renew_monitors(conn, server.holder, now, self.ttl)
            total = await store.add_missing_monitors(conn)
            counts = await store.holdings(conn, now)
            expiry = await store.next_foreign_expiry(conn, server.holder, now)
            self._compare_clocks(now, await store.database_now(conn))
            if len(kept) < total // max(1, len(counts)):
                # Fewer than our share: servers over theirs give some back when told.
                await store.notify(conn, LEASES_CHANNEL, server.holder)
        await self._settle(kept)
        share = fair_share(total, counts, len(self.held))
        if len(self.held) > share:
            await self._give_back(len(self.held) - share)
        elif len(self.held) < share:
            await self._claim(share - len(self.held), now)
        return expiry

    def _compare_clocks(self, ours: datetime, database: datetime | None) -> None:
        """Leases are dated by each server's own clock: one far ahead takes the others'
        monitors before their leases run out, one far behind keeps them after its own did.
        The database's clock is the one every server can compare with."""
        if database is None:
            return
        self.clock_skew = skew = ours - database
        if abs(skew) <= self.ttl / 4:
            return
        if self._skew_warned is not None and ours - self._skew_warned < SKEW_WARN_EVERY:
            return
        self._skew_warned = ours
        log.error(
            "this server's clock is %.1f s %s the database's; leases (%.0f s) assume the "
            "servers' clocks agree to well under that: monitors may move between servers. "
            "Fix the time synchronisation (NTP) of this host.",
            abs(skew.total_seconds()),
            "ahead of" if skew > timedelta(0) else "behind",
            self.ttl.total_seconds(),
        )

    async def _settle(self, kept: set[str]) -> None:
        lost = frozenset(self.held - kept)
        # Held in the database yet not running here: a take-up or a give-back that failed.
        # Nobody else could hold them meanwhile, so the detector state in memory is current,
        # unless they were claimed and their stored state never read.
        regained = kept - self.held
        self.held &= kept
        self._unadopted &= kept
        if lost:
            log.warning("lost %d monitor leases (expired before renewal)", len(lost))
            await self._tell_lost(lost)
        unread = frozenset(regained & self._unadopted)
        if unread:
            await self._take_up(unread, adopt=True)
        if regained - unread:
            await self._take_up(frozenset(regained - unread), adopt=False)

    async def _give_back(self, count: int) -> None:
        excess = frozenset(sorted(self.held)[-count:])
        self.held -= excess
        if self.listener is not None:
            await self.listener.releasing(excess)
        async with self._engine.begin() as conn:
            await store.release_monitors(conn, self.server.holder, excess)
            await store.notify(conn, LEASES_CHANNEL, self.server.holder)
        log.info("gave back %d monitors for other servers", len(excess))

    async def _claim(self, count: int, now: datetime) -> None:
        async with self._engine.begin() as conn:
            taken = await store.claim_monitors(conn, self.server.holder, now, self.ttl, count)
        if taken:
            log.info("took %d monitors", len(taken))
            self._unadopted |= taken
            await self._take_up(frozenset(taken), adopt=True)

    async def _take_up(self, ids: frozenset[str], *, adopt: bool) -> None:
        # Only once the engine runs them do they count as held: if this fails, the next
        # tick finds them held in the database and tries again.
        if self.listener is not None:
            await self.listener.acquired(ids, adopt)
        self.held |= ids
        self._unadopted -= ids
        for hook in self.acquired_hooks:
            try:
                await hook(ids)
            except Exception:
                log.exception("a hook for newly held monitors failed")

    async def _tell_lost(self, ids: frozenset[str]) -> None:
        if self.listener is not None:
            await self.listener.lost(ids)

    async def fence(self, conn: AsyncConnection, ids: Iterable[str]) -> set[str]:
        """For the recorder's transaction: which of `ids` may still be written by us."""
        return await store.still_held(conn, self.server.holder, set(ids))

    async def run(self) -> None:
        period = self.ttl.total_seconds() / 3
        while True:
            expiry: datetime | None = None
            try:
                expiry = await self.tick()
            except Exception as error:
                # The database may be away: keep running what we hold; writes are fenced.
                self._failing.failed(error)
            else:
                self._failing.recovered()
            delay = period
            if expiry is not None:
                # Wake just as another server's leases run out: if it died, take over now.
                ahead = (expiry - self._clock.now()).total_seconds()
                delay = min(period, max(ahead, 0.0) + 0.05)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()


class HeldMonitors:
    """Between ownership and the engine: the scheduler runs the monitors this server holds;
    newly held ones continue from the detector state stored by their last holder, and results
    are written before monitors are given back."""

    def __init__(
        self,
        engine: AsyncEngine,
        ownership: Ownership,
        scheduler: Scheduler,
        recorder: Recorder,
    ) -> None:
        self._engine, self._ownership = engine, ownership
        self._scheduler, self._recorder = scheduler, recorder
        self.specs: list[MonitorSpec] = []

    def apply(self, specs: list[MonitorSpec] | None = None) -> None:
        if specs is not None:
            self.specs = specs
        held = (spec for spec in self.specs if self._ownership.holds(spec.id))
        self._scheduler.set_monitors(scheduled_only(held))

    async def acquired(self, ids: frozenset[str], adopt: bool) -> None:
        # Specs too: a monitor added on another server is not known here yet.
        async with self._engine.connect() as conn:
            specs = await load_specs(conn)
            stored = await load_tracks(conn) if adopt else {}
            votes = await load_votes(conn, ids) if adopt else {}
        if adopt:
            self._recorder.adopt({i: stored.get(i, Track()) for i in ids})
            self._recorder.quorums.adopt(votes)  # probes' health and latest votes too
        self.specs = specs
        self._scheduler.set_monitors(
            scheduled_only(s for s in specs if self._ownership.holds(s.id) or s.id in ids)
        )

    async def releasing(self, ids: frozenset[str]) -> None:
        self.apply()  # ownership no longer lists them: their checks stop, in-flight ones too
        await self._recorder.flush()

    async def lost(self, ids: frozenset[str]) -> None:
        self.apply()
