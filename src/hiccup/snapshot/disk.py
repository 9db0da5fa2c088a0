"""The snapshot on disk, so a restart without a database still serves the last good page.

Layout of the directory (HICCUP_DATA_DIR/snapshot by default):
  blobs/<digest>      each distinct body once, named by its content, with <digest>.gz beside it
  manifest.json       paths, hosts, content types, headers, page slugs, generated_at

Content-addressed blobs make a rebuild write only what changed, and make the switch atomic: new
blobs are written (temp file, fsync, rename) before the manifest that names them replaces the
old one the same way. A crash at any point leaves the old manifest and all its blobs intact.

The feeds and calendar, rendered on their first request rather than at each build, are kept
beside it in feeds.json (disk_feeds.py), blobs shared.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hiccup.auth.page_access import Guard
from hiccup.core.logs import Repeats
from hiccup.snapshot.assets import HTML, Asset, AssetKey, Snapshot
from hiccup.snapshot.blobs import entry, read_asset, write_atomically, write_blob
from hiccup.snapshot.disk_feeds import FeedShelf
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.pages import STALE_MARK, render_stale_notice

log = logging.getLogger(__name__)

FORMAT = 1
_STALE = STALE_MARK.encode()


def mark_stale(snapshot: Snapshot, since: datetime) -> Snapshot:
    """The same snapshot, its pages saying they show the last known status from `since`."""
    if snapshot.stale_since is not None:
        return snapshot
    notices: dict[tuple[str, str], bytes] = {}
    done: dict[int, Asset] = {}

    def notice(zone: str, language: str) -> bytes:
        if (zone, language) not in notices:
            look = PageLook(language=language)
            notices[zone, language] = render_stale_notice(since, zone, look).encode()
        return notices[zone, language]

    def mark(asset: Asset, language: str | None = None) -> Asset:
        if id(asset) in done:
            return done[id(asset)]
        marked = asset
        page = asset.page or ""
        if asset.content_type == HTML and _STALE in asset.body:
            zone = snapshot.zones.get(page, "UTC")
            words = notice(zone, language or snapshot.languages.get(page, "en"))
            marked = asset.with_body(asset.body.replace(_STALE, words, 1))
        if asset.variants:
            variants = tuple((code, mark(v, code)) for code, v in asset.variants)
            marked = replace(marked, variants=variants)
        done[id(asset)] = marked
        return marked

    assets = {path: mark(a) for path, a in snapshot.assets.items()}
    hosts = {h: {p: mark(a) for p, a in m.items()} for h, m in snapshot.hosts.items()}
    return replace(snapshot, assets=assets, hosts=hosts, stale_since=since)


def _entries(path: str, host: str | None, asset: Asset) -> list[dict[str, Any]]:
    """The asset and its language variants (marked with the variant's language)."""
    own = [entry(path, host, asset)]
    return own + [entry(path, host, v) | {"variant": code} for code, v in asset.variants]


def _with_variants(asset: Asset) -> list[Asset]:
    return [asset, *(v for _code, v in asset.variants)]


class SnapshotDisk:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.blobs = directory / "blobs"
        self._failing = Repeats(log, f"could not write the snapshot to {directory}")
        # One writer at a time: a build's save and a feed written when first rendered.
        self._lock = threading.Lock()
        self.feeds = FeedShelf(directory, self.blobs, self._lock)

    def save(self, snapshot: Snapshot, rendered: Mapping[AssetKey, Asset] | None = None) -> None:
        """Write the snapshot, with its feeds `rendered` so far (blocking: call it in a thread).
        Feeds it renders later are written when they are (`feed_rendered`)."""
        later = snapshot.rendered_later() if rendered is None else rendered
        with self._lock:
            self.blobs.mkdir(parents=True, exist_ok=True)
            self._save(snapshot, later)

    def _save(self, snapshot: Snapshot, rendered: Mapping[AssetKey, Asset]) -> None:
        entries = [e for p, a in snapshot.assets.items() for e in _entries(p, None, a)]
        entries += [
            e for h, m in snapshot.hosts.items() for p, a in m.items() for e in _entries(p, h, a)
        ]
        every = [
            v
            for a in (
                *snapshot.assets.values(),
                *(a for m in snapshot.hosts.values() for a in m.values()),
            )
            for v in _with_variants(a)
        ]
        for asset in every:
            write_blob(self.blobs, asset)
        manifest = {
            "format": FORMAT,
            "generated_at": snapshot.generated_at.isoformat(),
            "zones": snapshot.zones,
            "languages": snapshot.languages,
            "assets": entries,
        }
        write_atomically(self.directory / "manifest.json", json.dumps(manifest).encode())
        feeds = self.feeds.shelve(snapshot, rendered)
        self._collect({e["blob"] for e in entries} | feeds)

    def _collect(self, keep: set[str]) -> None:
        for blob in self.blobs.iterdir():
            if blob.name.removesuffix(".gz") not in keep:
                blob.unlink(missing_ok=True)

    def feed_rendered(self, snapshot: Snapshot, key: AssetKey, asset: Asset) -> None:
        """A `Snapshot.on_render` listener: the feed is written soon, in a thread."""
        self.feeds.rendered(snapshot, key, asset)

    async def settle(self) -> None:
        """Until the feeds rendered so far are written."""
        await self.feeds.settle()

    async def save_async(self, snapshot: Snapshot) -> None:
        rendered = snapshot.rendered_later()  # on the loop: requests add to it
        try:
            await asyncio.to_thread(self.save, snapshot, rendered)
        except OSError as error:  # a full disk: each rebuild would say so again
            self._failing.failed(error)
        else:
            self._failing.recovered()

    def load(self, guards: dict[str, Guard]) -> Snapshot | None:
        """The last snapshot written, or None. A private page's assets come back only while
        the config still guards that page: with no guard to check, they stay unreachable."""
        if not (self.directory / "manifest.json").exists():
            return None  # a first start: nothing written yet
        try:
            manifest = json.loads((self.directory / "manifest.json").read_bytes())
            if manifest.get("format") != FORMAT:
                return None
            assets: dict[str, Asset] = {}
            hosts: dict[str, dict[str, Asset]] = {}
            variants: list[dict[str, Any]] = []
            for item in manifest["assets"]:
                if item["private"] and item["page"] not in guards:
                    continue
                if "variant" in item:
                    variants.append(item)
                    continue
                target = assets if item["host"] is None else hosts.setdefault(item["host"], {})
                target[item["path"]] = read_asset(self.blobs, item)
            for item in variants:
                target = assets if item["host"] is None else hosts[item["host"]]
                main = target[item["path"]]
                pair = (str(item["variant"]), read_asset(self.blobs, item))
                target[item["path"]] = replace(main, variants=(*main.variants, pair))
            generated_at = datetime.fromisoformat(manifest["generated_at"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(
                "unreadable snapshot in %s (%r); starting without it", self.directory, error
            )
            return None
        languages = dict(manifest.get("languages", {}))
        feeds, waiting = self.feeds.load(guards)
        return Snapshot(
            generated_at,
            assets,
            hosts,
            dict(guards),
            dict(manifest["zones"]),
            languages=languages,
            deferred=feeds,
            pending=waiting,
        )
