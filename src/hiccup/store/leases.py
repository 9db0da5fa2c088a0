"""Leases in the database: named duties, monitors, and the servers that hold them.

Every statement takes `now` from the caller, so tests move a ManualClock across an expiry;
between servers this assumes clocks agree to well under the lease time (NTP does).

The statements work on SQLite too (one writer, so `SKIP LOCKED` has nothing to skip), which
keeps them under the storage contract tests; only a PostgreSQL runtime uses them, since
several servers on one SQLite file are not supported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, text, update

from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.codec import utc_or_none
from hiccup.store.tables import monitors
from hiccup.store.tables_cluster import leases, monitor_leases, servers
from hiccup.store.upsert import upsert_into

# pg_advisory_lock keys ("HICC" and a number): one-time setup (migrations, config sync), and
# the application of status changes (components, automatic incidents).
SETUP_LOCK = 0x48494343_0001
STATUS_LOCK = 0x48494343_0002

FORGET_AFTER = timedelta(days=1)
_CHUNK = 5_000  # ids per IN (...) list: asyncpg allows 32,767 parameters per statement


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _free(now: datetime) -> Any:
    return or_(monitor_leases.c.holder.is_(None), monitor_leases.c.expires_at <= now)


async def take(
    conn: AsyncConnection, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew the lease `name` until now + ttl; False while another holds it."""
    statement = upsert_into(conn, leases).values(name=name, holder=holder, expires_at=now + ttl)
    statement = statement.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=or_(leases.c.expires_at <= now, leases.c.holder == holder),
    ).returning(leases.c.holder)
    return (await conn.execute(statement)).first() is not None


async def release(conn: AsyncConnection, name: str, holder: str) -> bool:
    gone = await conn.execute(
        delete(leases).where(leases.c.name == name, leases.c.holder == holder)
    )
    return bool(gone.rowcount)


async def holder_of(conn: AsyncConnection, name: str, now: datetime) -> str | None:
    query = select(leases.c.holder).where(leases.c.name == name, leases.c.expires_at > now)
    found: str | None = (await conn.execute(query)).scalar()
    return found


async def touch_server(
    conn: AsyncConnection, holder: str, host: str, pid: int, started_at: datetime, until: datetime
) -> None:
    statement = upsert_into(conn, servers).values(
        holder=holder, host=host[:255], pid=pid, started_at=started_at, seen_until=until
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[servers.c.holder], set_={"seen_until": statement.excluded.seen_until}
        )
    )


async def holdings(conn: AsyncConnection, now: datetime) -> dict[str, int]:
    """How many monitors each server alive now holds (0 for a newcomer). Rows of servers gone
    for a day are deleted; younger ones are left alone, so this never waits on a server that
    is just coming back."""
    await conn.execute(delete(servers).where(servers.c.seen_until < now - FORGET_AFTER))
    query = (
        select(servers.c.holder, func.count(monitor_leases.c.monitor_id))
        .select_from(servers.outerjoin(monitor_leases, monitor_leases.c.holder == servers.c.holder))
        .where(servers.c.seen_until > now)
        .group_by(servers.c.holder)
    )
    return {str(holder): int(count) for holder, count in await conn.execute(query)}


async def add_missing_monitors(conn: AsyncConnection) -> int:
    """Give every monitor a lease row (new ones start unheld); returns how many rows exist."""
    missing = select(monitors.c.id).where(
        ~exists().where(monitor_leases.c.monitor_id == monitors.c.id)
    )
    await conn.execute(
        upsert_into(conn, monitor_leases)
        .from_select(["monitor_id"], missing)
        .on_conflict_do_nothing()
    )
    total: int = (await conn.execute(select(func.count()).select_from(monitor_leases))).scalar_one()
    return total


async def renew_monitors(
    conn: AsyncConnection, holder: str, now: datetime, ttl: timedelta
) -> set[str]:
    """Extend every monitor lease `holder` still has; returns those monitors. One that expired
    unnoticed is still renewed when nobody claimed it meanwhile: nobody else ran it."""
    renewed = await conn.execute(
        update(monitor_leases)
        .where(monitor_leases.c.holder == holder)
        .values(expires_at=now + ttl)
        .returning(monitor_leases.c.monitor_id)
    )
    return set(renewed.scalars())


