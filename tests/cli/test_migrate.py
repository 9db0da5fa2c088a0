"""`hiccup migrate`: it refuses a database a newer Hiccup upgraded, saying what to do, and a
SQLite database a running server holds."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from hiccup.store.dirlock import DataDirLock


def hiccup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hiccup", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_database_from_a_newer_version_is_refused_in_words(tmp_path: Path) -> None:
    assert hiccup(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "data" / "hiccup.db") as db:
        db.execute("INSERT INTO alembic_version VALUES ('9999')")
    done = hiccup(tmp_path, "migrate")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    said = " ".join(done.stderr.split())
    assert "schema (9999) is newer than this Hiccup knows" in said
    assert "restore the backup taken before the upgrade" in said


def test_migrate_waits_for_no_server_on_sqlite(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path / "data").acquire()  # as a running `hiccup serve` holds it
    try:
        done = hiccup(tmp_path, "migrate")
    finally:
        lock.release()
    assert done.returncode == 1
    assert "stop Hiccup first" in done.stderr
    assert not (tmp_path / "data" / "hiccup.db").exists()
