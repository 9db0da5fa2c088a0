"""Probe tokens: created with a name, shown once, stored as a hash, good for probing only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from hiccup.auth.secrets import PROBE_TOKEN_PREFIX, digest, new_secret
from hiccup.checks.registry import is_scheduled
from hiccup.core.monitors import MonitorSpec
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.monitors import load_specs
from hiccup.store.tables_probes import probes


class ProbeExists(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ProbeInfo:
    name: str
    prefix: str
    region: str | None
    created_at: datetime
    last_seen_at: datetime | None
    healthy: bool
    health_reason: str | None


def _info(row: Any) -> ProbeInfo:
    return ProbeInfo(
        row["name"],
        row["prefix"],
        row["region"],
        utc(row["created_at"]),
        utc_or_none(row["last_seen_at"]),
        row["healthy"],
        row["health_reason"],
    )


async def add_probe(conn: AsyncConnection, name: str, now: datetime) -> str:
    """Returns the token; only its hash is kept."""
    secret = new_secret(PROBE_TOKEN_PREFIX)
    values = {
        "name": name,
        "token_hash": digest(secret),
        "prefix": secret[:14],
        "created_at": now,
        "healthy": True,
        "health_flips": 0,
    }
    try:
        async with conn.begin_nested():
            await conn.execute(insert(probes).values(**values))
    except IntegrityError:
        raise ProbeExists(f"a probe named {name!r} exists; revoke it first") from None
    return secret


async def list_probes(conn: AsyncConnection) -> list[ProbeInfo]:
    query = select(probes).where(probes.c.revoked_at.is_(None)).order_by(probes.c.name)
    return [_info(row) for row in (await conn.execute(query)).mappings()]


async def revoke_probe(conn: AsyncConnection, name: str, now: datetime) -> bool:
    done = await conn.execute(
        update(probes)
        .where(probes.c.name == name, probes.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount > 0


async def authenticate(
    conn: AsyncConnection, token: str, region: str, now: datetime
) -> ProbeInfo | None:
    """The probe this token belongs to (its region and last-seen time updated), or None."""
    if not token.startswith(PROBE_TOKEN_PREFIX):
        return None
    query = select(probes).where(
        probes.c.token_hash == digest(token), probes.c.revoked_at.is_(None)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    await conn.execute(
        update(probes).where(probes.c.name == row["name"]).values(last_seen_at=now, region=region)
    )
    return _info({**row, "last_seen_at": now, "region": region})


async def assigned_specs(conn: AsyncConnection, region: str) -> list[MonitorSpec]:
    """Enabled monitors that run in this region, in a stable order (for the ETag)."""
    specs = await load_specs(conn)
    return [s for s in specs if s.enabled and s.runs_in(region) and is_scheduled(s.kind)]
