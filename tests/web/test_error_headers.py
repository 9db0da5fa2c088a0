"""Every error answer carries the security headers, a server error included: Starlette's own
500 for an unhandled exception had none."""

from __future__ import annotations

import httpx
import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.core.engine_health import EngineHealth
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import BASE, add_user, bearer, running


def _secured(answer: httpx.Response) -> None:
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_a_server_error_carries_the_security_headers(engine: AsyncEngine) -> None:
    def broken() -> EngineHealth | None:
        raise RuntimeError("a bug")

    async with running(engine) as hiccup:
        hiccup.admin.ops.engine_health = broken
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        # The bug still reaches the server's log; the client gets the 500.
        transport = httpx.ASGITransport(app=hiccup.app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            answer = await client.get("/api/v1/engine", headers=headers)
    assert answer.status_code == 500
    _secured(answer)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nope", 404),
        ("GET", "/api/v1/monitors", 401),
        ("PUT", "/api/v1/monitors", 405),
        ("GET", "/admin/nope", 404),
        ("DELETE", "/admin/login", 405),
        ("POST", "/", 405),
        ("GET", "/nope", 404),
    ],
)
async def test_error_answers_carry_the_security_headers(
    engine: AsyncEngine, method: str, path: str, status: int
) -> None:
    async with running(engine) as hiccup:
        transport = httpx.ASGITransport(app=hiccup.app())
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            answer = await client.request(method, path)
    assert answer.status_code == status
    _secured(answer)
