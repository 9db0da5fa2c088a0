"""The feeds on disk: a feed rendered for a snapshot is written beside it and read back byte for
byte; a later snapshot saved before its own feeds were asked for carries the last renderings
over, and its own rendering replaces them; a feed never rendered comes back as pending (503,
not 404); a private page's feeds come back only behind its guard, and a page made private
since does not serve its old public feeds."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
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

ATOM = "/history.atom"


def saved_with_feeds(disk: SnapshotDisk, snapshot: Snapshot) -> Snapshot:
    """Saved as the builder saves it: feeds written when rendered."""
    snapshot.report_renders_to(disk.feed_rendered)
    disk.save(snapshot)
    return snapshot


def test_a_feed_rendered_after_the_save_is_read_back_byte_for_byte(tmp_path: Path) -> None:
    disk = SnapshotDisk(tmp_path)
    snapshot = saved_with_feeds(disk, render_snapshot(site_state()))
    atom = snapshot.find(None, ATOM)  # no loop running: written at once
    assert atom is not None
    loaded = disk.load({})
    assert loaded is not None
    back = loaded.find(None, ATOM)
    assert back is not None
    assert (back.body, back.gzipped, back.etag, back.headers, back.content_type) == (
        atom.body,
        atom.gzipped,
        atom.etag,
        atom.headers,
        atom.content_type,
    )
    assert loaded.waiting(None, "/history.rss") == site_state().page.slug  # never rendered
    assert loaded.find(None, "/history.rss") is None
    assert loaded.waiting(None, "/nothing.atom") is None


def test_a_later_snapshot_carries_the_last_rendering_until_it_renders_its_own(
    tmp_path: Path,
) -> None:
    disk = SnapshotDisk(tmp_path)
    first = saved_with_feeds(disk, render_snapshot(site_state()))
    old = first.find(None, ATOM)
    assert old is not None
    later = replace(
        site_state(), generated_at=NOW + timedelta(hours=2), open_incidents=(), recent_incidents=()
    )
    second = saved_with_feeds(disk, render_snapshot(later))
    carried = disk.load({})
    assert carried is not None
    assert carried.generated_at == second.generated_at
    found = carried.find(None, ATOM)
    assert found is not None
    assert found.etag == old.etag  # the older feed, not a 404

    new = second.find(None, ATOM)
    assert new is not None
    assert new.etag != old.etag
    again = disk.load({})
    assert again is not None
    replaced = again.find(None, ATOM)
    assert replaced is not None
    assert replaced.body == new.body
    disk.save(second)  # the next build's save collects the replaced feed's blob
    assert on_disk(tmp_path) == named(tmp_path)


def on_disk(directory: Path) -> set[str]:
    return {p.name.removesuffix(".gz") for p in (directory / "blobs").iterdir()}


def named(directory: Path) -> set[str]:
    manifest = json.loads((directory / "manifest.json").read_bytes())
    feeds = json.loads((directory / "feeds.json").read_bytes())
    return {e["blob"] for e in manifest["assets"]} | {e["blob"] for e in feeds["feeds"]} - {None}


def test_a_feed_rendered_for_an_older_snapshot_does_not_replace_a_newer_one(
    tmp_path: Path,
) -> None:
    disk = SnapshotDisk(tmp_path)
    first = saved_with_feeds(disk, render_snapshot(site_state()))
    later = replace(
        site_state(), generated_at=NOW + timedelta(hours=2), open_incidents=(), recent_incidents=()
    )
    second = saved_with_feeds(disk, render_snapshot(later))
    new = second.find(None, ATOM)
    assert first.find(None, ATOM) is not None  # a reader still on the older snapshot
    loaded = disk.load({})
    assert loaded is not None
    found = loaded.find(None, ATOM)
    assert new is not None
    assert found is not None
    assert found.etag == new.etag


def guarded_site(guard: Guard | None) -> Snapshot:
    state = site_state()
    site = Site(
        (
            SitePage(state.page.slug, default=True),
            SitePage("ops", PageLook(prefix="/p/ops"), ("api",), guard=guard),
        )
    )
    return render_site({state.page.slug: state, "ops": state}, site, NOW)


def test_a_private_page_s_feeds_come_back_only_behind_its_guard(tmp_path: Path) -> None:
    guard = Guard("ops", "pw")
    disk = SnapshotDisk(tmp_path)
    snapshot = saved_with_feeds(disk, guarded_site(guard))
    assert snapshot.find(None, "/p/ops/history.atom") is not None
    guarded = disk.load({"ops": guard})
    unguarded = disk.load({})
    assert guarded is not None
    assert unguarded is not None
    found = guarded.find(None, "/p/ops/history.atom")
    assert found is not None
    assert found.private
    assert guarded.waiting(None, "/p/ops/history.rss") == "ops"
    assert unguarded.find(None, "/p/ops/history.atom") is None
    assert unguarded.waiting(None, "/p/ops/history.rss") is None


def test_a_page_made_private_does_not_carry_its_old_public_feeds(tmp_path: Path) -> None:
    disk = SnapshotDisk(tmp_path)
    public = saved_with_feeds(disk, guarded_site(None))
    assert public.find(None, "/p/ops/history.atom") is not None
    guard = Guard("ops", "pw")
    saved_with_feeds(disk, guarded_site(guard))  # its feeds not asked for yet
    loaded = disk.load({"ops": guard})
    assert loaded is not None
    assert loaded.find(None, "/p/ops/history.atom") is None
    assert loaded.waiting(None, "/p/ops/history.atom") == "ops"
