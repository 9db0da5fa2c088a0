"""The first start without users prints a one-time link that creates the owner."""

from __future__ import annotations

import logging

import pytest

from hiccup.auth.roles import Role
from hiccup.store import accounts
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, client_for, login_csrf, running


async def test_the_setup_link_creates_the_owner_once(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "hiccup.web.admin_site")
    async with running(engine) as hiccup, client_for(hiccup) as client:
        logged = [r.getMessage() for r in caplog.records if "/admin/setup/" in r.getMessage()]
        assert len(logged) == 1
        path = "/admin/setup/" + logged[0].split("/admin/setup/")[1].split()[0]
        form = await client.get(path)
        assert form.status_code == 200
        short = {"name": "olga", "password": "short", "login_csrf": login_csrf(form.text)}
        refused = await client.post(path, data=short)
        assert refused.status_code == 422
        assert "at least 10 characters" in refused.text
        good = {**short, "password": "a long enough secret"}
        made = await client.post(path, data=good)
        assert made.status_code == 303
        assert (await client.get("/admin/")).status_code == 200
        again = await client.get(path)
        assert again.status_code == 404
        async with engine.connect() as conn:
            assert [u.role.value for u in await accounts.list_users(conn)] == ["owner"]


async def test_no_link_is_printed_once_users_exist(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "hiccup.web.admin_site")
    await add_user(engine, "olga", Role.OWNER)
    async with running(engine):
        pass
    assert not [r for r in caplog.records if "/admin/setup/" in r.getMessage()]
