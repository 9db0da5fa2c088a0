"""Backups taken while Hiccup serves, and restores into a stopped one.

SQLite: the online backup API copies a consistent snapshot page by page while the server keeps
writing (WAL lets readers and the one writer go on). PostgreSQL: `pg_dump` takes its snapshot
in one transaction, and `pg_restore` loads it. Every file is written beside its final name
and renamed into place, so an interrupted backup never leaves a half file under that name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

PAGES_PER_STEP = 256  # the writer gets the database back between steps of a big copy


class BackupError(Exception):
    """What went wrong, in words for the operator; nothing under the target name changed."""


@dataclass(frozen=True, slots=True)
class BackupDone:
    path: Path
    size: int
    engine: str  # "sqlite" or "postgresql"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _libpq_uri(url: URL) -> str:
    """pg_dump and pg_restore take a libpq URI: the SQLAlchemy URL without its driver."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or newer"
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def _replace(partial: Path, final: Path) -> int:
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    partial.replace(final)
    return final.stat().st_size


def _copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP)
        verdict = dst.execute("PRAGMA integrity_check").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"the copy of {source} failed its integrity check: {verdict}")


def backup(database_url: str, out: Path) -> BackupDone:
    """Write a backup of the database at `database_url` to `out` while it is in use."""
    url = make_url(database_url)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            _copy_sqlite(_sqlite_path(url), partial)
        else:
            uri = _libpq_uri(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", uri])
        return BackupDone(out, _replace(partial, out), url.get_backend_name())
    finally:
        partial.unlink(missing_ok=True)


def _looks_like_hiccup(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite backup: {error}") from None
    if not {"alembic_version", "monitors", "pages"} <= tables:
        raise BackupError(f"{path} is not a Hiccup backup (no Hiccup tables in it)")


def restore(database_url: str, source: Path, *, replace: bool = False) -> None:
    """Load the backup `source` into the database at `database_url`, which no server may be
    using. An existing SQLite database is replaced only with `replace`."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner"]
        _run([*command, f"--dbname={_libpq_uri(url)}", str(source)])
        return
    target = _sqlite_path(url)
    if target.exists() and not replace:
        raise BackupError(f"{target} exists; pass --replace to overwrite it with the backup")
    _looks_like_hiccup(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    try:
        _copy_sqlite(source, partial)
        for leftover in ("-wal", "-shm"):  # the old database's journal must not meet the new
            target.with_name(target.name + leftover).unlink(missing_ok=True)
        _replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
