"""The outbox: notification rows written in the same transaction as their cause, then claimed,
delivered and marked by the worker (healthchecks' record-the-change, notify-separately).

Exactly once, as far as it can be had: a row is claimed with a lease (`UPDATE … WHERE state =
'pending' AND lease expired`, and only rows this worker's token then holds are sent), marked
delivered in its own transaction right after the receiver accepted it, and retried with the
same idempotency key otherwise. The one window left is a crash between the receiver's "accepted"
and that commit; receivers see the same Message-ID / Idempotency-Key then and can drop the copy.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, and_, event, insert, or_, select, update

from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.codec import utc
from hiccup.store.tables_notify import (
    notify_channels,
    notify_messages,
    outbox,
    outbox_attempts,
    subscribers,
)

# Set on a connection that enqueued rows; when it goes back to the pool (after its commit),
# the in-process worker is woken. Rows written by other processes are found by polling.
_ENQUEUED = "hiccup.notify.enqueued"


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


def mark_enqueued(conn: AsyncConnection) -> None:
    conn.info[_ENQUEUED] = True


def wake_on_commit(engine: AsyncEngine, wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` whenever a connection that enqueued rows is returned to the pool; returns
    a function that stops listening."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_ENQUEUED, False):
            wake()

    target: Engine = engine.sync_engine
    event.listen(target, "checkin", checkin)
    return lambda: event.remove(target, "checkin", checkin)


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable RFC 5322 Message-ID: the same row always yields the same one."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


async def store_message(
    conn: AsyncConnection, key: str, kind: str, content: dict[str, Any], now: datetime
) -> int | None:
    """The message's id, or None when a message with this key was enqueued before (a cause
    that is applied twice must not notify twice)."""
    found = await conn.execute(select(notify_messages.c.id).where(notify_messages.c.key == key))
    if found.first() is not None:
        return None
    result = await conn.execute(
        insert(notify_messages)
        .values(key=key, kind=kind, content=content, created_at=now)
        .returning(notify_messages.c.id)
    )
    message_id: int = result.scalar_one()
    return message_id


def pending_row(
    message_id: int, key: str, transport: str, now: datetime, **target: str | None
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "idempotency_key": key,
        "transport": transport,
        "state": OutboxState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "channel_id": target.get("channel_id"),
        "subscriber_id": target.get("subscriber_id"),
        "recipient": target.get("recipient"),
    }


async def enqueue_rows(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    if rows:
        await conn.execute(insert(outbox), list(rows))
        mark_enqueued(conn)
    return len(rows)


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed row with everything needed to render and send it (no more queries)."""

    id: int
    lease: str  # the claim's token; only its holder may mark the row
    idempotency_key: str
    transport: str
    attempts: int
    message_kind: str
    content: dict[str, Any]
    recipient: str
    channel: dict[str, Any] | None
    subscriber: dict[str, Any] | None


def _due(transport: str, now: datetime) -> Any:
    return and_(
        outbox.c.state == OutboxState.PENDING.value,
        outbox.c.transport == transport,
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
    )


_CLAIMED_COLUMNS = (
    outbox.c.id,
    outbox.c.idempotency_key,
    outbox.c.transport,
    outbox.c.attempts,
    outbox.c.recipient,
    notify_messages.c.kind.label("message_kind"),
    notify_messages.c.content,
    notify_channels.c.id.label("channel_id"),
    notify_channels.c.key.label("channel_key"),
    notify_channels.c.kind.label("channel_kind"),
    notify_channels.c.target.label("channel_target"),
    notify_channels.c.options.label("channel_options"),
    subscribers.c.id.label("subscriber_id"),
    subscribers.c.kind.label("subscriber_kind"),
    subscribers.c.address.label("subscriber_address"),
    subscribers.c.owner_email.label("subscriber_owner"),
    subscribers.c.page_id.label("subscriber_page"),
    subscribers.c.site_page.label("subscriber_site_page"),
)


def _claimed(row: Any, lease: str) -> Claimed:
    channel = subscriber = None
    if row["channel_id"] is not None:
        channel = {
            "id": row["channel_id"],
            "key": row["channel_key"],
            "kind": row["channel_kind"],
            "target": row["channel_target"],
            "options": dict(row["channel_options"] or {}),
        }
    if row["subscriber_id"] is not None:
        subscriber = {
            "id": row["subscriber_id"],
            "kind": row["subscriber_kind"],
            "address": row["subscriber_address"],
            "owner_email": row["subscriber_owner"],
            "page_id": row["subscriber_page"],
            "site_page": row["subscriber_site_page"],
        }
    recipient = row["recipient"] or (
        channel["target"] if channel else subscriber["address"] if subscriber else ""
    )
    return Claimed(
        row["id"],
        lease,
        row["idempotency_key"],
        row["transport"],
        row["attempts"],
        row["message_kind"],
        dict(row["content"]),
        recipient,
        channel,
        subscriber,
    )


