"""Engine creation for SQLite (WAL) and PostgreSQL, and schema migration on start."""

from __future__ import annotations

import ast
import logging
import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, event, inspect, make_url, text
from sqlalchemy.engine import URL

from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine, create_async_engine
from hiccup.store.sqlite_driver import connector

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


Synchronous = Literal["normal", "full"]
SYNCHRONOUS_ENV = "HICCUP_SQLITE_SYNCHRONOUS"
# FULL: every commit is on disk before it is acknowledged, power loss included; it costs one
# fsync of the WAL per commit (see docs/install.md for what that costs and what NORMAL risks).
DEFAULT_SYNCHRONOUS: Synchronous = "full"


def sqlite_synchronous() -> Synchronous:
    """HICCUP_SQLITE_SYNCHRONOUS: `full` (the default) or `normal`."""
    raw = os.environ.get(SYNCHRONOUS_ENV, "").strip().lower() or DEFAULT_SYNCHRONOUS
    if raw == "full":
        return "full"
    if raw == "normal":
        return "normal"
    raise ValueError(f"{SYNCHRONOUS_ENV} must be `normal` or `full`, not {raw!r}")


def data_dir() -> Path:
    return Path(os.environ.get("HICCUP_DATA_DIR", "data"))


def database_url() -> str:
    """HICCUP_DATABASE_URL, else a SQLite file in the data directory."""
    configured = os.environ.get("HICCUP_DATABASE_URL")
    if configured:
        return configured
    return f"sqlite:///{data_dir() / 'hiccup.db'}"


def async_url(url: str) -> URL:
    """Accept any plain SQLAlchemy URL and pick the asyncio driver for it."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(
        f"unsupported database {backend!r} in HICCUP_DATABASE_URL (use sqlite or postgresql)"
    )


PAGE_CACHE_KIB = 512  # per connection; SQLite reads what it misses from the OS's cache


def _sqlite_pragmas(synchronous: Synchronous, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the page snapshot builder read while the recorder writes. Under WAL, NORMAL
    # survives a crash of Hiccup but a power loss can take the last commits; FULL does not.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Each pooled connection keeps its own page cache, 2 MiB by default: 10 MiB for five, filled
    # within hours by the results index's newest pages (one per monitor). Pages it misses come
    # from the operating system's cache, which every connection shares.
    cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    cursor.close()


def create_engine(url: str | None = None, *, synchronous: Synchronous | None = None) -> AsyncEngine:
    """An engine for `url` (default: HICCUP_DATABASE_URL); SQLite's `synchronous` level
    defaults to HICCUP_SQLITE_SYNCHRONOUS."""
    target = async_url(url or database_url())
    if target.get_backend_name() == "sqlite":
        level = synchronous or sqlite_synchronous()
        if target.database and target.database != ":memory:":
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        path = target.database or ":memory:"
        engine = create_async_engine(target, async_creator=connector(path))
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, level))
        return engine
    return create_async_engine(target, pool_size=10, max_overflow=10, pool_pre_ping=True)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _assigned(tree: ast.Module, name: str) -> Any:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
                return ast.literal_eval(node.value)
    return None


class SchemaFromNewerVersion(Exception):
    """The database names revisions this version does not have: a newer Hiccup upgraded it."""


def _revision_graph() -> tuple[set[str], set[str]]:
    """Every revision, and those another builds on, read from the migration files' text."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revisions.add(_assigned(tree, "revision"))
        # A revision another one builds on, or depends on across branches, is no head.
        for name in ("down_revision", "depends_on"):
            above = _assigned(tree, name)
            parents.update([above] if isinstance(above, str) else (above or ()))
    return revisions, parents


def newest_revisions() -> set[str]:
    """The revisions no other revision builds on."""
    revisions, parents = _revision_graph()
    return revisions - parents


def database_url_for_people(url: str | None = None) -> str:
    """The database URL to print: its password hidden."""
    return make_url(url or database_url()).render_as_string(hide_password=True)


