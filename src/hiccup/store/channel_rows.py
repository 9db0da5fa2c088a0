"""Operator channels and alert rules as the admin and API edit them, and each channel's
delivery log (its outbox rows with their attempts).

Rows made here are `declared = False`: the config sync leaves them alone, so they outlive
restarts and reloads; a key the file later declares is adopted by the sync (notify/sync.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import delete, func, insert, select, update

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables import components, monitors
from hiccup.store.tables_notify import (
    alert_rules,
    alert_states,
    notify_channels,
    notify_messages,
    outbox,
    outbox_attempts,
)

DeliveryState = Literal["pending", "delivered", "dead"]  # notify.outbox.OutboxState's values


@dataclass(frozen=True, slots=True)
class ChannelRow:
    id: str
    key: str
    kind: str
    target: str
    options: dict[str, Any]
    enabled: bool
    disabled_reason: str | None
    declared: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: str
    key: str
    channels: list[str]
    monitors: list[str]
    components: list[str]
    events: list[str]
    remind_every_s: float | None
    declared: bool
    enabled: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    duration_ms: float
    error: str | None
    permanent: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    created_at: datetime
    state: DeliveryState
    attempts: list[Attempt]
    last_error: str | None
    delivered_at: datetime | None
    message_kind: str
    headline: str


def _channel(row: Any) -> ChannelRow:
    return ChannelRow(
        row["id"],
        row["key"],
        row["kind"],
        row["target"],
        dict(row["options"] or {}),
        bool(row["enabled"]),
        row["disabled_reason"],
        bool(row["declared"]),
        utc(row["updated_at"]),
    )


async def list_channels(conn: AsyncConnection) -> list[ChannelRow]:
    rows = await conn.execute(select(notify_channels).order_by(notify_channels.c.key))
    return [_channel(r) for r in rows.mappings()]


async def find_channel(conn: AsyncConnection, key: str) -> ChannelRow | None:
    query = select(notify_channels).where(notify_channels.c.key == key)
    row = (await conn.execute(query)).mappings().first()
    return _channel(row) if row is not None else None


async def count_enabled_channels(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(notify_channels).where(notify_channels.c.enabled)
    return int((await conn.execute(query)).scalar_one())


async def insert_channel(
    conn: AsyncConnection, channel_id: str, key: str, values: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        insert(notify_channels).values(
            id=channel_id,
            key=key,
            enabled=True,
            declared=False,
            created_at=now,
            updated_at=now,
            **values,
        )
    )


async def update_channel(
    conn: AsyncConnection, channel_id: str, values: dict[str, Any], now: datetime
) -> None:
    """New settings; a channel turned off by a permanent failure is back on (as the sync
    does when the file changes): the operator fixing it is what turns it on."""
    await conn.execute(
        update(notify_channels)
        .where(notify_channels.c.id == channel_id)
        .values(updated_at=now, enabled=True, disabled_reason=None, **values)
    )


async def set_channel_enabled(
    conn: AsyncConnection, channel_id: str, enabled: bool, reason: str | None, now: datetime
) -> None:
    await conn.execute(
        update(notify_channels)
        .where(notify_channels.c.id == channel_id)
        .values(enabled=enabled, disabled_reason=None if enabled else reason, updated_at=now)
    )


async def delete_channel(conn: AsyncConnection, channel_id: str) -> None:
    await conn.execute(delete(notify_channels).where(notify_channels.c.id == channel_id))


def _rule(row: Any) -> RuleRow:
    return RuleRow(
        row["id"],
        row["key"],
        list(row["channels"] or []),
        list(row["monitors"] or []),
        list(row["components"] or []),
        list(row["events"] or []),
        row["remind_every_s"],
        bool(row["declared"]),
        bool(row["enabled"]),
    )


async def list_rules(conn: AsyncConnection) -> list[RuleRow]:
    rows = await conn.execute(select(alert_rules).order_by(alert_rules.c.key))
    return [_rule(r) for r in rows.mappings()]


async def find_rule(conn: AsyncConnection, key: str) -> RuleRow | None:
    row = (await conn.execute(select(alert_rules).where(alert_rules.c.key == key))).mappings()
    found = row.first()
    return _rule(found) if found is not None else None


async def insert_rule(
    conn: AsyncConnection, rule_id: str, key: str, values: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        insert(alert_rules).values(
            id=rule_id, key=key, declared=False, created_at=now, updated_at=now, **values
        )
    )


async def update_rule(
    conn: AsyncConnection, rule_id: str, values: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        update(alert_rules).where(alert_rules.c.id == rule_id).values(updated_at=now, **values)
    )


async def set_rule_enabled(
    conn: AsyncConnection, rule_id: str, enabled: bool, now: datetime
) -> None:
    """Turned off, a rule also forgets what it said: no reminder or held alert of it is left
    due, and turned on again it alerts on the next transition as a new rule would."""
    await conn.execute(
        update(alert_rules)
        .where(alert_rules.c.id == rule_id)
        .values(enabled=enabled, updated_at=now)
    )
    if not enabled:
        await conn.execute(delete(alert_states).where(alert_states.c.rule_id == rule_id))


async def delete_rule(conn: AsyncConnection, rule_id: str) -> None:
    await conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id))


async def known_keys(conn: AsyncConnection) -> tuple[set[str], set[str]]:
    """Every monitor key and component key, for checking a rule's selectors."""
    monitor_keys = set((await conn.execute(select(monitors.c.key))).scalars())
    component_keys = set((await conn.execute(select(components.c.key))).scalars())
    return monitor_keys, component_keys


async def deliveries(conn: AsyncConnection, channel_id: str, limit: int) -> list[Delivery]:
    """The channel's latest outbox rows, newest first, each with its attempts."""
    query = (
        select(
            outbox.c.id,
            outbox.c.created_at,
            outbox.c.state,
            outbox.c.last_error,
            outbox.c.delivered_at,
            notify_messages.c.kind,
            notify_messages.c.content,
        )
        .join(notify_messages, notify_messages.c.id == outbox.c.message_id)
        .where(outbox.c.channel_id == channel_id)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings().all()
    tried: dict[int, list[Attempt]] = {r["id"]: [] for r in rows}
    if tried:
        attempts = await conn.execute(
            select(outbox_attempts)
            .where(outbox_attempts.c.outbox_id.in_(list(tried)))
            .order_by(outbox_attempts.c.id)
        )
        for a in attempts.mappings():
            tried[a["outbox_id"]].append(
                Attempt(utc(a["at"]), a["duration_ms"], a["error"], bool(a["permanent"]))
            )
    return [
        Delivery(
            r["id"],
            utc(r["created_at"]),
            cast(DeliveryState, r["state"]),
            tried[r["id"]],
            r["last_error"],
            utc_or_none(r["delivered_at"]),
            r["kind"],
            str((r["content"] or {}).get("headline", r["kind"])),
        )
        for r in rows
    ]


async def requeue_dead(conn: AsyncConnection, channel_id: str, row_id: int, now: datetime) -> bool:
    """Put a dead delivery of this channel back in the queue, due now, with a fresh count of
    attempts (the operator asked for it). False when it is not a dead row of the channel."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.channel_id == channel_id, outbox.c.state == "dead")
        .values(
            state="pending",
            attempts=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1
