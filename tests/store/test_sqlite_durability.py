"""SQLite commits at `synchronous=FULL` unless HICCUP_SQLITE_SYNCHRONOUS says `normal`: what is
acknowledged survives a power loss by default; a bad value is refused before serving."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hiccup.store.database import create_engine

LEVELS = {0: "off", 1: "normal", 2: "full", 3: "extra"}


async def synchronous_of(path: Path) -> str:
    engine = create_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as conn:
            level = (await conn.execute(text("PRAGMA synchronous"))).scalar_one()
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert mode == "wal"
    return LEVELS[level]


async def test_commits_are_synchronous_full_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HICCUP_SQLITE_SYNCHRONOUS", raising=False)
    assert await synchronous_of(tmp_path / "a.db") == "full"


async def test_normal_can_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HICCUP_SQLITE_SYNCHRONOUS", "NORMAL")
    assert await synchronous_of(tmp_path / "a.db") == "normal"


def test_serve_refuses_an_unknown_level(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text("page: {name: Flexo Hosting}\n")
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path), "HICCUP_SQLITE_SYNCHRONOUS": "off"}
    env.pop("HICCUP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "hiccup", "serve", "--port", "9"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "HICCUP_SQLITE_SYNCHRONOUS must be `normal` or `full`" in done.stderr