async def _pick(conn: AsyncConnection, transport: str, now: datetime, limit: int) -> Any:
    """The ids to claim, as a value or a subquery, depending on the engine.

    PostgreSQL: lock them first (FOR UPDATE SKIP LOCKED; replicas skip each other's rows). An
    `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` inside the UPDATE may be re-run per row by
    the planner and take far more than n rows, so the ids are fetched in their own statement.
    SQLite has one writer: a subquery in the UPDATE is run once, and the statement takes the
    write lock from the start instead of failing to upgrade a stale read snapshot.
    """
    query = (
        select(outbox.c.id)
        .where(_due(transport, now))
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        return list((await conn.execute(query.with_for_update(skip_locked=True))).scalars())
    return query.scalar_subquery()


async def claim(
    conn: AsyncConnection,
    transport: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Claimed]:
    """Lease up to `limit` due rows under a fresh token, and return them. The UPDATE re-checks
    that each row is still due, so a row is only ever held by one token."""
    due = await _pick(conn, transport, now, limit)
    if isinstance(due, list) and not due:
        return []
    token = secrets.token_hex(12)
    taken = await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(due), _due(transport, now))
        .values(lease_owner=token, lease_until=now + lease, attempts=outbox.c.attempts + 1)
    )
    if not taken.rowcount:
        return []
    return await _held(conn, token)


async def _held(conn: AsyncConnection, token: str) -> list[Claimed]:
    held = (
        select(*_CLAIMED_COLUMNS)
        .select_from(
            outbox.join(notify_messages, notify_messages.c.id == outbox.c.message_id)
            .outerjoin(notify_channels, notify_channels.c.id == outbox.c.channel_id)
            .outerjoin(subscribers, subscribers.c.id == outbox.c.subscriber_id)
        )
        .where(outbox.c.lease_owner == token)
        .order_by(outbox.c.id)
    )
    return [_claimed(row, token) for row in (await conn.execute(held)).mappings()]


async def enqueue_held(
    conn: AsyncConnection, row: dict[str, Any], now: datetime, lease: timedelta
) -> Claimed:
    """Write one row already claimed by the caller (a test send made in the admin): the
    worker cannot take it, and it shows in the delivery log like any other."""
    token = secrets.token_hex(12)
    held = {**row, "lease_owner": token, "lease_until": now + lease, "attempts": 1}
    await conn.execute(insert(outbox).values(**held))
    [item] = await _held(conn, token)
    return item


async def _record_attempt(
    conn: AsyncConnection,
    outbox_id: int,
    now: datetime,
    duration_ms: float,
    error: str | None,
    permanent: bool = False,
) -> None:
    await conn.execute(
        insert(outbox_attempts).values(
            outbox_id=outbox_id,
            at=now,
            duration_ms=duration_ms,
            error=error[:500] if error else None,
            permanent=permanent,
        )
    )


def _held_by(row_id: int, owner: str) -> Any:
    return and_(outbox.c.id == row_id, outbox.c.lease_owner == owner)


