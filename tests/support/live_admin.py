"""A real `hiccup serve` in a thread: uvicorn on a loopback port, its own event loop, its own
database engine, the whole runtime started by the app's lifespan. For schemathesis and the
browser, which drive the server from outside like an operator would."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role, Scope
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import SystemClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store import accounts, api_tokens
from hiccup.store.database import create_engine, migrate


@dataclass(frozen=True)
class LiveAdmin:
    base_url: str
    owner_token: str
    owner_name: str
    password: str
    totp_secret: str | None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _seed(url: str, password: str, totp_secret: str | None) -> str:
    engine = create_engine(url)
    try:
        await migrate(engine)
        now = SystemClock().now()
        async with engine.begin() as conn:
            user_id = await accounts.create_user(
                conn, "olga", Role.OWNER, await hash_password(password), now
            )
            if totp_secret:
                await accounts.update_user(
                    conn, user_id, now, totp_secret=totp_secret, totp_enabled=True
                )
            _, token = await api_tokens.create_token(conn, user_id, "tests", [Scope.ADMIN], now)
        return token
    finally:
        await engine.dispose()


@contextmanager
def live_admin(
    data: Path, config: HiccupConfig, password: str, totp_secret: str | None = None
) -> Iterator[LiveAdmin]:
    url = f"sqlite:///{data / 'hiccup.db'}"
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        token = pool.submit(asyncio.run, _seed(url, password, totp_secret)).result()
    port = _free_port()
    hiccup = Hiccup(create_engine(url), config, settings=Settings(page_slug=config.page.slug))
    server = uvicorn.Server(
        uvicorn.Config(
            hiccup.app(),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            # A browser's open live stream must not hold the shutdown for long.
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name="hiccup-live", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the live server did not start")
    try:
        yield LiveAdmin(f"http://127.0.0.1:{port}", token, "olga", password, totp_secret)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
