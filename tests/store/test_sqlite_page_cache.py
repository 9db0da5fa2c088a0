"""Every pooled SQLite connection keeps a page cache of PAGE_CACHE_KIB, not SQLite's 2 MiB
default: five connections would otherwise hold 10 MiB of pages at 1,000 monitors (#18)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import PAGE_CACHE_KIB, create_engine


async def _cache_size_held(engine: AsyncEngine, together: asyncio.Barrier) -> int:
    async with engine.connect() as conn:
        size = (await conn.execute(text("PRAGMA cache_size"))).scalar_one()
        await together.wait()  # held until all are open: each is a connection of its own
        return int(size)


async def test_each_pooled_connection_has_the_smaller_page_cache(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'hiccup.db'}")
    together = asyncio.Barrier(3)
    try:
        sizes = await asyncio.gather(*(_cache_size_held(engine, together) for _ in range(3)))
    finally:
        await engine.dispose()
    # Negative: KiB rather than pages.
    assert sizes == [-PAGE_CACHE_KIB] * 3
