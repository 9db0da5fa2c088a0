"""Migrated databases for the tests, made by copying one migrated template per worker.

Running every migration costs about half a second a test (more on PostgreSQL, and more again on
a loaded machine), and hundreds of tests want a migrated, empty database. Each xdist worker
migrates one template per engine kind, the first time a test asks, and every test then gets a
copy: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. The copy is the same
schema `migrate` makes (tests/store/test_migrations.py still migrates from nothing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
from sqlalchemy import make_url

from hiccup.core.ids import new_id
from hiccup.store.database import create_engine, migrate


async def _create_database(server_url: str, template: str | None = None) -> str:
    """A new database on the server of `server_url` (a copy of `template` if given)."""
    name = f"t_{new_id()}"
    url = make_url(server_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        # FILE_COPY: a small database copies faster as files than block by block through WAL.
        copying = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copying}')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(database_url: str) -> None:
    """Drop a test's database at its end: left behind, hundreds of them cost the session's end
    the deletion of a few gigabytes of files."""
    url = make_url(database_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database="postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def fresh_postgres_database(server_url: str) -> str:
    """An empty database of its own on the test server."""
    return await _create_database(server_url)


class MigratedTemplates:
    """One worker's migrated templates; made on first use, copied for every test after."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: dict[str, str] = {}  # server url -> template database name

    async def sqlite_copy(self, target: Path) -> None:
        """Put a migrated database file at `target` (nothing may have opened it yet)."""
        if self._sqlite is None:
            made = self._folder / "template.db"
            engine = create_engine(f"sqlite:///{made}")
            await migrate(engine)
            await engine.dispose()  # the last close checkpoints the WAL into the file
            assert not made.with_name(made.name + "-wal").exists(), "template not checkpointed"
            self._sqlite = made
        shutil.copyfile(self._sqlite, target)

    async def postgres_copy(self, server_url: str) -> str:
        """The URL of a new database that is a copy of the migrated template."""
        template = self._postgres.get(server_url)
        if template is None:
            made = await _create_database(server_url)
            engine = create_engine(made)
            await migrate(engine)
            await engine.dispose()  # a template must have no connections when it is copied
            template = self._postgres[server_url] = make_url(made).database or ""
        return await _create_database(server_url, template)
