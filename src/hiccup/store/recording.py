"""Writing a batch of results, with the detector's consequences, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import insert, select, update

from hiccup.core.detection import Track, Transition
from hiccup.core.status import MonitorState
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import track_to_json, utc
from hiccup.store.driver_rows import (
    bind_processor,
    column_names,
    execute_rows,
    insert_sql,
    replacing,
)
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
    # Every flush writes each checked monitor's track: past SQLAlchemy's per-row processing
    # (store.driver_rows), with the JSON and the moment encoded as its types would.
    dialect, c = conn.dialect, monitor_states.c
    as_json, moment = bind_processor(dialect, c.track), bind_processor(dialect, c.last_result_at)
    rows = [
        (
            x.monitor_id,
            as_json(track_to_json(x.track)),
            x.track.state.value,
            moment(x.last_result_at),
        )
        for x in changes
    ]
    await execute_rows(conn, _track_upsert(dialect.name), rows)


@cache
def _track_upsert(dialect: str) -> str:
    columns = column_names(monitor_states, "monitor_id", "track", "state", "last_result_at")
    return insert_sql(dialect, monitor_states.name, columns, replacing(["monitor_id"], columns))


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
