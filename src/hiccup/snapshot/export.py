"""The public site as static files: any static host or CDN serves it with no Hiccup running.

Paths map to files the way static hosts look them up: '/' -> index.html, '/incidents/x' ->
incidents/x/index.html, '/api/v2/summary.json' as is. Each file gets a gzip twin (.gz) for
servers that send precompressed files (nginx `gzip_static on`). Private pages are never
exported: the export is built from the public pages only, and private assets are refused here
once more.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from hiccup.snapshot.assets import Asset, Snapshot
from hiccup.snapshot.wire import PUBLIC_CACHE

log = logging.getLogger(__name__)

MANIFEST = ".hiccup-export.json"

HEADERS_FILE = """\
# Response headers for static hosts that read a _headers file (Netlify, Cloudflare Pages).
# Content types follow the file extensions. See docs/page.md for an nginx server block.
/*
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  Cache-Control: {cache}
/api/*
  Access-Control-Allow-Origin: *
/badge/*
  Access-Control-Allow-Origin: *
"""


def file_for(path: str) -> str | None:
    """The file a static host serves for `path`; None for a path that is an alias only."""
    parts = PurePosixPath(path.strip("/")).parts
    if ".." in parts:
        return None
    if not parts:
        return "index.html"
    if path.endswith("/") or "." not in parts[-1]:
        return "/".join((*parts, "index.html"))
    return "/".join(parts)


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)  # a reader of the export never sees half a file


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _files(snapshot: Snapshot) -> dict[str, Asset]:
    files: dict[str, Asset] = {}
    for path, asset in sorted(snapshot.rendered().items()):
        name = file_for(path)
        if name is None or asset.private:
            continue
        files.setdefault(name, asset)
    return files


def export_snapshot(snapshot: Snapshot, out: Path) -> ExportReport:
    """Write the snapshot's public files into `out`, touching only what changed since the
    last export there, and removing files a previous export wrote that are gone now."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        before: dict[str, str] = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        before = {}
    report, now = ExportReport(), {}
    for name, asset in _files(snapshot).items():
        now[name] = asset.etag
        if before.get(name) == asset.etag and (out / name).exists():
            report.unchanged += 1
            continue
        _write(out / name, asset.body)
        _write(out / f"{name}.gz", asset.gzipped)
        report.written.append(name)
    for name in sorted(set(before) - set(now)):
        for stale in (out / name, out / f"{name}.gz"):
            stale.unlink(missing_ok=True)
        report.removed.append(name)
    _write(out / "_headers", HEADERS_FILE.format(cache=PUBLIC_CACHE).encode())
    _write(out / MANIFEST, json.dumps(now, indent=0, sort_keys=True).encode())
    return report
