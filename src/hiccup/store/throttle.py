"""Persisted login failure counters and lockouts (see hiccup.auth.throttle for the rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from hiccup.auth.throttle import ThrottleRule
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc_or_none
from hiccup.store.tables_accounts import login_throttle


async def locked_until(conn: AsyncConnection, key: str, now: datetime) -> datetime | None:
    query = select(login_throttle.c.locked_until).where(login_throttle.c.key == key)
    until = utc_or_none((await conn.execute(query)).scalar())
    return until if until is not None and until > now else None


async def record_failure(
    conn: AsyncConnection, key: str, rule: ThrottleRule, now: datetime
) -> datetime | None:
    """Count one more failure; returns the new lock's end, if this failure locks."""
    query = select(login_throttle.c.failures).where(login_throttle.c.key == key)
    failures = (await conn.execute(query)).scalar()
    count = (failures or 0) + 1
    until = rule.locked_until(count, now)
    values = {"failures": count, "locked_until": until, "last_failure_at": now}
    if failures is None:
        await conn.execute(insert(login_throttle).values(key=key, **values))
    else:
        await conn.execute(update(login_throttle).where(login_throttle.c.key == key).values(values))
    return until


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(login_throttle).where(login_throttle.c.key == key))
