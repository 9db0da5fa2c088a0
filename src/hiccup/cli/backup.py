"""`hiccup backup` and `hiccup restore`: a consistent copy while serving, and back again."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import make_url

from hiccup.cli.say import console, errors
from hiccup.store.backup import BackupError, backup, restore
from hiccup.store.database import data_dir, database_url
from hiccup.store.dirlock import DataDirInUse, DataDirLock


def backup_command(
    out: Path = typer.Option(..., "--out", help="The backup file to write."),
) -> None:
    """Back up the database while Hiccup runs (SQLite's online backup, or pg_dump)."""
    try:
        done = backup(database_url(), out)
    except BackupError as error:
        errors.print(f"error: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"backed up the {done.engine} database to {done.path} ({done.size:,} bytes)")


def restore_command(
    source: Path = typer.Argument(..., help="A file `hiccup backup` wrote."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an existing database."),
) -> None:
    """Restore a backup into the database of a stopped Hiccup."""
    lock = None
    try:
        if make_url(database_url()).get_backend_name() == "sqlite":
            lock = DataDirLock(data_dir()).acquire()  # no server may be using it meanwhile
        restore(database_url(), source, replace=replace)
    except (BackupError, DataDirInUse) as error:
        hint = " (stop hiccup serve first)" if isinstance(error, DataDirInUse) else ""
        errors.print(f"error: {error}{hint}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        if lock is not None:
            lock.release()
    console.print(f"restored {source}; start Hiccup to migrate it to this version's schema")