async def mark_delivered(
    conn: AsyncConnection, row_id: int, owner: str, now: datetime, duration_ms: float
) -> bool:
    """False if the lease was lost (another worker took the row): nothing is changed then."""
    result = await conn.execute(
        update(outbox)
        .where(_held_by(row_id, owner))
        .values(
            state=OutboxState.DELIVERED.value,
            delivered_at=now,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
    )
    if result.rowcount != 1:
        return False
    await _record_attempt(conn, row_id, now, duration_ms, None)
    return True


async def mark_all_delivered(
    conn: AsyncConnection, delivered: Sequence[tuple[Claimed, float]], now: datetime
) -> int:
    """Mark many deliveries at once: one UPDATE per claim token, one INSERT of attempts.
    Falls back to row by row for a token whose rows were not all still held."""
    groups: dict[str, list[tuple[Claimed, float]]] = {}
    for item, duration_ms in delivered:
        groups.setdefault(item.lease, []).append((item, duration_ms))
    marked = 0
    for lease, members in groups.items():
        ids = [item.id for item, _ in members]
        result = await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), outbox.c.lease_owner == lease)
            .values(
                state=OutboxState.DELIVERED.value,
                delivered_at=now,
                lease_owner=None,
                lease_until=None,
                last_error=None,
            )
        )
        if result.rowcount == len(ids):
            attempts = [
                {"outbox_id": item.id, "at": now, "duration_ms": ms, "error": None,
                 "permanent": False}
                for item, ms in members
            ]  # fmt: skip
            await conn.execute(insert(outbox_attempts), attempts)
            marked += len(ids)
            continue
        # Some were taken over (lease expired): the update above changed only rows still
        # held, and which ones is unknown, so record attempts for those still delivered.
        for item, ms in members:
            still = await conn.execute(
                select(outbox.c.id).where(
                    outbox.c.id == item.id,
                    outbox.c.state == OutboxState.DELIVERED.value,
                    outbox.c.delivered_at == now,
                )
            )
            if still.first() is not None:
                await _record_attempt(conn, item.id, now, ms, None)
                marked += 1
    return marked


async def mark_failed(
    conn: AsyncConnection,
    row_id: int,
    owner: str,
    now: datetime,
    duration_ms: float,
    error: str,
    *,
    retry_at: datetime | None,
    permanent: bool = False,
) -> bool:
    """Back to pending until `retry_at`, or dead (dead letter) when retry_at is None."""
    state = OutboxState.PENDING if retry_at is not None else OutboxState.DEAD
    result = await conn.execute(
        update(outbox)
        .where(_held_by(row_id, owner))
        .values(
            state=state.value,
            next_attempt_at=retry_at or now,
            lease_owner=None,
            lease_until=None,
            last_error=error[:500],
        )
    )
    if result.rowcount != 1:
        return False
    await _record_attempt(conn, row_id, now, duration_ms, error, permanent)
    return True


async def cancel_pending(conn: AsyncConnection, reason: str, **target: str) -> int:
    """Dead-letter every pending row of a channel or subscriber that was disabled/unsubscribed."""
    column = outbox.c.channel_id if "channel_id" in target else outbox.c.subscriber_id
    value = target.get("channel_id") or target.get("subscriber_id")
    result = await conn.execute(
        update(outbox)
        .where(column == value, outbox.c.state == OutboxState.PENDING.value)
        .values(state=OutboxState.DEAD.value, last_error=reason[:500])
    )
    return int(result.rowcount)


async def next_due(conn: AsyncConnection, transport: str) -> datetime | None:
    query = select(outbox.c.next_attempt_at, outbox.c.lease_until).where(
        outbox.c.state == OutboxState.PENDING.value, outbox.c.transport == transport
    )
    soonest: datetime | None = None
    for due, lease in await conn.execute(query.order_by(outbox.c.next_attempt_at).limit(64)):
        moment = max(utc(due), utc(lease)) if lease is not None else utc(due)
        soonest = moment if soonest is None else min(soonest, moment)
    return soonest


async def message_id_of(conn: AsyncConnection, key: str) -> int | None:
    found = await conn.execute(select(notify_messages.c.id).where(notify_messages.c.key == key))
    message_id: int | None = found.scalar_one_or_none()
    return message_id


async def record_settled(
    conn: AsyncConnection, message_id: int, rows: Sequence[dict[str, Any]], now: datetime
) -> int:
    """Rows for deliveries already settled outside the outbox (the alert spool sent them
    while the database was away): written delivered or dead, never to be claimed. A row
    already there, or whose channel was removed meanwhile, is left alone."""
    if not rows:
        return 0
    keys = [row["idempotency_key"] for row in rows]
    present = set(
        (
            await conn.execute(
                select(outbox.c.idempotency_key).where(outbox.c.idempotency_key.in_(keys))
            )
        ).scalars()
    )
    wanted = [row for row in rows if row["idempotency_key"] not in present]
    channel_ids = {row["channel_id"] for row in wanted}
    known = set(
        (
            await conn.execute(
                select(notify_channels.c.id).where(notify_channels.c.id.in_(channel_ids))
            )
        ).scalars()
    )
    values = [
        {**pending_row(message_id, row["idempotency_key"], row["transport"], now), **row}
        for row in wanted
        if row["channel_id"] in known
    ]
    if values:
        await conn.execute(insert(outbox), values)
    return len(values)
