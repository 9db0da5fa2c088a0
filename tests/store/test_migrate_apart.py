"""`serve` upgrades the schema in a child process: Alembic never enters the server's memory."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import SchemaFromNewerVersion, create_engine, newest_revisions
from hiccup.store.migrate_child import MigrationFailed, migrate_apart

# A fresh interpreter, so no other test's Alembic import hides one made by migrate_apart.
CHILD_CHECK = """
import asyncio, sys
from hiccup.store.database import create_engine
from hiccup.store.migrate_child import migrate_apart

async def main():
    engine = create_engine(sys.argv[1])
    try:
        before, after = await migrate_apart(engine)
    finally:
        await engine.dispose()
    print(sorted(before), sorted(after), "alembic" in sys.modules)

asyncio.run(main())
"""


async def _stored(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def test_a_new_database_is_upgraded_by_a_child_and_alembic_stays_out(
    bare_engine: AsyncEngine,
) -> None:
    url = bare_engine.url.render_as_string(hide_password=False)
    await bare_engine.dispose()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD_CHECK, url, stdout=asyncio.subprocess.PIPE
    )
    out = (await child.communicate())[0].decode()
    assert child.returncode == 0
    assert out.split("] ")[-1].strip() == "False"  # not imported by the server
    assert out.startswith("[] [")  # from nothing to the newest revisions
    assert await _stored(bare_engine) == newest_revisions()


async def test_a_current_database_needs_no_child(engine: AsyncEngine) -> None:
    before, after = await migrate_apart(engine)
    assert before == after == newest_revisions()


async def test_a_schema_from_a_newer_version_is_refused_before_any_child(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO alembic_version VALUES ('9999_future')"))
    with pytest.raises(SchemaFromNewerVersion):
        await migrate_apart(engine)


async def test_an_in_memory_database_is_upgraded_here() -> None:
    engine = create_engine("sqlite:///:memory:")
    try:
        before, after = await migrate_apart(engine)
        assert before == set()
        assert after == newest_revisions()
    finally:
        await engine.dispose()


async def test_a_failing_child_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}", synchronous="full")
    # The child reads the environment this server was started with; here it cannot start.
    monkeypatch.setenv("HICCUP_SQLITE_SYNCHRONOUS", "sometimes")
    try:
        with pytest.raises(MigrationFailed, match="HICCUP_SQLITE_SYNCHRONOUS"):
            await migrate_apart(engine)
    finally:
        await engine.dispose()
