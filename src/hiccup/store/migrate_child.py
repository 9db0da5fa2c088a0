"""Schema upgrades in a short-lived child process, for the long-running server.

Alembic, Mako and Pygments weigh about 11 MB of memory once imported, and a Python process
never gives imported modules back: a server that upgraded its database at start (a new
install, a new version) kept them for months. `serve` asks here instead: when the database is
already at the newest revisions, nothing happens (one query, no Alembic); else a child process
(`python -m hiccup.store.migrate_child`) runs the very same `migrate` and exits.

The database URL goes to the child in its environment, not its command line (where `ps` would
show a password).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate, pending_upgrade, stored_revisions

log = logging.getLogger(__name__)

URL_ENV = "HICCUP_MIGRATE_URL"


class MigrationFailed(Exception):
    """The child process could not upgrade the schema; its last error line says why."""


async def migrate_apart(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """As `migrate`, with the upgrade (if any) run by a child process. Returns the revisions
    before and after. An in-memory SQLite database, which no other process can open, is
    upgraded here."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return await migrate(engine)
    async with engine.connect() as conn:
        before, newest = await conn.run_sync(pending_upgrade)
    if before == newest:
        return before, before
    log.info(
        "upgrading the database schema from %s to %s",
        "+".join(sorted(before)) or "nothing (a new database)",
        "+".join(sorted(newest)),
    )
    url = engine.url.render_as_string(hide_password=False)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        env={**os.environ, URL_ENV: url},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await child.communicate()
    if child.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise MigrationFailed(lines[-1] if lines else f"exit status {child.returncode}")
    async with engine.connect() as conn:
        return before, await conn.run_sync(stored_revisions)


async def _main() -> None:
    # SQLite's synchronous level comes from the environment the child inherits.
    engine = create_engine(os.environ[URL_ENV])
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    # Alembic's own INFO lines stay off, as in the server (hiccup.cli.logsetup).
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(_main())
