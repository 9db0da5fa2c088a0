"""The public snapshot: every public response rendered to bytes + ETag when something changes.

The page never waits on the database: requests read the current snapshot from memory; a
builder replaces it after changes (debounced) and once a minute so 'today' and ages stay true,
and writes it to disk so a restart without a database still has it. When the database stops
answering, the last snapshot stays and, `stale_after` past the last good read, says so
("Showing the last known status from …"). While results cannot be written, the statuses the
checks decided in memory (`memory`, given by the composition root) are shown over the last
state read, with a notice that updates are delayed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from hiccup.core.clock import Clock
from hiccup.core.delayed import MemoryStatus, with_memory
from hiccup.core.public import Figures, PublicState
from hiccup.snapshot.assets import HTML, JSON, Asset, Snapshot
from hiccup.snapshot.disk import SnapshotDisk, mark_stale
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import JSON_DOCUMENTS, render_site
from hiccup.snapshot.unchanged import keep_unchanged
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.database import answers
from hiccup.store.monitor_figures import component_latency
from hiccup.store.page_figures import read_figures
from hiccup.store.public_bars import BarsCache
from hiccup.store.public_read import read_public_state

__all__ = [
    "HTML",
    "JSON",
    "JSON_DOCUMENTS",
    "Asset",
    "Snapshot",
    "SnapshotBuilder",
    "SnapshotHolder",
    "render_snapshot",
]

from hiccup.core.logs import Repeats

log = logging.getLogger(__name__)

# What the checks decided while results cannot be written; None while they are written.
MemoryView = Callable[[], MemoryStatus | None]

# A read that hangs (a network gone silent) must not hold the stale notice back.
READ_TIMEOUT_SECONDS = 10.0
# Between rebuilds, how often the database is asked whether it still answers: a failure is
# seen within this, not at the next minute's refresh, so the stale notice keeps its bound.
CHECK_SECONDS = 10.0
# What a component's response-time chart covers (`show_response_time`), hour by hour.
RESPONSE_TIME_SPAN = timedelta(hours=24)


def render_snapshot(state: PublicState, stale_since: datetime | None = None) -> Snapshot:
    """One page, at the root: the whole site of an instance without `pages:`."""
    site = Site((SitePage(state.page.slug, default=True),))
    snapshot = render_site({state.page.slug: state}, site, state.generated_at)
    return snapshot if stale_since is None else mark_stale(snapshot, stale_since)


class SnapshotHolder:
    """The current snapshot, swapped atomically; readers never see a half-built one.
    Live listeners wait on `changed()`, woken once per new snapshot."""

    def __init__(self) -> None:
        self.current: Snapshot | None = None
        self._changed = asyncio.Event()

    def publish(self, snapshot: Snapshot) -> None:
        self.current = snapshot
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()

    async def changed(self) -> None:
        await self._changed.wait()

    def get(self, path: str) -> Asset | None:
        snapshot = self.current
        return snapshot.find(None, path) if snapshot else None


def with_figures(state: PublicState, figures: Mapping[str, tuple[str, Figures]]) -> PublicState:
    components = tuple(
        replace(c, key=figures[c.id][0], figures=figures[c.id][1]) if c.id in figures else c
        for c in state.components
    )
    return replace(state, components=components)


async def with_response_time(
    conn: AsyncConnection,
    page_id: str,
    site: Site,
    figures: dict[str, tuple[str, Figures]],
    now: datetime,
) -> dict[str, tuple[str, Figures]]:
    """The figures, with the last day's response time of the components that show it."""
    lo = now - RESPONSE_TIME_SPAN
    found = await component_latency(conn, page_id, site.response_time_keys, lo, now)
    return {
        cid: (key, replace(f, show_response_time=True, latency=tuple(found[cid])))
        if cid in found
        else (key, f)
        for cid, (key, f) in figures.items()
    }


