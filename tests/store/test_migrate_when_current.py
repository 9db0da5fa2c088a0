"""A restart on a database already at the newest revisions skips Alembic altogether."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from hiccup.store.database import create_engine, migrate, newest_revisions


async def test_a_migrated_database_stores_exactly_the_newest_revisions(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        await migrate(engine)
        await migrate(engine)  # the second start finds nothing to do
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            assert set(stored) == newest_revisions()
    finally:
        await engine.dispose()
