"""A real `hiccup serve` on a PostgreSQL cluster the test stops and starts: a database outage
as operators live it, watched from outside (HTTP answers, the server's log)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import SystemClock
from hiccup.store import accounts, api_tokens
from hiccup.store.database import create_engine, migrate
from tests.server.test_serve_servers import wait_ready
from tests.support.admin_helpers import PASSWORD
from tests.support.postgres import Cluster, cluster
from tests.support.targets import reserve_port

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
        port = reserve_port()
        base = f"http://127.0.0.1:{port}"
        (tmp_path / "hiccup.yaml").write_text(CONFIG.format(target=base + "/healthz"))
        environment = {
            **os.environ,
            "HICCUP_DATA_DIR": str(tmp_path / "data"),
            "HICCUP_DATABASE_URL": database.url,
            **env,
        }
        log = tmp_path / "server.log"
        command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port)]
        with (
            log.open("wb") as sink,
            subprocess.Popen(
                command, cwd=tmp_path, env=environment, stdout=sink, stderr=sink
            ) as process,
        ):
            try:
                wait_ready(base + "/healthz", process)
                yield Served(base, token, log, database)
            finally:
                process.kill()
                process.wait(timeout=20)
