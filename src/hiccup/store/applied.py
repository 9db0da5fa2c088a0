"""Monitor states as the status service has applied them, and the transitions still waiting.

The recorder writes a monitor's newest state with its transition events; the status service
applies those events later, in order (after a database outage, minutes later). A component is
derived from `applied_state`, which moves one event at a time, never from the newest state.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update

from hiccup.core.reach import public_state
from hiccup.core.status import MonitorState
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.recording import TRANSITION_EVENT
from hiccup.store.tables import events, monitor_states, monitors

# Enough to see the end of an outage applied late; more waiting events is a backlog of hours.
_LOOKAHEAD = 2000


def transition_public_state(payload: dict[str, Any]) -> MonitorState:
    """The state a transition event gives the page: trouble of a monitor whose check never
    answered (`reached` false; events written before it was tracked count as reached) is
    not the page's."""
    return public_state(MonitorState(payload["current"]), bool(payload.get("reached", True)))


# Every transition applied runs the two statements below: they are built once (building one
# cost about as much as running it on SQLite), with bound parameters.
_MARK = (
    update(monitor_states)
    .where(monitor_states.c.monitor_id == bindparam("b_monitor"))
    .values(applied_state=bindparam("b_state"))
)


async def mark_applied(conn: AsyncConnection, monitor_id: str, state: MonitorState) -> None:
    await conn.execute(_MARK, {"b_monitor": monitor_id, "b_state": state.value})


def _counted(component: Any) -> Any:
    # Enabled public monitors only: operator-only ones (`public: false`) alert but never
    # move the page.
    return component, monitors.c.enabled, monitors.c.public


_COUNTS_OF = (
    select(monitors.c.component_id, monitor_states.c.applied_state, func.count())
    .join(monitors, monitors.c.id == monitor_states.c.monitor_id)
    .where(*_counted(monitors.c.component_id.in_(bindparam("b_ids", expanding=True))))
    .group_by(monitors.c.component_id, monitor_states.c.applied_state)
)


async def applied_states(conn: AsyncConnection, component_id: str) -> dict[str, MonitorState]:
    """Each enabled public monitor of the component -> its applied state."""
    query = (
        select(monitor_states.c.monitor_id, monitor_states.c.applied_state)
        .join(monitors, monitors.c.id == monitor_states.c.monitor_id)
        .where(*_counted(monitors.c.component_id == component_id))
    )
    return {m: MonitorState(s) for m, s in await conn.execute(query)}


async def applied_counts(conn: AsyncConnection, component_id: str) -> dict[MonitorState, int]:
    """How many of the component's monitors (as applied_states) are in each applied state.
    Counted by the database: each transition applied re-derives its component, and reading
    every monitor's row instead made the first pass after a start (each monitor's first
    result is a transition) cost the square of a component's monitors."""
    return (await applied_counts_of(conn, [component_id]))[component_id]


async def applied_counts_of(
    conn: AsyncConnection, component_ids: Collection[str]
) -> dict[str, dict[MonitorState, int]]:
    """applied_counts of several components at once (each one asked for is in the result)."""
    found: dict[str, dict[MonitorState, int]] = {c: {} for c in component_ids}
    for component_id, state, n in await conn.execute(_COUNTS_OF, {"b_ids": sorted(found)}):
        found[component_id][MonitorState(state)] = int(n)
    return found


async def later_transitions(
    conn: AsyncConnection,
    monitor_ids: Collection[str],
    after_event: int,
    claimed: Sequence[tuple[int, dict[str, Any]]] = (),
) -> list[tuple[str, MonitorState]]:
    """Transitions of these monitors recorded after `after_event` and not applied yet, in
    the order they will be applied: (monitor id, the state it moves to). `claimed`: events
    (id, payload) this transaction claimed and has not applied yet; their rows already look
    processed, yet they are still to come."""
    query = (
        select(events.c.id, events.c.payload)
        .where(
            events.c.processed_at.is_(None),
            events.c.kind == TRANSITION_EVENT,
            events.c.id > after_event,
        )
        .order_by(events.c.id)
        .limit(_LOOKAHEAD)
    )
    waiting = [(int(i), p) for i, p in await conn.execute(query)]
    waiting += [(i, p) for i, p in claimed if i > after_event]
    wanted = set(monitor_ids)
    return [
        (p["monitor_id"], transition_public_state(p))
        for _, p in sorted(waiting, key=lambda event: event[0])[:_LOOKAHEAD]
        if p["monitor_id"] in wanted
    ]
