"""Content-addressed bodies on disk: each distinct body once, named by its ETag's digest, with
its gzip beside it, written atomically. Shared by the snapshot's manifest (disk.py) and the
feeds saved when first rendered (disk_feeds.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hiccup.snapshot.assets import Asset


def digest(asset: Asset) -> str:
    return asset.etag.strip('"')


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def write_blob(blobs: Path, asset: Asset) -> None:
    """The asset's body and gzip, unless a body of the same content is there already."""
    blob = blobs / digest(asset)
    if not blob.exists():
        write_atomically(blob.with_name(blob.name + ".gz"), asset.gzipped)
        write_atomically(blob, asset.body)


def entry(path: str, host: str | None, asset: Asset) -> dict[str, Any]:
    """What a manifest says of one response, its body named by `blob`."""
    return {
        "path": path,
        "host": host,
        "blob": digest(asset),
        "content_type": asset.content_type,
        "headers": [list(pair) for pair in asset.headers],
        "page": asset.page,
        "private": asset.private,
    }


def read_asset(blobs: Path, named: dict[str, Any]) -> Asset:
    """The response a manifest entry names, byte for byte as it was written."""
    blob = blobs / named["blob"]
    headers = tuple((str(k), str(v)) for k, v in named["headers"])
    body, packed = blob.read_bytes(), blob.with_name(blob.name + ".gz").read_bytes()
    return Asset(
        body,
        named["content_type"],
        f'"{named["blob"]}"',
        packed,
        headers,
        named["page"],
        bool(named["private"]),
    )
