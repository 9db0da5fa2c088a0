"""Behind a reverse proxy: with `trusted_proxies`, each forwarded client is throttled and
audited as itself, so a stranger guessing passwords through the proxy does not lock everyone
else out; without it, X-Forwarded-For is the client's own words and ignored."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from hiccup.auth.roles import Role
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_accounts import audit_log
from tests.support.admin_helpers import (
    BASE,
    CONFIG,
    PASSWORD,
    add_user,
    example_config,
    login_csrf,
    running,
)

BEHIND_PROXY = CONFIG + "trusted_proxies: [127.0.0.0/8]\n"


def through_proxy(hiccup: Hiccup) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=hiccup.app(), client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def attempt(
    client: httpx.AsyncClient, name: str, password: str, forwarded_for: str
) -> httpx.Response:
    headers = {"x-forwarded-for": forwarded_for}
    form = await client.get("/admin/login", headers=headers)
    data = {"name": name, "password": password, "login_csrf": login_csrf(form.text)}
    return await client.post("/admin/login", data=data, headers=headers)


async def guess_many_names(client: httpx.AsyncClient) -> None:
    for n in range(21):  # one over the address's free failures
        await attempt(client, f"nobody{n}", "wrong password!", "203.0.113.66")


@pytest.mark.parametrize(
    ("config", "amy_gets_in"), [(BEHIND_PROXY, True), (CONFIG, False)], ids=["trusted", "not"]
)
async def test_a_guesser_behind_the_proxy_locks_out_only_itself(
    engine: AsyncEngine, config: str, amy_gets_in: bool
) -> None:
    async with running(engine, example_config(config)) as hiccup, through_proxy(hiccup) as client:
        await add_user(engine, "amy", Role.EDITOR)
        await guess_many_names(client)
        stranger = await attempt(client, "amy", PASSWORD, "203.0.113.66")
        assert stranger.status_code == 429
        amy = await attempt(client, "amy", PASSWORD, "198.51.100.7, 127.0.0.2")
        assert (amy.status_code == 303) is amy_gets_in


async def test_the_audit_log_names_the_forwarded_client(engine: AsyncEngine) -> None:
    hiccup_config = example_config(BEHIND_PROXY)
    async with running(engine, hiccup_config) as hiccup, through_proxy(hiccup) as client:
        await add_user(engine, "amy", Role.EDITOR)
        assert (await attempt(client, "amy", PASSWORD, "198.51.100.7")).status_code == 303
    async with engine.connect() as conn:
        addresses = (await conn.execute(select(audit_log.c.address))).scalars().all()
    assert "198.51.100.7" in addresses
    assert "127.0.0.1" not in addresses
