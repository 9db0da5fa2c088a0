"""Reading and moving heartbeat tokens and deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from hiccup.core.monitors import MonitorSpec
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc_or_none
from hiccup.store.monitors import spec_from_row
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tables_heartbeats import heartbeats


@dataclass(frozen=True, slots=True)
class Heartbeat:
    spec: MonitorSpec
    token: str
    last_ping_at: datetime | None
    last_start_at: datetime | None
    due_at: datetime | None


def _joined() -> Select[Any]:
    return select(
        monitors,
        heartbeats.c.token,
        heartbeats.c.last_ping_at,
        heartbeats.c.last_start_at,
        heartbeats.c.due_at,
    ).join(heartbeats, heartbeats.c.monitor_id == monitors.c.id)


def _heartbeat(row: Any) -> Heartbeat:
    return Heartbeat(
        spec=spec_from_row(row),
        token=row["token"],
        last_ping_at=utc_or_none(row["last_ping_at"]),
        last_start_at=utc_or_none(row["last_start_at"]),
        due_at=utc_or_none(row["due_at"]),
    )


async def tokens(conn: AsyncConnection) -> dict[str, str]:
    """monitor id -> token, for every heartbeat row."""
    rows = await conn.execute(select(heartbeats.c.monitor_id, heartbeats.c.token))
    return {str(row.monitor_id): str(row.token) for row in rows}


async def add_heartbeat(
    conn: AsyncConnection, monitor_id: str, token: str, due_at: datetime | None
) -> None:
    await conn.execute(
        heartbeats.insert().values(monitor_id=monitor_id, token=token, due_at=due_at)
    )


async def set_token(conn: AsyncConnection, monitor_id: str, token: str) -> None:
    await conn.execute(
        update(heartbeats).where(heartbeats.c.monitor_id == monitor_id).values(token=token)
    )


async def by_token(conn: AsyncConnection, token: str) -> Heartbeat | None:
    row = (await conn.execute(_joined().where(heartbeats.c.token == token))).mappings().first()
    return None if row is None else _heartbeat(row)


async def all_heartbeats(conn: AsyncConnection) -> list[Heartbeat]:
    rows = await conn.execute(_joined().order_by(monitors.c.key))
    return [_heartbeat(row) for row in rows.mappings()]


async def save_ping(
    conn: AsyncConnection, monitor_id: str, at: datetime, due_at: datetime | None
) -> None:
    """A finished run (good or failed): the start it ended is used up."""
    await conn.execute(
        update(heartbeats)
        .where(heartbeats.c.monitor_id == monitor_id)
        .values(last_ping_at=at, last_start_at=None, due_at=due_at)
    )


async def save_start(conn: AsyncConnection, monitor_id: str, at: datetime) -> None:
    await conn.execute(
        update(heartbeats).where(heartbeats.c.monitor_id == monitor_id).values(last_start_at=at)
    )


async def overdue(conn: AsyncConnection, now: datetime, limit: int = 500) -> list[Heartbeat]:
    query = (
        _joined()
        .where(heartbeats.c.due_at <= now, monitors.c.enabled)
        .order_by(heartbeats.c.due_at)
        .limit(limit)
    )
    return [_heartbeat(row) for row in (await conn.execute(query)).mappings()]


async def move_due(
    conn: AsyncConnection, monitor_id: str, seen: datetime, due_at: datetime | None
) -> bool:
    """Move a deadline only if it is still the one read (`seen`): a ping that landed meanwhile,
    or another replica that already reported the miss, wins. True when this call moved it."""
    moved = await conn.execute(
        update(heartbeats)
        .where(heartbeats.c.monitor_id == monitor_id, heartbeats.c.due_at == seen)
        .values(due_at=due_at)
    )
    return moved.rowcount == 1


async def earliest_due(conn: AsyncConnection) -> datetime | None:
    query = (
        select(func.min(heartbeats.c.due_at))
        .join(monitors, heartbeats.c.monitor_id == monitors.c.id)
        .where(monitors.c.enabled)
    )
    return utc_or_none((await conn.execute(query)).scalar())


async def page_zone(conn: AsyncConnection, monitor_id: str) -> str:
    """The time zone of the page that shows the monitor: its component's page, else the
    instance's first page; UTC when there is none. Its times are read there."""
    query = (
        select(pages.c.time_zone)
        .select_from(monitors)
        .join(components, components.c.id == monitors.c.component_id)
        .join(pages, pages.c.id == components.c.page_id)
        .where(monitors.c.id == monitor_id)
    )
    zone = (await conn.execute(query)).scalar()
    if zone is None:
        first = select(pages.c.time_zone).order_by(pages.c.created_at, pages.c.id).limit(1)
        zone = (await conn.execute(first)).scalar()
    return str(zone or "UTC")
