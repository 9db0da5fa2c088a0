"""Operator alerts from monitor transitions, in the status service's transaction.

`on_transition` runs where each confirmed transition is claimed, so the alert's outbox rows and
the triggered state commit with the claim: exactly one alert per transition and rule, even
across crashes and restarts. `fire_due` handles stored deadlines (reminders, held children).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from hiccup.checks.registry import trouble_kind
from hiccup.core.alert_rules import AlertEvent, Decision, Phase, decide, on_deadline, wording
from hiccup.core.status import MonitorState
from hiccup.core.wording import never_reached_words, trouble_sentence
from hiccup.notify.alert_facts import AlertFacts
from hiccup.notify.alert_store import (
    MonitorInfo,
    children_of,
    enqueue_alert,
    is_down,
    last_error,
    load_state,
    monitor_info,
    parent_of,
    rule_from,
    selects,
    store_state,
    triggered_from,
)
from hiccup.notify.outbox import cancel_pending
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc_or_none
from hiccup.store.tables_notify import alert_rules, alert_states, notify_channels


@dataclass
class _Told:
    """What the alerts about one monitor mention besides the monitor itself."""

    also_affected: list[str]
    also_recovered: list[str]
    still_down: list[str]


async def _content(
    conn: AsyncConnection,
    info: MonitorInfo,
    event: AlertEvent,
    state: MonitorState,
    told: _Told,
    times: tuple[datetime | None, datetime | None],
    reached: bool = True,
) -> dict[str, Any]:
    since, until = times
    lasted = (until - since) if since and until and until > since else None
    headline, summary = wording(
        event,
        info.name,
        state,
        also_affected=told.also_affected,
        also_recovered=told.also_recovered,
        still_down=told.still_down,
        lasted=lasted,
    )
    trouble = event is not AlertEvent.RECOVERY
    reason = await last_error(conn, info.id) if trouble else None
    own = trouble_sentence(trouble_kind(info.kind), info.name, reason)
    if own is not None and not (told.also_affected or told.also_recovered or told.still_down):
        summary = own  # "Backups missed its 02:00 UTC run …", not "Backups is down"
    if not reached and event is AlertEvent.DOWN:
        headline, summary = never_reached_words(trouble_kind(info.kind), info.name, reason)
    return {
        "event": event.value,
        "headline": headline,
        "summary": summary,
        "monitor": {"id": info.id, "key": info.key, "name": info.name, "target": info.target},
        "component": info.component_name,
        "state": state.value,
        "since": since.isoformat() if since else None,
        "reason": reason,
        "also_affected": told.also_affected,
        "also_recovered": told.also_recovered,
        "still_down": told.still_down,
        "page_name": info.page_name,
        "page_url": info.page_url,
        "time_zone": info.time_zone,
    }


async def _promote(conn: AsyncConnection, row: Any, now: datetime) -> None:
    """A held child still down when its parent recovers is its own outage from now on."""
    every = row["remind_every_s"]
    await conn.execute(
        update(alert_states)
        .where(
            alert_states.c.monitor_id == row["monitor_id"],
            alert_states.c.rule_id == row["rule_id"],
        )
        .values(
            phase=Phase.SENT.value,
            held_by=None,
            due_at=now + timedelta(seconds=every) if every else None,
            updated_at=now,
        )
    )


async def _parent_recovered(
    conn: AsyncConnection, parent_id: str, states: dict[str, tuple[str, str]], now: datetime
) -> _Told:
    query = (
        select(alert_states, alert_rules.c.remind_every_s)
        .join(alert_rules, alert_rules.c.id == alert_states.c.rule_id)
        .where(alert_states.c.held_by == parent_id)
    )
    recovered: list[str] = []
    still: list[str] = []
    for row in (await conn.execute(query)).mappings().all():
        name, state = states.get(row["monitor_id"], ("?", "unknown"))
        if row["phase"] == Phase.HELD.value and state in ("down", "degraded"):
            still.append(name)
            await _promote(conn, row, now)
            continue
        recovered.append(name)
        await conn.execute(
            delete(alert_states).where(
                alert_states.c.monitor_id == row["monitor_id"],
                alert_states.c.rule_id == row["rule_id"],
            )
        )
    return _Told([], sorted(set(recovered)), sorted(set(still)))


async def _fold_children(
    conn: AsyncConnection, parent_id: str, current: MonitorState, now: datetime, facts: AlertFacts
) -> _Told:
    """The parent's side of folding: list its children in its alert, settle their holds."""
    if not await facts.has_children(conn, parent_id):
        return _Told([], [], [])
    children = await children_of(conn, parent_id)
    if not children:
        return _Told([], [], [])
    if current is MonitorState.DOWN:
        # Children waiting to see whether the parent falls: it fell, so they stay folded.
        await conn.execute(
            update(alert_states)
            .where(alert_states.c.held_by == parent_id, alert_states.c.phase == Phase.HELD.value)
            .values(due_at=None, updated_at=now)
        )
        also = [name for _, name, state in children if state in ("down", "degraded")]
        return _Told(also, [], [])
    if current is MonitorState.UP:
        states = {cid: (name, state) for cid, name, state in children}
        return await _parent_recovered(conn, parent_id, states, now)
    return _Told([], [], [])


