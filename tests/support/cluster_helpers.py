"""Shared by the several-servers tests: a fresh PostgreSQL database, a config with a few
monitors, and a lease listener that records what it was told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.sync import sync_config
from hiccup.store.tables import monitors
from hiccup.store.tables_cluster import monitor_leases
from tests.support.migrated import fresh_postgres_database
from tests.support.store_helpers import config


@asynccontextmanager
async def fresh_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    created = create_engine(await fresh_postgres_database(postgres_url))
    try:
        await migrate(created)
        yield created
    finally:
        await created.dispose()


def monitors_config(count: int, target: str = "http://127.0.0.1:9/") -> str:
    lines = ["page: {name: Flexo Hosting}", "components: [{name: web}]", "monitors:"]
    lines += [
        f'  - {{name: m{i}, kind: http, target: "{target}?m={i}", component: web, interval: 1m}}'
        for i in range(count)
    ]
    return "\n".join(lines) + "\n"


async def sync(engine: AsyncEngine, text: str, now: datetime) -> None:
    async with engine.begin() as conn:
        await sync_config(conn, config(text), now)


async def monitor_ids(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(select(monitors.c.id))).scalars())


async def holders(engine: AsyncEngine) -> dict[str, str | None]:
    query = select(monitor_leases.c.monitor_id, monitor_leases.c.holder)
    async with engine.connect() as conn:
        return {str(m): h for m, h in await conn.execute(query)}


@dataclass
class Told:
    """A LeaseListener that records each call, and who held the monitors being given back at
    the moment it was told (still this server: their results are written before release)."""

    engine: AsyncEngine
    got: list[tuple[frozenset[str], bool]] = field(default_factory=list)
    gave: list[frozenset[str]] = field(default_factory=list)
    lost_ids: list[frozenset[str]] = field(default_factory=list)
    held_while_giving: list[set[str | None]] = field(default_factory=list)

    async def acquired(self, ids: frozenset[str], adopt: bool) -> None:
        self.got.append((ids, adopt))

    async def releasing(self, ids: frozenset[str]) -> None:
        self.gave.append(ids)
        now = await holders(self.engine)
        self.held_while_giving.append({now[i] for i in ids})

    async def lost(self, ids: frozenset[str]) -> None:
        self.lost_ids.append(ids)


@asynccontextmanager
async def two_servers(postgres_url: str, text: str) -> AsyncIterator[tuple[Hiccup, Hiccup]]:
    """Two whole runtimes on one fresh database, each with its own connection pool, as two
    `hiccup serve` processes would be; started, and stopped afterwards."""
    url = await fresh_postgres_database(postgres_url)
    engines = [create_engine(url), create_engine(url)]
    settings = [Settings(flush_seconds=0.1, lease_seconds=3.0) for _ in engines]
    servers = [Hiccup(e, config(text), settings=s) for e, s in zip(engines, settings, strict=True)]
    try:
        for started in servers:
            await started.start()
        yield servers[0], servers[1]
    finally:
        for running in servers:
            await running.stop()
        for engine in engines:
            await engine.dispose()
