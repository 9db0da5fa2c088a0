"""A 405 names the methods that work in `Allow` (RFC 9110), in the API's JSON errors too."""

from __future__ import annotations

import pytest

from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import client_for, running


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/monitors", {"GET", "HEAD", "POST"}),
        ("DELETE", "/admin/login", {"GET", "HEAD", "POST"}),
        ("POST", "/", {"GET", "HEAD"}),
        ("DELETE", "/ping/some-token", {"GET", "HEAD", "POST"}),
        ("POST", "/healthz", {"GET", "HEAD"}),
    ],
)
async def test_a_405_carries_allow(
    engine: AsyncEngine, method: str, path: str, allowed: set[str]
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        answer = await client.request(method, path)
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed
