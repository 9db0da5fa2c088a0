"""Reading and writing what alerts need: monitors, their parents and children, rules, and the
persisted triggered state of each (monitor, rule)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from hiccup.core.alert_rules import Parent, Phase, Rule, Triggered
from hiccup.core.status import MonitorState
from hiccup.notify.outbox import enqueue_rows, mark_enqueued, pending_row, store_message
from hiccup.store.alert_book import MONITOR_PLACE, MONITORS_PLACED
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import track_from_json, utc, utc_or_none
from hiccup.store.results import last_error as last_error
from hiccup.store.tables import monitor_states, monitors, pages
from hiccup.store.tables_notify import (
    alert_states,
    monitor_dependencies,
    notify_channels,
)

# A child confirmed while its parent is still failing waits this much past the parent's
# expected confirmation (recorder flush, scheduling jitter) before it is sent on its own.
_SUSPECT_SLACK = timedelta(seconds=3)


@dataclass(frozen=True, slots=True)
class MonitorInfo:
    id: str
    key: str
    name: str
    kind: str
    target: str
    component_key: str | None
    component_name: str | None
    page_name: str
    page_url: str
    time_zone: str


def rule_from(row: Any) -> Rule:
    every = timedelta(seconds=row["remind_every_s"]) if row["remind_every_s"] else None
    return Rule(row["id"], tuple(row["channels"]), frozenset(row["events"]), every)


def selects(row: Any, info: MonitorInfo) -> bool:
    wanted_monitors, wanted_components = row["monitors"], row["components"]
    if not wanted_monitors and not wanted_components:
        return True
    return info.key in wanted_monitors or (
        info.component_key is not None and info.component_key in wanted_components
    )


_INFO = select(monitors, *MONITOR_PLACE).select_from(MONITORS_PLACED)
# Built once: the status service asks for the monitor of every transition it applies.
_INFOS = _INFO.where(monitors.c.id.in_(bindparam("b_ids", expanding=True)))


async def monitor_info(conn: AsyncConnection, monitor_id: str) -> MonitorInfo | None:
    return (await monitor_infos(conn, [monitor_id])).get(monitor_id)


async def monitor_infos(
    conn: AsyncConnection, monitor_ids: Collection[str]
) -> dict[str, MonitorInfo]:
    """The named monitors that exist, as alerts name them."""
    rows = (await conn.execute(_INFOS, {"b_ids": sorted(monitor_ids)})).mappings().all()
    fallback = None
    if any(row["page_name"] is None for row in rows):
        fallback = await _any_page(conn)
    return {row["id"]: info_of_row(row, fallback) for row in rows}


def info_of_row(row: Any, fallback_page: Any) -> MonitorInfo:
    """A monitor as alerts name it; a monitor on no component speaks for the first page."""
    where = row if row["page_name"] is not None else fallback_page
    return MonitorInfo(
        row["id"],
        row["key"],
        row["name"],
        row["kind"],
        row["target"],
        row["component_key"],
        row["component_name"],
        where["page_name"] if where else "Hiccup",
        where["page_url"] if where else "",
        where["time_zone"] if where else "UTC",
    )


async def _any_page(conn: AsyncConnection) -> Any:
    query = select(
        pages.c.name.label("page_name"), pages.c.url.label("page_url"), pages.c.time_zone
    ).order_by(pages.c.created_at)
    return (await conn.execute(query.limit(1))).mappings().first()


async def parent_of(conn: AsyncConnection, monitor_id: str, now: datetime) -> Parent | None:
    query = (
        select(
            monitor_dependencies.c.parent_id,
            monitor_states.c.state,
            monitor_states.c.track,
            monitors.c.interval_s,
            monitors.c.timeout_s,
            monitors.c.failure_threshold,
        )
        .select_from(
            monitor_dependencies.join(
                monitors, monitors.c.id == monitor_dependencies.c.parent_id
            ).outerjoin(monitor_states, monitor_states.c.monitor_id == monitors.c.id)
        )
        .where(monitor_dependencies.c.monitor_id == monitor_id)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    if row["state"] == MonitorState.DOWN.value:
        return Parent(row["parent_id"], down=True)
    failed = track_from_json(row["track"]).failed_streak if row["track"] else 0
    if failed == 0:
        return Parent(row["parent_id"], down=False)
    remaining = max(row["failure_threshold"] - failed, 1)
    wait = timedelta(seconds=row["interval_s"] * remaining + row["timeout_s"]) + _SUSPECT_SLACK
    return Parent(row["parent_id"], down=False, suspect_until=now + wait)


async def children_of(conn: AsyncConnection, parent_id: str) -> list[tuple[str, str, str]]:
    """(id, name, state) of the monitors that depend on `parent_id`."""
    query = (
        select(monitors.c.id, monitors.c.name, monitor_states.c.state)
        .select_from(
            monitor_dependencies.join(
                monitors, monitors.c.id == monitor_dependencies.c.monitor_id
            ).outerjoin(monitor_states, monitor_states.c.monitor_id == monitors.c.id)
        )
        .where(monitor_dependencies.c.parent_id == parent_id)
        .order_by(monitors.c.name)
    )
    return [(r[0], r[1], r[2] or "unknown") for r in await conn.execute(query)]


def triggered_from(row: Any) -> Triggered:
    return Triggered(
        MonitorState(row["state"]),
        Phase(row["phase"]),
        utc(row["triggered_at"]),
        row["held_by"],
        utc_or_none(row["due_at"]),
        row["reminders"],
    )


_STATE_COLUMNS = ("state", "phase", "held_by", "triggered_at", "due_at", "reminders", "updated_at")
_THIS_STATE = (alert_states.c.monitor_id == bindparam("b_monitor")) & (
    alert_states.c.rule_id == bindparam("b_rule")
)
# Built once: the status service runs these for every transition and matching rule.
_LOAD_STATE = select(alert_states).where(_THIS_STATE)
_DELETE_STATE = delete(alert_states).where(_THIS_STATE)
_INSERT_STATE = insert(alert_states)
_UPDATE_STATE = (
    update(alert_states)
    .where(_THIS_STATE)
    .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS})
)


async def load_state(conn: AsyncConnection, monitor_id: str, rule_id: str) -> Triggered | None:
    found = await conn.execute(_LOAD_STATE, {"b_monitor": monitor_id, "b_rule": rule_id})
    row = found.mappings().first()
    return triggered_from(row) if row else None


async def store_state(
    conn: AsyncConnection,
    monitor_id: str,
    rule_id: str,
    before: Triggered | None,
    after: Triggered | None,
    now: datetime,
) -> None:
    which = {"b_monitor": monitor_id, "b_rule": rule_id}
    if after is None:
        if before is not None:
            await conn.execute(_DELETE_STATE, which)
        return
    values = {
        "state": after.state.value,
        "phase": after.phase.value,
        "held_by": after.held_by,
        "triggered_at": after.triggered_at,
        "due_at": after.due_at,
        "reminders": after.reminders,
        "updated_at": now,
    }
    if before is None:
        await conn.execute(_INSERT_STATE, {"monitor_id": monitor_id, "rule_id": rule_id, **values})
    elif before != after:
        await conn.execute(_UPDATE_STATE, {**which, **{f"b_{k}": v for k, v in values.items()}})
    if after.due_at is not None:
        mark_enqueued(conn)  # wakes the deadline scheduler too


async def enqueue_alert(
    conn: AsyncConnection,
    key: str,
    content: dict[str, Any],
    channel_keys: set[str] | None,
    now: datetime,
    *,
    exclude: str | None = None,
) -> int:
    """Queue one alert for the enabled channels named (None: every enabled channel)."""
    query = select(notify_channels.c.id, notify_channels.c.kind).where(notify_channels.c.enabled)
    if channel_keys is not None:
        query = query.where(notify_channels.c.key.in_(channel_keys))
    if exclude is not None:
        query = query.where(notify_channels.c.id != exclude)
    targets = (await conn.execute(query.order_by(notify_channels.c.key))).all()
    if not targets:
        return 0
    message_id = await store_message(conn, key, "alert", content, now)
    if message_id is None:
        return 0
    rows = [
        pending_row(message_id, f"{key}/{cid}", kind, now, channel_id=cid) for cid, kind in targets
    ]
    return await enqueue_rows(conn, rows)


async def is_down(conn: AsyncConnection, monitor_id: str) -> bool:
    query = select(monitor_states.c.state).where(monitor_states.c.monitor_id == monitor_id)
    return (await conn.execute(query)).scalar_one_or_none() == MonitorState.DOWN.value
