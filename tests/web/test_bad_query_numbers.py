"""Page numbers from query strings are bounded wherever they are parsed: a huge or odd number
is never a 500 (SQLite cannot hold an OFFSET of 10**30)."""

from __future__ import annotations

import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, log_in, running

ODD = [str(10**30), "-5", "0", "²", "1e3", "99999999999999999999999999999999999999"]


async def test_the_admin_lists_take_any_page_number_as_the_first_page(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        for path in ("/admin/audit", "/admin/"):
            for page in ODD:
                answer = await client.get(path, params={"page": page})
                assert answer.status_code == 200, (path, page)


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/monitors", "/api/v1/incidents"])
async def test_the_api_refuses_a_page_number_out_of_range(engine: AsyncEngine, path: str) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        for page in ODD:
            answer = await client.get(path, params={"page": page}, headers=headers)
            assert answer.status_code == 422, page
            assert answer.json()["error"]["fields"]["page"]
        big = await client.get(path, params={"per_page": str(10**30)}, headers=headers)
        assert big.status_code == 422
