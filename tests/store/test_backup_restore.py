"""`hiccup backup` while writes go on, then restore into a fresh database: the copy is
consistent (everything committed before it began, an unbroken run after) and a server can
start on it; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.backup import BackupError, backup, restore
from hiccup.store.database import create_engine, migrate
from hiccup.store.tables_notify import notify_settings
from tests.support.migrated import fresh_postgres_database

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


async def write(engine: AsyncEngine, first: int, count: int) -> None:
    for number in range(first, first + count):
        async with engine.begin() as conn:  # one commit per row, as a busy server does
            row = {"name": f"k{number:06d}", "value": str(number), "created_at": NOW}
            await conn.execute(insert(notify_settings).values(**row))


async def numbers(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        query = select(notify_settings.c.value).where(notify_settings.c.name.like("k%"))
        return sorted(int(v) for v in (await conn.execute(query)).scalars())


def plain_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def target_url(engine: AsyncEngine, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / 'restored' / 'hiccup.db'}"
    return await fresh_postgres_database(request.getfixturevalue("postgres_url"))


async def test_a_backup_taken_under_writes_restores_consistent(
    engine: AsyncEngine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    await write(engine, 0, 200)
    out = tmp_path / "hiccup.backup"
    writer = asyncio.create_task(write(engine, 200, 300))
    await asyncio.sleep(0.05)  # the writer is under way when the copy starts
    done = await asyncio.to_thread(backup, plain_url(engine), out)
    await writer
    assert done.path == out
    assert out.stat().st_size == done.size > 0

    target = await target_url(engine, tmp_path, request)
    await asyncio.to_thread(restore, target, out)
    restored = create_engine(target)
    try:
        await migrate(restored)  # a server starting on it migrates it as usual
        copied = await numbers(restored)
    finally:
        await restored.dispose()
    assert copied[:200] == list(range(200)), "everything committed before the backup"
    assert copied == list(range(len(copied))), "a consistent snapshot: no gap, no stray row"
    assert len(copied) <= 500


async def test_restore_refuses_to_overwrite_a_database_unless_told(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("pg_restore --clean replaces the objects of the backup by design")
    out = tmp_path / "hiccup.backup"
    await asyncio.to_thread(backup, plain_url(engine), out)
    existing = f"sqlite:///{tmp_path / 'hiccup.db'}"
    with pytest.raises(BackupError, match="pass --replace"):
        restore(existing, out)
    not_ours = tmp_path / "other.db"
    not_ours.write_bytes(b"")
    with pytest.raises(BackupError, match="not a Hiccup backup"):
        restore(f"sqlite:///{tmp_path / 'fresh.db'}", not_ours)


def test_the_commands_back_up_and_restore_a_sqlite_data_directory(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text("page: {name: Flexo Hosting}\n")
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)

    def hiccup(*args: str, data: str = "data") -> subprocess.CompletedProcess[str]:
        here = {**env, "HICCUP_DATA_DIR": str(tmp_path / data)}
        command = [sys.executable, "-m", "hiccup", *args]
        return subprocess.run(command, cwd=tmp_path, env=here, capture_output=True, text=True)

    assert hiccup("init").returncode in (0, 1)  # init may refuse an existing hiccup.yaml
    made = hiccup("backup", "--out", str(tmp_path / "b.db"))
    assert made.returncode == 0, made.stderr
    assert "backed up the sqlite database" in made.stdout
    back = hiccup("restore", str(tmp_path / "b.db"), data="elsewhere")
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "elsewhere" / "hiccup.db").is_file()
    again = hiccup("restore", str(tmp_path / "b.db"), data="elsewhere")
    assert again.returncode == 1
    assert "--replace" in again.stderr
