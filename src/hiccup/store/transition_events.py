"""Transition events waiting for the status service, and its claim of a batch of them.

The claim is the batch's first write: the rows it marks processed commit with their effects,
so each event is applied exactly once, across restarts and servers (healthchecks' pattern).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.recording import TRANSITION_EVENT
from hiccup.store.tables import events

_PENDING = (
    select(events.c.id)
    .where(events.c.processed_at.is_(None), events.c.kind == TRANSITION_EVENT)
    .order_by(events.c.id)
    .limit(bindparam("b_limit"))
)
_CLAIM = (
    update(events)
    .where(events.c.id.in_(bindparam("b_ids", expanding=True)), events.c.processed_at.is_(None))
    .values(processed_at=bindparam("b_now"))
    .returning(events.c.id, events.c.payload)
)


async def pending_transitions(conn: AsyncConnection, limit: int) -> list[int]:
    """The oldest unprocessed transition events' ids, in the order they are to be applied."""
    return list((await conn.execute(_PENDING, {"b_limit": limit})).scalars())


async def claim_transitions(
    conn: AsyncConnection, event_ids: Sequence[int], now: datetime
) -> list[tuple[int, dict[str, Any]]]:
    """Mark these events processed at `now`; returns (id, payload) of those this transaction
    got, in id order. Events another server processed meanwhile are left out: under the status
    lock its commit came first, and UPDATE ... RETURNING skips rows it already marked."""
    claimed = await conn.execute(_CLAIM, {"b_ids": list(event_ids), "b_now": now})
    return sorted(((int(i), p) for i, p in claimed), key=lambda event: event[0])
