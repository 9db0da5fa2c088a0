"""The snapshot on disk: written atomically after each build, read back byte for byte, only
changed bodies rewritten, and a private page's files left unreachable without its guard."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hiccup.auth.page_access import Guard
from hiccup.snapshot.assets import Snapshot
from hiccup.snapshot.builder import render_snapshot
from hiccup.snapshot.disk import SnapshotDisk
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state


def private_site_snapshot() -> Snapshot:
    state = site_state()
    site = Site(
        (
            SitePage(state.page.slug, default=True, hosts=("status.example",)),
            SitePage("ops", PageLook(prefix="/p/ops"), ("api",), guard=Guard("ops", "pw")),
        )
    )
    return render_site({state.page.slug: state, "ops": state}, site, NOW)


def test_a_saved_snapshot_loads_back_byte_for_byte(tmp_path: Path) -> None:
    snapshot = private_site_snapshot()
    disk = SnapshotDisk(tmp_path / "snapshot")
    disk.save(snapshot)
    loaded = disk.load(snapshot.guards)
    assert loaded is not None
    assert loaded.generated_at == snapshot.generated_at
    assert set(loaded.assets) == set(snapshot.assets)
    for path, asset in snapshot.assets.items():
        back = loaded.assets[path]
        assert (back.body, back.gzipped, back.etag) == (asset.body, asset.gzipped, asset.etag)
        assert (back.content_type, back.headers, back.private) == (
            asset.content_type,
            asset.headers,
            asset.private,
        )
    assert set(loaded.hosts["status.example"]) == set(snapshot.hosts["status.example"])
    assert loaded.version == snapshot.version


def test_without_its_guard_a_private_page_does_not_come_back(tmp_path: Path) -> None:
    disk = SnapshotDisk(tmp_path)
    disk.save(private_site_snapshot())
    loaded = disk.load({})
    assert loaded is not None
    assert not any(path.startswith("/p/ops") for path in loaded.assets)
    assert "/" in loaded.assets


def test_only_changed_bodies_are_written_and_old_ones_removed(tmp_path: Path) -> None:
    disk = SnapshotDisk(tmp_path)
    first = render_snapshot(site_state())
    disk.save(first)
    badge = disk.blobs / first.assets["/badge/status.svg"].etag.strip('"')
    page = disk.blobs / first.assets["/"].etag.strip('"')
    os.utime(badge, (0, 0))
    second = render_snapshot(site_state(open_incidents=()))
    disk.save(second)
    assert badge.stat().st_mtime == 0  # the status badge did not change: not rewritten
    assert not page.exists()  # the old page is gone once the manifest no longer names it
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {e["path"] for e in manifest["assets"]} == set(second.assets)
    assert not list(tmp_path.glob("**/.*.tmp"))


def test_a_damaged_or_missing_snapshot_is_no_snapshot(tmp_path: Path) -> None:
    disk = SnapshotDisk(tmp_path)
    assert disk.load({}) is None
    disk.save(render_snapshot(site_state()))
    (tmp_path / "manifest.json").write_text("{not json")
    assert disk.load({}) is None