async def on_transition(
    conn: AsyncConnection,
    payload: dict[str, Any],
    now: datetime,
    facts: AlertFacts | None = None,
) -> int:
    """Apply every matching alert rule to one confirmed transition; returns rows queued.
    `facts`: what this transaction read already of monitors and rules."""
    facts = facts or AlertFacts()
    info = await facts.info(conn, payload["monitor_id"])
    if info is None:
        return 0
    current = MonitorState(payload["current"])
    since = datetime.fromisoformat(payload["started_at"])
    told = await _fold_children(conn, info.id, current, now, facts)
    parent = await parent_of(conn, info.id, now) if await facts.has_parent(conn, info.id) else None
    sends: dict[AlertEvent, tuple[set[str], datetime]] = {}
    for row in await facts.rules(conn):
        if not selects(row, info):
            continue
        rule = rule_from(row)
        held = await load_state(conn, info.id, rule.id)
        decision: Decision = decide(rule, held, current, parent, now, since)
        await store_state(conn, info.id, rule.id, held, decision.state, now)
        if decision.send is not None:
            began = held.triggered_at if held else since
            sends.setdefault(decision.send, (set(), began))[0].update(rule.channels)
    written = 0
    for event, (channel_keys, began) in sends.items():
        recovery = event is AlertEvent.RECOVERY
        times = (began, since) if recovery else (since, None)
        reached = bool(payload.get("reached", True))
        content = await _content(conn, info, event, current, told, times, reached)
        key = f"alert:{info.id}:{event.value}:{since.isoformat()}"
        written += await enqueue_alert(conn, key, content, channel_keys, now)
    return written


_DUE_COLUMNS = (
    alert_states,
    alert_rules.c.channels,
    alert_rules.c.events,
    alert_rules.c.remind_every_s,
    alert_rules.c.id.label("id"),
)


async def _fire(conn: AsyncConnection, row: Any, now: datetime) -> int:
    rule, held = rule_from(row), triggered_from(row)
    parent_down = held.held_by is not None and await is_down(conn, held.held_by)
    decision = on_deadline(rule, held, parent_down, now)
    await store_state(conn, row["monitor_id"], rule.id, held, decision.state, now)
    info = await monitor_info(conn, row["monitor_id"])
    if decision.send is None or info is None:
        return 0
    reminder = decision.send is AlertEvent.REMINDER
    also = [n for _, n, s in await children_of(conn, info.id) if s in ("down", "degraded")]
    told = _Told(also if reminder else [], [], [])
    times = (held.triggered_at, now) if reminder else (held.triggered_at, None)
    content = await _content(conn, info, decision.send, held.state, told, times)
    stamp = f"{held.triggered_at.isoformat()}:{held.reminders}"
    key = f"alert:{info.id}:{rule.id}:{decision.send.value}:{stamp}"
    return await enqueue_alert(conn, key, content, set(rule.channels), now)


async def fire_due(conn: AsyncConnection, now: datetime, limit: int = 200) -> int:
    """Act on every stored deadline that has passed: reminders and held children."""
    query = (
        select(*_DUE_COLUMNS)
        .join(alert_rules, alert_rules.c.id == alert_states.c.rule_id)
        .where(alert_states.c.due_at <= now)
        .order_by(alert_states.c.due_at)
        .limit(limit)
    )
    written = 0
    for row in (await conn.execute(query)).mappings().all():
        written += await _fire(conn, row, now)
    return written


async def next_deadline(conn: AsyncConnection) -> datetime | None:
    query = select(alert_states.c.due_at).where(alert_states.c.due_at.is_not(None))
    found = (await conn.execute(query.order_by(alert_states.c.due_at).limit(1))).scalar()
    return utc_or_none(found)


async def disable_channel(
    conn: AsyncConnection, channel: dict[str, Any], reason: str, now: datetime
) -> int:
    """Turn off a channel that failed permanently and tell the other operator channels."""
    result = await conn.execute(
        update(notify_channels)
        .where(notify_channels.c.id == channel["id"], notify_channels.c.enabled)
        .values(enabled=False, disabled_reason=reason[:500], updated_at=now)
    )
    if result.rowcount != 1:
        return 0  # a parallel delivery to it failed first and did all this
    await cancel_pending(conn, f"channel disabled: {reason}", channel_id=channel["id"])
    name = f"{channel['kind']} channel {channel['key']}"
    content = {
        "event": AlertEvent.CHANNEL_DISABLED.value,
        "headline": f"channel {channel['key']} disabled",
        "summary": f"Hiccup turned off the {name}: {reason}. It is turned on again when its "
        "settings in hiccup.yaml change.",
        "channel": channel["key"],
        "reason": reason,
    }
    key = f"alert:channel_disabled:{channel['id']}:{now.isoformat()}"
    return await enqueue_alert(conn, key, content, None, now, exclude=channel["id"])
