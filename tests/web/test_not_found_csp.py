"""The public 404 page is answered with a CSP that allows its style by hash, not by
'unsafe-inline'."""

from __future__ import annotations

from hiccup.snapshot.wire import NOT_FOUND_CSP
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import client_for, running


async def test_the_404_page_is_answered_without_unsafe_inline(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        answer = await client.get("/no/such/page")
    assert answer.status_code == 404
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["content-security-policy"] == NOT_FOUND_CSP
