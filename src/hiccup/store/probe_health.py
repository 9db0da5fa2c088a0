"""A probe's health, told to operators: recorded as events and alerted once per change —
never as an outage of the targets it watches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from hiccup.core.rounds import HealthChange
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables import monitors, pages
from hiccup.store.tables_probes import probe_events, probe_votes, probes


@dataclass(frozen=True, slots=True)
class ProbeEvent:
    probe: str
    healthy: bool
    reason: str | None
    monitor_name: str | None
    at: datetime


async def _monitor_name(conn: AsyncConnection, monitor_id: str) -> str:
    query = select(monitors.c.name).where(monitors.c.id == monitor_id)
    return (await conn.execute(query)).scalar_one_or_none() or monitor_id


async def _flip(conn: AsyncConnection, probe: str, reason: str | None) -> Any:
    """Set the probe's overall health if it changed; the row lock makes one server win."""
    still_flagged = select(probe_votes.c.reason).where(
        probe_votes.c.probe == probe, probe_votes.c.healthy.is_(False)
    )
    flagged = (await conn.execute(still_flagged.limit(1))).scalars().first()
    healthy = flagged is None
    statement = (
        update(probes)
        .where(probes.c.name == probe, probes.c.healthy.is_not(healthy))
        .values(
            healthy=healthy,
            health_reason=None if healthy else reason or flagged,
            health_flips=probes.c.health_flips + 1,
        )
        .returning(probes.c.health_flips, probes.c.region, probes.c.healthy)
    )
    return (await conn.execute(statement)).first()


@dataclass(frozen=True, slots=True)
class ProbeFlip:
    """A probe as a whole turned healthy or unhealthy: what its operators are to be told."""

    change: HealthChange
    flips: int  # how often its health changed so far: one alert per change
    region: str | None
    monitor_name: str  # the monitor whose votes showed it
    page_name: str
    page_url: str


async def _page(conn: AsyncConnection) -> tuple[str, str]:
    query = select(pages.c.name, pages.c.url).order_by(pages.c.created_at).limit(1)
    row = (await conn.execute(query)).first()
    return (row.name, row.url) if row else ("Hiccup", "")


async def record_health_changes(
    conn: AsyncConnection, changes: Sequence[tuple[str, HealthChange]]
) -> list[ProbeFlip]:
    """Store each change of a probe's health on a monitor; return the probes that turned
    unhealthy or healthy as a whole. Call after the votes of the same batch are saved."""
    flipped: list[ProbeFlip] = []
    for monitor_id, change in changes:
        await conn.execute(
            insert(probe_events).values(
                probe=change.probe,
                healthy=change.health.healthy,
                reason=change.health.reason,
                monitor_id=monitor_id,
                at=change.at,
            )
        )
        flip = await _flip(conn, change.probe, change.health.reason)
        if flip is not None:
            flips, region, _healthy = flip
            name = await _monitor_name(conn, monitor_id)
            flipped.append(ProbeFlip(change, flips, region, name, *await _page(conn)))
    return flipped


async def recent_events(conn: AsyncConnection, limit: int = 50) -> list[ProbeEvent]:
    query = (
        select(probe_events, monitors.c.name.label("monitor_name"))
        .outerjoin(monitors, monitors.c.id == probe_events.c.monitor_id)
        .order_by(probe_events.c.at.desc(), probe_events.c.id.desc())
        .limit(limit)
    )
    return [
        ProbeEvent(r["probe"], r["healthy"], r["reason"], r["monitor_name"], utc(r["at"]))
        for r in (await conn.execute(query)).mappings()
    ]
