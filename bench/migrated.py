"""A migrated SQLite database in a temporary directory, and monitors in it, for the benches
that fill one."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy
from sqlalchemy import insert

from hiccup.store.database import create_engine, migrate
from hiccup.store.tables import monitors


@contextmanager
def migrated_sqlite(directory: Path | None, name: str) -> Iterator[tuple[Path, str]]:
    """(the database file, its URL), migrated to the newest schema; removed afterwards."""
    with tempfile.TemporaryDirectory(dir=directory, prefix="hiccup-bench-") as where:
        db = Path(where) / name
        url = f"sqlite:///{db}"
        engine = create_engine(url)
        asyncio.run(migrate(engine))
        asyncio.run(engine.dispose())
        yield db, url


def monitor_ids(count: int) -> list[str]:
    return [f"m{n:011d}" for n in range(count)]


def add_monitors(url: str, ids: list[str], interval_s: float, created: datetime) -> None:
    """HTTP monitors with these ids, created at `created`; their targets are never checked."""
    engine = sqlalchemy.create_engine(url)
    rows = [
        {
            "id": m,
            "key": m,
            "name": f"monitor {n}",
            "kind": "http",
            "target": f"http://127.0.0.{1 + n % 200}:8080/{n}",
            "interval_s": interval_s,
            "timeout_s": 10.0,
            "created_at": created,
            "updated_at": created,
        }
        for n, m in enumerate(ids)
    ]
    with engine.begin() as conn:
        conn.execute(insert(monitors), rows)
    engine.dispose()