def stored_revisions(connection: Connection) -> set[str]:
    """The revisions the database says it is at; none for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def refuse_newer(stored: set[str], known: set[str]) -> None:
    """Raise SchemaFromNewerVersion when the database names revisions this version lacks."""
    if unknown := stored - known:
        raise SchemaFromNewerVersion(
            f"the database's schema ({'+'.join(sorted(unknown))}) is newer than this Hiccup "
            "knows: a newer version upgraded it. Run that version, or restore the backup "
            "taken before the upgrade (docs/upgrade.md)"
        )


def pending_upgrade(connection: Connection) -> tuple[set[str], set[str]]:
    """(the stored revisions, the newest); equal when no upgrade is due. Raises
    SchemaFromNewerVersion as `migrate` would, without importing Alembic."""
    before = stored_revisions(connection)
    revisions, parents = _revision_graph()
    newest = revisions - parents
    if before != newest:
        refuse_newer(before, revisions)
    return before, newest


def _upgrade(connection: Connection) -> tuple[set[str], set[str]]:
    # Alembic and its templates weigh about 10 MB of memory in a server that runs for months:
    # when the database is already at the newest revisions, it is not even imported.
    before = stored_revisions(connection)
    revisions, parents = _revision_graph()
    newest = revisions - parents
    if before == newest:
        return before, before
    refuse_newer(before, revisions)
    from alembic import command

    # One line of Hiccup's own instead of Alembic's INFO lines (kept off by hiccup.cli.logsetup).
    log.info(
        "upgrading the database schema from %s to %s",
        "+".join(sorted(before)) or "nothing (a new database)",
        "+".join(sorted(newest)),
    )
    config = alembic_config()
    config.attributes["connection"] = connection
    # "heads": parallel branches off one revision all apply; a merge revision can join them.
    command.upgrade(config, "heads")
    return before, stored_revisions(connection)


class BrokenReferences(Exception):
    """Rows that refer to rows no longer there, found after a SQLite migration."""


def _upgrade_checked(connection: Connection) -> tuple[set[str], set[str]]:
    revisions = _upgrade(connection)
    if revisions[0] != revisions[1]:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables = sorted({str(row[0]) for row in broken})
            raise BrokenReferences(
                f"after the upgrade, rows of {', '.join(tables)} refer to rows that are gone"
            )
    return revisions


async def _migrate_sqlite(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    # Alembic's batch mode changes a SQLite table by copying it into a new one and dropping the
    # old; with foreign keys on, that drop deletes every row referring to it (ON DELETE
    # CASCADE): migration 0018 once took every result, outage and monitor state that way. So
    # they are off while migrating and checked after. SQLite ignores this PRAGMA inside a
    # transaction, hence the commits around it.
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            revisions = await connection.run_sync(_upgrade_checked)
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise
        finally:
            try:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()
            except Exception:  # never back into the pool with foreign keys off
                await connection.invalidate()
    return revisions


async def migrate(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """Bring the schema to the newest revision; safe to run on every start. Returns the
    revisions before and after."""
    if engine.dialect.name == "sqlite":
        return await _migrate_sqlite(engine)
    async with engine.begin() as connection:
        return await connection.run_sync(_upgrade)


async def claim_writer(conn: AsyncConnection) -> None:
    """Take SQLite's write lock now, as a transaction's first statement (BEGIN IMMEDIATE).

    A SQLite transaction that reads before it writes (one opened by a SAVEPOINT) fails at its
    first write, at once and without waiting out the busy timeout, when another connection
    committed after its first read (SQLITE_BUSY_SNAPSHOT under WAL: "database is locked").
    Holding the lock from the start, other writers wait for it instead. PostgreSQL needs
    nothing: its writers do not fail for having read first.
    """
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN IMMEDIATE")


async def answers(engine: AsyncEngine) -> bool:
    """Whether the database answers a trivial query now (callers bound the wait)."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any driver's way of saying it is gone
        return False
    return True
