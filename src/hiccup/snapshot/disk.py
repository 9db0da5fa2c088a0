"""The snapshot on disk, so a restart without a database still serves the last good page.

Layout of the directory (HICCUP_DATA_DIR/snapshot by default):
  blobs/<digest>      each distinct body once, named by its content, with <digest>.gz beside it
  manifest.json       paths, hosts, content types, headers, page slugs, generated_at

Content-addressed blobs make a rebuild write only what changed, and make the switch atomic: new
blobs are written (temp file, fsync, rename) before the manifest that names them replaces the
old one the same way. A crash at any point leaves the old manifest and all its blobs intact.

The feeds and calendar are not saved: they are rendered on their first request from the state
read (`Snapshot.deferred`), which a snapshot read back from disk does not have, so after a
restart without a database they answer 404 until it is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hiccup.auth.page_access import Guard
from hiccup.core.logs import Repeats
from hiccup.snapshot.assets import HTML, Asset, Snapshot
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


def _digest(asset: Asset) -> str:
    return asset.etag.strip('"')


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def _entries(path: str, host: str | None, asset: Asset) -> list[dict[str, Any]]:
    """The asset and its language variants (marked with the variant's language)."""
    own = [_entry(path, host, asset)]
    return own + [_entry(path, host, v) | {"variant": code} for code, v in asset.variants]


def _with_variants(asset: Asset) -> list[Asset]:
    return [asset, *(v for _code, v in asset.variants)]


def _entry(path: str, host: str | None, asset: Asset) -> dict[str, Any]:
    return {
        "path": path,
        "host": host,
        "blob": _digest(asset),
        "content_type": asset.content_type,
        "headers": [list(pair) for pair in asset.headers],
        "page": asset.page,
        "private": asset.private,
    }


class SnapshotDisk:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.blobs = directory / "blobs"
        self._failing = Repeats(log, f"could not write the snapshot to {directory}")

    def save(self, snapshot: Snapshot) -> None:
        """Write the snapshot (blocking: call it in a thread)."""
        self.blobs.mkdir(parents=True, exist_ok=True)
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
            blob = self.blobs / _digest(asset)
            if not blob.exists():
                _write_atomically(blob.with_name(blob.name + ".gz"), asset.gzipped)
                _write_atomically(blob, asset.body)
        manifest = {
            "format": FORMAT,
            "generated_at": snapshot.generated_at.isoformat(),
            "zones": snapshot.zones,
            "languages": snapshot.languages,
            "assets": entries,
        }
        _write_atomically(self.directory / "manifest.json", json.dumps(manifest).encode())
        self._collect({e["blob"] for e in entries})

    def _collect(self, keep: set[str]) -> None:
        for blob in self.blobs.iterdir():
            if blob.name.removesuffix(".gz") not in keep:
                blob.unlink(missing_ok=True)

    async def save_async(self, snapshot: Snapshot) -> None:
        try:
            await asyncio.to_thread(self.save, snapshot)
        except OSError as error:  # a full disk: each rebuild would say so again
            self._failing.failed(error)
        else:
            self._failing.recovered()

    def _asset(self, entry: dict[str, Any]) -> Asset:
        blob = self.blobs / entry["blob"]
        headers = tuple((str(k), str(v)) for k, v in entry["headers"])
        body, packed = blob.read_bytes(), blob.with_name(blob.name + ".gz").read_bytes()
        return Asset(
            body,
            entry["content_type"],
            f'"{entry["blob"]}"',
            packed,
            headers,
            entry["page"],
            bool(entry["private"]),
        )

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
            for entry in manifest["assets"]:
                if entry["private"] and entry["page"] not in guards:
                    continue
                if "variant" in entry:
                    variants.append(entry)
                    continue
                target = assets if entry["host"] is None else hosts.setdefault(entry["host"], {})
                target[entry["path"]] = self._asset(entry)
            for entry in variants:
                target = assets if entry["host"] is None else hosts[entry["host"]]
                main = target[entry["path"]]
                pair = (str(entry["variant"]), self._asset(entry))
                target[entry["path"]] = replace(main, variants=(*main.variants, pair))
            generated_at = datetime.fromisoformat(manifest["generated_at"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(
                "unreadable snapshot in %s (%r); starting without it", self.directory, error
            )
            return None
        languages = dict(manifest.get("languages", {}))
        return Snapshot(
            generated_at, assets, hosts, dict(guards), dict(manifest["zones"]), languages=languages
        )
