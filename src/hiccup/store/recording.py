"""Writing a batch of results, with the detector's consequences, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.detection import Track, Transition
from hiccup.core.status import MonitorState
from hiccup.store.codec import track_to_json, utc
from hiccup.store.results import RecordedResult, write_results
from hiccup.store.tables import events, monitor_states, outages

TRANSITION_EVENT = "monitor.transition"
__all__ = ["TRANSITION_EVENT", "RecordedResult", "TrackChange", "record_batch"]


@dataclass(frozen=True, slots=True)
class TrackChange:
    monitor_id: str
    track: Track
    last_result_at: datetime
    transition: Transition | None
    # Whether the check has answered once since it was created or changed (hiccup.core.reach):
    # trouble before that is the operator's alone, kept from public uptime and the page.
    reached: bool = True


async def _upsert_tracks(conn: AsyncConnection, changes: Sequence[TrackChange]) -> None:
    rows = [
        {
            "monitor_id": c.monitor_id,
            "track": track_to_json(c.track),
            "state": c.track.state.value,
            "last_result_at": c.last_result_at,
        }
        for c in changes
    ]
    await conn.execute(_track_upsert(conn.dialect.name), rows)


@cache
def _track_upsert(dialect: str) -> Any:
    # Built once per dialect: every flush runs it, and building it (with SQLAlchemy's cache
    # key for it) cost about as much as running it for a batch of 50.
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(monitor_states)
    return statement.on_conflict_do_update(
        index_elements=[monitor_states.c.monitor_id],
        set_={k: statement.excluded[k] for k in ("track", "state", "last_result_at")},
    )


async def _record_outage_edges(conn: AsyncConnection, change: TrackChange) -> None:
    """Close the interval the monitor leaves and open the one it enters (if not UP)."""
    transition = change.transition
    assert transition is not None
    await conn.execute(
        update(outages)
        .where(outages.c.monitor_id == change.monitor_id, outages.c.ended_at.is_(None))
        .values(ended_at=transition.started_at)
    )
    if transition.current in (MonitorState.DOWN, MonitorState.DEGRADED):
        await conn.execute(
            insert(outages).values(
                monitor_id=change.monitor_id,
                state=transition.current.value,
                started_at=transition.started_at,
                before_reached=not change.reached,
            )
        )


def _transition_event(change: TrackChange, now: datetime) -> dict[str, object]:
    transition = change.transition
    assert transition is not None
    payload = {
        "monitor_id": change.monitor_id,
        "previous": transition.previous.value,
        "current": transition.current.value,
        "started_at": transition.started_at.isoformat(),
        "confirmed_at": transition.confirmed_at.isoformat(),
        "reached": change.reached,
    }
    return {"kind": TRANSITION_EVENT, "payload": payload, "created_at": now}


async def record_batch(
    conn: AsyncConnection,
    batch: Sequence[RecordedResult],
    changes: Sequence[TrackChange],
    now: datetime,
    *,
    keys: dict[str, int] | None = None,
) -> int:
    """Store results, tracks, outage intervals and transition events atomically. `keys`:
    monitor keys known already (hiccup.store.results.keys_of), kept up to date.

    Returns the number of transition events written.
    """
    await write_results(conn, batch, now, keys=keys)
    if changes:
        # Only the newest track of each monitor needs storing; every transition is kept.
        await _upsert_tracks(conn, list({c.monitor_id: c for c in changes}.values()))
    moved = [c for c in changes if c.transition is not None]
    for change in moved:
        await _record_outage_edges(conn, change)
    if moved:
        await conn.execute(insert(events), [_transition_event(c, now) for c in moved])
    return len(moved)


async def record_lost_transition(conn: AsyncConnection, change: TrackChange, now: datetime) -> bool:
    """A transition confirmed by a process that died before the database took it (the alert
    spool kept it): its track, outage edges and event. False, writing nothing, when a newer
    track is stored: someone judged the monitor since, and an old event would undo that."""
    stored = await conn.execute(
        select(monitor_states.c.last_result_at).where(
            monitor_states.c.monitor_id == change.monitor_id
        )
    )
    last = stored.scalar_one_or_none()
    if last is not None and utc(last) >= change.last_result_at:
        return False
    await _upsert_tracks(conn, [change])
    await _record_outage_edges(conn, change)
    await conn.execute(insert(events), [_transition_event(change, now)])
    return True
