"""Security headers on every operator response; the session cookie's flags."""

from __future__ import annotations

from hiccup.auth.roles import Role
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, client_for, log_in, running


async def test_admin_and_api_answers_carry_the_security_headers(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        for path in ("/admin/login", "/api/v1/monitors", "/api/v1/openapi.json", "/admin/nope"):
            headers = (await client.get(path)).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        admin_csp = (await client.get("/admin/login")).headers["content-security-policy"]
        assert "script-src 'self'" in admin_csp
        assert "unsafe-inline" not in admin_csp


async def test_the_session_cookie_is_httponly_and_samesite(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        answer = await log_in(client, "olga")
        cookie = next(
            v
            for k, v in answer.headers.multi_items()
            if k == "set-cookie" and "hiccup_session" in v
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http here; https requests get Secure
        assert (await client.get("/admin/")).headers["cache-control"] == "no-store"
