"""Conversions between rows and domain values that both engines store differently."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from hiccup.core.detection import Track
from hiccup.core.reach import REACHED_BEFORE
from hiccup.core.status import MonitorState


def utc(moment: datetime) -> datetime:
    """A moment as aware UTC. Columns of type UtcDateTime already read back so; this is for
    values that did not come through one (JSON, aggregates typed otherwise)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


_TIME_FIELDS = {f.name for f in fields(Track) if f.name.endswith(("_since", "_at"))}
_FIELDS = tuple(f.name for f in fields(Track))


def track_to_json(track: Track) -> dict[str, Any]:
    # Field by field rather than dataclasses.asdict (a deep copy): it runs once per result.
    data: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(track, name)
        data[name] = (value.isoformat() if value else None) if name in _TIME_FIELDS else value
    data["state"] = track.state.value
    return data


def track_from_json(data: dict[str, Any]) -> Track:
    values = dict(data)
    for name in _TIME_FIELDS:
        values[name] = datetime.fromisoformat(values[name]) if values.get(name) else None
    values["state"] = MonitorState(values["state"])
    # Stored before reaching was tracked: the monitor ran then, so it counts as reached.
    values.setdefault("reached_for", REACHED_BEFORE)
    known = {f.name for f in fields(Track)}
    return Track(**{k: v for k, v in values.items() if k in known})