class SnapshotBuilder:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        holder: SnapshotHolder,
        page_slug: str,
        *,
        site: Site | None = None,
        disk: SnapshotDisk | None = None,
        stale_after: timedelta = timedelta(seconds=30),
        memory: MemoryView | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._holder = holder
        self._slug = page_slug
        self.site = site or Site((SitePage(page_slug, default=True),))
        self._disk = disk
        self._stale_after = stale_after
        self._dirty = asyncio.Event()
        self.last_success: datetime | None = None
        self._bars = BarsCache()  # the closed days' uptime bars, checked on every read
        self._failing = Repeats(log, "could not rebuild the public snapshot; serving the last one")
        self._memory: MemoryView = memory or (lambda: None)
        self._bases: dict[str, PublicState] | None = None  # the last good read, as read

    def request(self) -> None:
        self._dirty.set()

    async def read_bases(self, now: datetime) -> dict[str, PublicState]:
        """Each page's slug -> the instance's state it is cut from."""
        # One read per distinct zone and span of days: the uptime bars count days there.
        shapes = {(p.time_zone, p.history_days) for p in self.site.pages}
        read: dict[tuple[str | None, int | None], PublicState] = {}
        async with self._engine.connect() as conn:
            for zone, days in sorted(shapes, key=str):
                read[(zone, days)] = await read_public_state(
                    conn, self._slug, now, time_zone=zone, history_days=days, bars=self._bars
                )
            page_id = next(iter(read.values())).page.id
            figures = await read_figures(conn, page_id, now)
            if self.site.response_time_keys:
                figures = await with_response_time(conn, page_id, self.site, figures, now)
        return {
            p.slug: with_figures(read[(p.time_zone, p.history_days)], figures)
            for p in self.site.pages
        }

    def _shown(self, bases: Mapping[str, PublicState]) -> dict[str, PublicState]:
        memory = self._memory()
        if memory is None:
            return dict(bases)
        return {slug: with_memory(base, memory) for slug, base in bases.items()}

    async def rebuild(self) -> Snapshot:
        now = self._clock.now()
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            bases = await self.read_bases(now)
        self._bases, self.last_success = bases, now
        # Rendering a big site takes a while: in a thread, the loop keeps answering meanwhile.
        rendered = await asyncio.to_thread(render_site, self._shown(bases), self.site, now)
        snapshot = self._kept_on_disk(keep_unchanged(self._holder.current, rendered))
        self._holder.publish(snapshot)
        if self._disk is not None:
            await self._disk.save_async(snapshot)
        return snapshot

    def _kept_on_disk(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot, its feeds written to disk once rendered on first request."""
        if self._disk is not None:
            snapshot.report_renders_to(self._disk.feed_rendered)
        return snapshot

    async def attempt(self) -> bool:
        """Rebuild; if the database cannot be read, keep serving the last state (with what
        the checks decided meanwhile) and, once due, say it is the last known. True if read."""
        try:
            await self.rebuild()
        except Exception as error:
            self._failing.failed(error)
            now = self._clock.now()
            await self._serve_memory(now)
            self.mark_failure(now)
            return False
        self._failing.recovered()
        return True

    async def _serve_memory(self, now: datetime) -> None:
        """Re-render the last state read with the statuses the checks decided in memory."""
        current = self._holder.current
        if self._bases is None or self._memory() is None or current is None:
            return
        rendered = await asyncio.to_thread(render_site, self._shown(self._bases), self.site, now)
        snapshot = self._kept_on_disk(keep_unchanged(current, rendered))
        if current.stale_since is not None:
            snapshot = mark_stale(snapshot, current.stale_since)
        if snapshot.version != current.version:
            self._holder.publish(snapshot)

    def _stale_from(self, current: Snapshot) -> datetime:
        return self.last_success or current.generated_at

    def mark_failure(self, now: datetime) -> None:
        """After `stale_after` without a good build, say the page shows the last known status."""
        current = self._holder.current
        if current is None or current.stale_since is not None:
            return
        since = self._stale_from(current)
        if now - since >= self._stale_after:
            self._holder.publish(mark_stale(current, since))

    def retry_delay(self, now: datetime) -> float:
        """Seconds until the next read after a failure: soon and jittered (replicas do not
        retry in step), and no later than the moment the stale notice falls due."""
        delay = random.uniform(2.0, 6.0)
        current = self._holder.current
        if current is None or current.stale_since is not None:
            return delay
        due = (self._stale_from(current) + self._stale_after - now).total_seconds()
        return min(delay, max(due, 0.0))

    async def _retry_soon(self) -> None:
        await asyncio.sleep(self.retry_delay(self._clock.now()))
        self._dirty.set()

    async def _wait(self, refresh_seconds: float, check_seconds: float) -> None:
        """Until a change asks for a rebuild, the refresh is due, or the database stops
        answering (asked every `check_seconds`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + refresh_seconds
        while (left := deadline - loop.time()) > 0:
            try:
                async with asyncio.timeout(min(left, check_seconds)):
                    await self._dirty.wait()
                return
            except TimeoutError:
                pass
            if loop.time() < deadline and not await self._answers(check_seconds):
                return

    async def _answers(self, within: float) -> bool:
        try:
            async with asyncio.timeout(within):
                return await answers(self._engine)
        except TimeoutError:
            return False

    async def run(
        self,
        refresh_seconds: float = 60.0,
        debounce_seconds: float = 0.2,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        retry: asyncio.Task[None] | None = None
        try:
            while True:
                await self._wait(refresh_seconds, check_seconds)
                # Let a burst of changes land before rendering once.
                await asyncio.sleep(debounce_seconds)
                self._dirty.clear()
                if not await self.attempt() and (retry is None or retry.done()):
                    retry = asyncio.create_task(self._retry_soon())
        finally:
            if retry is not None:
                retry.cancel()
