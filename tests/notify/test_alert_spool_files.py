"""Spool entries on disk: written whole, read back the same, a broken one set aside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hiccup.core.detection import Track, Transition
from hiccup.core.status import MonitorState
from hiccup.notify.spool_files import Delivery, DeliveryState, SpoolDirectory, SpoolEntry
from hiccup.store.recording import TrackChange

AT = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)


def entry() -> SpoolEntry:
    track = Track(MonitorState.DOWN, failed_streak=2, failed_since=AT, changed_at=AT)
    moved = Transition(MonitorState.UP, MonitorState.DOWN, AT, AT + timedelta(seconds=1))
    change = TrackChange("m1", track, AT + timedelta(seconds=1), moved)
    hook = {"id": "c1", "key": "ops", "kind": "webhook", "target": "http://x/", "options": {}}
    delivered = Delivery(dict(hook, id="c2"), DeliveryState.DELIVERED, 1, AT, None)
    content = {"event": "down", "headline": "DOWN: flexo"}
    return SpoolEntry(
        f"alert:m1:down:{AT.isoformat()}", content, change, [Delivery(hook), delivered]
    )


def test_an_entry_reads_back_as_it_was_written(tmp_path: Path) -> None:
    disk = SpoolDirectory(tmp_path / "spool")
    assert disk.open() == []
    written = entry()
    disk.write(written)
    [read] = SpoolDirectory(tmp_path / "spool").open()
    assert read == written
    assert read.idempotency_key(read.deliveries[0]) == f"{written.key}/c1"
    assert not read.settled


def test_a_broken_entry_is_set_aside_and_a_cut_write_forgotten(tmp_path: Path) -> None:
    disk = SpoolDirectory(tmp_path)
    disk.write(entry())
    (tmp_path / "0bad.alert.json").write_text("{not json")
    (tmp_path / "cut.alert.tmp").write_text("{")
    assert len(disk.open()) == 1
    assert (tmp_path / "0bad.alert.broken").exists()
    assert not (tmp_path / "cut.alert.tmp").exists()


def test_a_removed_entry_is_gone(tmp_path: Path) -> None:
    disk = SpoolDirectory(tmp_path)
    written = entry()
    disk.write(written)
    disk.remove(written)
    assert disk.open() == []
