"""The feeds and calendar on disk beside the snapshot, so a restart without a database still
serves them: feeds.json names, for each one, the blob of its last rendering (or none yet).

They are rendered on their first request (`Snapshot.deferred`), not at each build, so feedgen,
lxml and icalendar stay unimported until someone reads a feed. Each rendering is written
when it is made (in a thread, a few coalesced into one write of feeds.json). A snapshot saved
before its own feeds were asked for carries the previous ones over: a feed a little older than
the page beats none, and it says its own age (Atom's and RSS's `updated`, the calendar's
stamps); the next rendering replaces it. A feed never rendered since the directory was made
is listed without a blob: read back, it answers 503 (it comes with the database), not 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from hiccup.auth.page_access import Guard
from hiccup.snapshot.assets import Asset, AssetKey, DeferredAssets, Later, Snapshot
from hiccup.snapshot.blobs import entry, read_asset, write_atomically, write_blob

log = logging.getLogger(__name__)

FORMAT = 1
Entries = dict[AssetKey, dict[str, Any]]


def _rendered_entry(key: AssetKey, asset: Asset, generated_at: datetime) -> dict[str, Any]:
    return entry(key[1], key[0], asset) | {"generated_at": generated_at.isoformat()}


def _waiting_entry(key: AssetKey, later: Later) -> dict[str, Any]:
    host, path = key
    return {"path": path, "host": host, "blob": None, "page": later.page, "private": later.private}


def _belongs(old: dict[str, Any], page: str | None, private: bool) -> bool:
    """The old rendering is of the same page, as private as it is now (a page made private
    since must not serve its old public feed)."""
    return bool(old["page"] == page and bool(old["private"]) == private)


def _newer(old: dict[str, Any], generated_at: datetime) -> bool:
    stamp = old.get("generated_at")
    return stamp is None or datetime.fromisoformat(stamp) <= generated_at


def _always(asset: Asset) -> Later:
    return Later(lambda: asset, asset.page or "", asset.private)


class FeedShelf:
    """feeds.json and the blobs it names; `lock` is the snapshot directory's (disk.py)."""

    def __init__(self, directory: Path, blobs: Path, lock: threading.Lock) -> None:
        self.file = directory / "feeds.json"
        self.blobs = blobs
        self.lock = lock
        self._entries: Entries | None = None  # as last written; None: not read yet
        self._queued: dict[AssetKey, tuple[Asset, datetime]] = {}
        self._writing: asyncio.Task[None] | None = None

    def _read(self) -> Entries:
        if self._entries is None:
            self._entries = {}
            try:
                if self.file.exists():
                    found = json.loads(self.file.read_bytes())
                    if found.get("format") == FORMAT:
                        self._entries = {(e["host"], e["path"]): e for e in found["feeds"]}
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("unreadable %s (%r); feeds start afresh", self.file, error)
        return self._entries

    def _write(self, entries: Entries) -> None:
        document = {"format": FORMAT, "feeds": list(entries.values())}
        write_atomically(self.file, json.dumps(document).encode())
        self._entries = entries

    def shelve(self, snapshot: Snapshot, rendered: Mapping[AssetKey, Asset]) -> set[str]:
        """With `snapshot` being saved (lock held): its feeds rendered so far, the previous
        renderings of the others. The blobs to keep."""
        previous = self._read()
        entries: Entries = {}
        for key, later in snapshot.deferred.items():
            asset, old = rendered.get(key), previous.get(key)
            if asset is not None:
                write_blob(self.blobs, asset)
                entries[key] = _rendered_entry(key, asset, snapshot.generated_at)
            elif old is not None and old["blob"] and _belongs(old, later.page, later.private):
                entries[key] = old
            else:
                entries[key] = _waiting_entry(key, later)
        self._write(entries)
        return {e["blob"] for e in entries.values() if e["blob"]}

    def rendered(self, snapshot: Snapshot, key: AssetKey, asset: Asset) -> None:
        """A `Snapshot.on_render` listener: write it soon, off the event loop."""
        self._queued[key] = (asset, snapshot.generated_at)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a script): write it now
            self._store(self._take())
            return
        if self._writing is None or self._writing.done():
            self._writing = loop.create_task(self._store_soon())

    def _take(self) -> dict[AssetKey, tuple[Asset, datetime]]:
        batch, self._queued = self._queued, {}
        return batch

    async def _store_soon(self) -> None:
        # Taken on the loop, written in a thread: what is rendered meanwhile waits its turn.
        while self._queued:
            try:
                await asyncio.to_thread(self._store, self._take())
            except OSError as error:
                log.warning("could not write a feed to %s: %r", self.file, error)

    async def settle(self) -> None:
        """Until the renderings queued so far are written (before the server stops)."""
        if self._writing is not None:
            await asyncio.shield(self._writing)

    def _store(self, batch: Mapping[AssetKey, tuple[Asset, datetime]]) -> None:
        with self.lock:
            self.blobs.mkdir(parents=True, exist_ok=True)
            entries = dict(self._read())
            for key, (asset, generated_at) in batch.items():
                old = entries.get(key)
                if old is not None and not (
                    _newer(old, generated_at) and _belongs(old, asset.page, asset.private)
                ):
                    continue  # a later snapshot's, or of a page that changed since
                write_blob(self.blobs, asset)
                entries[key] = _rendered_entry(key, asset, generated_at)
            self._write(entries)

    def load(self, guards: Mapping[str, Guard]) -> tuple[DeferredAssets, dict[AssetKey, str]]:
        """What was saved: the feeds to serve, and those never rendered (where -> page). A
        private page's stay out unless the config still guards it."""
        served: DeferredAssets = {}
        waiting: dict[AssetKey, str] = {}
        for key, saved in self._read().items():
            if saved["private"] and saved["page"] not in guards:
                continue
            if not saved["blob"]:
                waiting[key] = str(saved["page"])
                continue
            try:
                served[key] = _always(read_asset(self.blobs, saved))
            except OSError as error:
                log.warning("feed %s unreadable (%r); not served", key[1], error)
        return served, waiting
