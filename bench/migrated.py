"""A migrated SQLite database in a temporary directory, for the benches that fill one."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hiccup.store.database import create_engine, migrate


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
