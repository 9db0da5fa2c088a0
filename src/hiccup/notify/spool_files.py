"""The alert spool on disk: one JSON file per alert, written whole or not at all.

Each write goes to a temporary file that is fsynced, renamed over the entry and followed by an
fsync of the directory, so after a crash (even `kill -9` or a power cut) an entry is either its
old or its new self, never torn. Entries are small and few (one per alert decided while the
database was away), so rewriting one whole is cheaper than anything cleverer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from hiccup.core.detection import Transition
from hiccup.core.status import MonitorState
from hiccup.store.codec import track_from_json, track_to_json
from hiccup.store.recording import TrackChange

log = logging.getLogger(__name__)

_SUFFIX = ".alert.json"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass
class Delivery:
    """One channel's copy of a spooled alert."""

    channel: dict[str, Any]  # id, key, kind, target, options: as the outbox worker sees it
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    settled_at: datetime | None = None
    error: str | None = None


@dataclass
class SpoolEntry:
    key: str  # the outbox message key of the same alert
    content: dict[str, Any]
    change: TrackChange  # the confirmed transition it tells of
    deliveries: list[Delivery] = field(default_factory=list)

    def idempotency_key(self, delivery: Delivery) -> str:
        """What the outbox row for this channel would carry: same Idempotency-Key, same
        Message-ID."""
        return f"{self.key}/{delivery.channel['id']}"

    @property
    def settled(self) -> bool:
        return all(d.state is not DeliveryState.PENDING for d in self.deliveries)

    @property
    def file_name(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:32] + _SUFFIX


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _change_doc(change: TrackChange) -> dict[str, Any]:
    moved = change.transition
    assert moved is not None, "only confirmed transitions are spooled"
    return {
        "monitor_id": change.monitor_id,
        "track": track_to_json(change.track),
        "last_result_at": change.last_result_at.isoformat(),
        "previous": moved.previous.value,
        "current": moved.current.value,
        "started_at": moved.started_at.isoformat(),
        "confirmed_at": moved.confirmed_at.isoformat(),
        "reached": change.reached,
    }


def _change(doc: dict[str, Any]) -> TrackChange:
    moved = Transition(
        MonitorState(doc["previous"]),
        MonitorState(doc["current"]),
        datetime.fromisoformat(doc["started_at"]),
        datetime.fromisoformat(doc["confirmed_at"]),
    )
    at = datetime.fromisoformat(doc["last_result_at"])
    track = track_from_json(doc["track"])
    return TrackChange(doc["monitor_id"], track, at, moved, bool(doc.get("reached", True)))


def to_doc(entry: SpoolEntry) -> dict[str, Any]:
    deliveries = [
        {
            "channel": d.channel,
            "state": d.state.value,
            "attempts": d.attempts,
            "settled_at": d.settled_at.isoformat() if d.settled_at else None,
            "error": d.error,
        }
        for d in entry.deliveries
    ]
    return {
        "version": 1,
        "key": entry.key,
        "content": entry.content,
        "change": _change_doc(entry.change),
        "deliveries": deliveries,
    }


def from_doc(doc: dict[str, Any]) -> SpoolEntry:
    deliveries = [
        Delivery(
            d["channel"],
            DeliveryState(d["state"]),
            d["attempts"],
            _time(d["settled_at"]),
            d["error"],
        )
        for d in doc["deliveries"]
    ]
    return SpoolEntry(doc["key"], doc["content"], _change(doc["change"]), deliveries)


class SpoolDirectory:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def open(self) -> list[SpoolEntry]:
        """Create the directory; the entries an earlier run left (unreadable ones are set
        aside, named in the log, rather than stopping start-up)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        entries = []
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            try:
                entries.append(from_doc(json.loads(path.read_bytes())))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.error("unreadable alert spool entry %s (%s); moved aside", path, error)
                path.replace(path.with_suffix(".broken"))
        for stale in self.directory.glob("*.tmp"):  # a write cut short: its entry is intact
            stale.unlink(missing_ok=True)
        return entries

    def write(self, entry: SpoolEntry) -> None:
        path = self.directory / entry.file_name
        temporary = path.with_suffix(".tmp")
        with temporary.open("wb") as out:
            out.write(json.dumps(to_doc(entry), separators=(",", ":")).encode())
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
        self._sync_directory()

    def remove(self, entry: SpoolEntry) -> None:
        (self.directory / entry.file_name).unlink(missing_ok=True)
        self._sync_directory()

    def _sync_directory(self) -> None:
        # The rename (or unlink) is durable only once the directory itself is on disk.
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