async def claim_monitors(
    conn: AsyncConnection, holder: str, now: datetime, ttl: timedelta, limit: int
) -> set[str]:
    """Take up to `limit` monitors nobody holds (or whose lease expired).

    Candidates are locked with FOR UPDATE SKIP LOCKED, so servers claiming at the same moment
    take disjoint sets instead of queueing on each other; the UPDATE checks again that each
    one is still free.
    """
    if limit <= 0:
        return set()
    query = (
        select(monitor_leases.c.monitor_id)
        .where(_free(now))
        .order_by(monitor_leases.c.monitor_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    candidates = list((await conn.execute(query)).scalars())
    if not candidates:
        return set()
    taken = await conn.execute(
        update(monitor_leases)
        .where(monitor_leases.c.monitor_id.in_(candidates), _free(now))
        .values(holder=holder, expires_at=now + ttl)
        .returning(monitor_leases.c.monitor_id)
    )
    return set(taken.scalars())


async def release_monitors(conn: AsyncConnection, holder: str, ids: Collection[str]) -> None:
    for chunk in _chunks(ids):
        await conn.execute(
            update(monitor_leases)
            .where(monitor_leases.c.monitor_id.in_(chunk), monitor_leases.c.holder == holder)
            .values(holder=None, expires_at=None)
        )


async def still_held(conn: AsyncConnection, holder: str, ids: Collection[str]) -> set[str]:
    """Which of `ids` `holder` still holds, locked until the transaction ends so nobody can
    claim them before the caller's writes commit: a fence for a server that stalled past its
    lease, whose late writes for monitors it lost are dropped, not stored over the new holder's.

    FOR KEY SHARE conflicts with a claim's FOR UPDATE but not with the plain UPDATE of a
    renewal, so the recorder's flush and the lease loop of one server never wait on each other.
    """
    held: set[str] = set()
    for chunk in _chunks(ids):
        query = (
            select(monitor_leases.c.monitor_id)
            .where(monitor_leases.c.monitor_id.in_(chunk), monitor_leases.c.holder == holder)
            .with_for_update(read=True, key_share=True)
        )
        held.update((await conn.execute(query)).scalars())
    return held


async def next_foreign_expiry(conn: AsyncConnection, holder: str, now: datetime) -> datetime | None:
    """When the next monitor lease held by another server runs out (unless renewed)."""
    query = select(func.min(monitor_leases.c.expires_at)).where(
        monitor_leases.c.holder.is_not(None),
        monitor_leases.c.holder != holder,
        monitor_leases.c.expires_at > now,
    )
    return utc_or_none((await conn.execute(query)).scalar())


async def drop_holder(conn: AsyncConnection, holder: str) -> None:
    """A clean stop: give back every duty and monitor, and leave the list of servers."""
    await conn.execute(delete(leases).where(leases.c.holder == holder))
    await conn.execute(
        update(monitor_leases)
        .where(monitor_leases.c.holder == holder)
        .values(holder=None, expires_at=None)
    )
    await conn.execute(delete(servers).where(servers.c.holder == holder))


async def notify(conn: AsyncConnection, channel: str, payload: str) -> None:
    """PostgreSQL NOTIFY, delivered when the transaction commits (nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
        )


async def serialize_status_changes(conn: AsyncConnection) -> None:
    """Wait for, and hold until commit, the right to change component statuses and automatic
    incidents. Two servers applying transitions of two monitors of one component at once would
    each see no open incident and each open one; this makes them take turns. Take it before
    the transaction's first write, or two transactions can deadlock on it."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STATUS_LOCK})


@asynccontextmanager
async def setup_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Servers started together migrate and sync the config one after the other (PostgreSQL;
    SQLite has one writer anyway)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK})
            await conn.commit()


async def database_now(conn: AsyncConnection) -> datetime | None:
    """The database server's clock (PostgreSQL: its transaction's start), to compare ours with."""
    if conn.dialect.name != "postgresql":
        return None
    return utc_or_none((await conn.execute(select(func.now()))).scalar_one())
