"""The public snapshot: every public response rendered to bytes + ETag when something changes.

The page never waits on the database: requests read the current snapshot from memory; a
builder replaces it after changes (debounced) and once a minute so 'today' and ages stay true.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from hiccup.clock import Clock
from hiccup.core.public import PublicState
from hiccup.store.public_read import read_public_state
from hiccup.web.public import statuspage
from hiccup.web.public.render import render_page

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    gzipped: bytes  # compressed once per snapshot, not once per request

    @classmethod
    def of(cls, body: bytes, content_type: str) -> Asset:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, content_type, f'"{digest}"', gzip.compress(body, 6, mtime=0))


@dataclass(frozen=True, slots=True)
class Snapshot:
    generated_at: datetime
    assets: dict[str, Asset] = field(default_factory=dict)


JSON_DOCUMENTS: dict[str, Callable[[PublicState], dict[str, object]]] = {
    "/api/v2/summary.json": statuspage.summary,
    "/api/v2/status.json": statuspage.status,
    "/api/v2/components.json": statuspage.components,
    "/api/v2/incidents.json": statuspage.incidents,
    "/api/v2/incidents/unresolved.json": statuspage.unresolved_incidents,
    "/api/v2/scheduled-maintenances.json": statuspage.scheduled_maintenances,
    "/api/v2/scheduled-maintenances/upcoming.json": statuspage.upcoming_maintenances,
    "/api/v2/scheduled-maintenances/active.json": statuspage.active_maintenances,
}


def render_snapshot(state: PublicState, stale_since: datetime | None = None) -> Snapshot:
    assets = {"/": Asset.of(render_page(state, stale_since=stale_since).encode(), HTML)}
    for path, document in JSON_DOCUMENTS.items():
        assets[path] = Asset.of(statuspage.dumps(document(state)), JSON)
    return Snapshot(state.generated_at, assets)


class SnapshotHolder:
    """The current snapshot, swapped atomically; readers never see a half-built one."""

    def __init__(self) -> None:
        self.current: Snapshot | None = None

    def get(self, path: str) -> Asset | None:
        snapshot = self.current
        return snapshot.assets.get(path) if snapshot else None


class SnapshotBuilder:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, holder: SnapshotHolder, page_slug: str
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._holder = holder
        self._slug = page_slug
        self._dirty = asyncio.Event()

    def request(self) -> None:
        self._dirty.set()

    async def rebuild(self) -> Snapshot:
        now = self._clock.now()
        async with self._engine.connect() as conn:
            state = await read_public_state(conn, self._slug, now)
        snapshot = render_snapshot(state)
        self._holder.current = snapshot
        return snapshot

    async def run(self, refresh_seconds: float = 60.0, debounce_seconds: float = 0.2) -> None:
        while True:
            try:
                async with asyncio.timeout(refresh_seconds):
                    await self._dirty.wait()
            except TimeoutError:
                pass
            # Let a burst of changes land before rendering once.
            await asyncio.sleep(debounce_seconds)
            self._dirty.clear()
            try:
                await self.rebuild()
            except Exception:
                log.exception("could not rebuild the public snapshot; serving the last one")
