"""A started Hiccup (real runtime, real database) with users of every role, for admin tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pyotp
from sqlalchemy import select

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role, Scope
from hiccup.config.load import parse_config
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import SystemClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store import accounts, api_tokens
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components

PASSWORD = "correct horse battery"
BASE = "http://hiccup.test"

CONFIG = """
page: {name: Example hosting, slug: default}
components:
  - {name: amy}
  - {name: flexo}
  - {name: leela}
"""


def example_config(text: str = CONFIG) -> HiccupConfig:
    return parse_config(text, Path("hiccup.yaml"))


@asynccontextmanager
async def running(engine: AsyncEngine, config: HiccupConfig | None = None) -> AsyncIterator[Hiccup]:
    """The whole runtime, started (sync, workers, snapshot) and stopped afterwards."""
    hiccup = Hiccup(engine, config or example_config(), settings=Settings(snapshot_dir=None))
    await hiccup.start()
    try:
        yield hiccup
    finally:
        await hiccup.stop()


@asynccontextmanager
async def prepared(
    engine: AsyncEngine, config: HiccupConfig | None = None
) -> AsyncIterator[Hiccup]:
    """Migrated and synced, but no checks or workers running: for tests that set monitor
    states themselves and must not have the scheduler change them."""
    hiccup = Hiccup(engine, config or example_config(), settings=Settings(snapshot_dir=None))
    await hiccup.prepare()
    yield hiccup


def client_for(hiccup: Hiccup) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=hiccup.app(), client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def add_user(
    engine: AsyncEngine, name: str, role: Role, totp_secret: str | None = None
) -> str:
    hashed = await hash_password(PASSWORD)
    now = SystemClock().now()
    async with engine.begin() as conn:
        user_id = await accounts.create_user(conn, name, role, hashed, now)
        if totp_secret:
            await accounts.update_user(
                conn, user_id, now, totp_secret=totp_secret, totp_enabled=True
            )
    return user_id


async def add_token(engine: AsyncEngine, user_id: str, scopes: list[Scope]) -> str:
    async with engine.begin() as conn:
        _, secret = await api_tokens.create_token(
            conn, user_id, f"test {'+'.join(scopes)}", scopes, SystemClock().now()
        )
    return secret


async def bearer(engine: AsyncEngine, user_id: str, scopes: list[Scope]) -> dict[str, str]:
    """Request headers carrying a new API token of this user."""
    return {"authorization": f"Bearer {await add_token(engine, user_id, scopes)}"}


def login_csrf(page: str) -> str:
    found = re.search(r'name="login_csrf" value="([^"]+)"', page)
    assert found, "login form without its CSRF field"
    return found.group(1)


def session_csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "page without a CSRF field"
    return found.group(1)


async def log_in(
    client: httpx.AsyncClient, name: str, password: str = PASSWORD, totp: str | None = None
) -> httpx.Response:
    form = await client.get("/admin/login")
    data = {"name": name, "password": password, "login_csrf": login_csrf(form.text)}
    answer = await client.post("/admin/login", data=data)
    if totp is not None and answer.status_code == 303 and "totp" in answer.headers["location"]:
        page = await client.get("/admin/login/totp")
        code = pyotp.TOTP(totp).now()
        answer = await client.post(
            "/admin/login/totp", data={"code": code, "login_csrf": login_csrf(page.text)}
        )
    return answer


async def csrf_of(client: httpx.AsyncClient) -> str:
    return session_csrf((await client.get("/admin/account")).text)


async def component_ids(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(components.c.key, components.c.id))
        return {str(k): str(i) for k, i in rows}
