"""A real `hiccup serve` on a PostgreSQL cluster the test stops and starts: a database outage
as operators live it, watched from outside (HTTP answers, the server's log)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import SystemClock
from hiccup.store import accounts, api_tokens
from hiccup.store.database import create_engine, migrate
from tests.support.admin_helpers import PASSWORD
from tests.support.postgres import Cluster, cluster
from tests.support.serve_process import HiccupServe

CONFIG = """\
page: {{name: Flexo Hosting}}
components:
  - {{name: flexo, key: flexo}}
monitors:
  - {{name: flexo, kind: http, target: "{target}", component: flexo, interval: 1s}}
"""


@dataclass
class Served:
    base: str
    token: str  # an owner's API token
    log: Path  # the server's stderr: its whole log
    database: Cluster

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> list[str]:
        with self.log.open("rb") as file:
            file.seek(offset)
            return file.read().decode(errors="replace").splitlines()


async def _seed(url: str) -> str:
    engine = create_engine(url)
    try:
        await migrate(engine)
        now = SystemClock().now()
        async with engine.begin() as conn:
            owner = await accounts.create_user(
                conn, "olga", Role.OWNER, await hash_password(PASSWORD), now
            )
            _, token = await api_tokens.create_token(conn, owner, "tests", [Scope.ADMIN], now)
        return token
    finally:
        await engine.dispose()


@contextmanager
def serve_on_postgres(tmp_path: Path, **env: str) -> Iterator[Served]:
    """`hiccup serve` (granian) with one monitor checking the server's own /healthz."""
    with cluster() as database:
        token = asyncio.run(_seed(database.url))
        served = HiccupServe(tmp_path, env={"HICCUP_DATABASE_URL": database.url, **env})
        served.write_config(CONFIG.format(target=served.base + "/healthz"))
        with served.serving():
            yield Served(served.base, token, tmp_path / "serve.log", database)
